fn main() {
    for a in hayagriva::archive::ArchivedStyle::all() {
        let hayagriva::citationberg::Style::Independent(mut s) = a.get() else { panic!() };
        let n = ibid_formats::render::repair(&mut s);
        let b = s.bibliography.as_ref();
        let subs = b.map(|b| b.subsequent_author_substitute.is_some()).unwrap_or(false);
        let sfa = b.map(|b| b.second_field_align.is_some()).unwrap_or(false);
        if n > 0 || (subs && sfa) { println!("{} repaired={n} subs={subs} sfa={sfa}", a.names()[0]); }
    }
}
