//! Notes into citations (full, short, ibid.), by the rules and by the
//! trained labeller.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ibid_notes::ReferenceParser;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let read = ibid_notes::read(&text, &ibid_notes::RuleParser);
    let _ = ibid_notes::note_citations(&read.notes);
    let _ = ibid_notes::LabellerParser.parse(&text);
    let _ = ibid_notes::parse::parse_full(&text);
    let _ = ibid_notes::parse::split_locator(&text);
});
