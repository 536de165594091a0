//! A user's CSL style file: loaded, and if it loads, a bibliography and a
//! citation rendered with it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ibid_formats::render::{self, Format};

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    let Ok(style) = render::style_from_xml("fuzz", &xml) else { return };
    let item: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        r#"{"id":"a","type":"chapter","title":"The Soviet Union and Communist China","author":[{"family":"Heinzig","given":"Dieter"}],
            "editor":[{"family":"Xue","given":"Litai"}],"container-title":"Sino-Soviet Relations","publisher":"Springer","publisher-place":"Singapore",
            "issued":{"date-parts":[[2019,6,2]]},"page":"170-185","DOI":"10.1007/978-981-13-8641-1_7","volume":"3","edition":"2"}"#,
    )
    .expect("item");
    for format in [Format::Text, Format::Html] {
        let _ = render::bibliography(std::slice::from_ref(&item), &style, None, format);
    }
});
