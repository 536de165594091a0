use ibid_formats::render::{self, Format};
use serde_json::{Map, Value};

fn seed() -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(ibid_tests::project_fixture("seed-chapter.csl.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn explore() {
    let mut s2 = seed();
    s2[0].insert("editor".into(), serde_json::json!([{"family": "Doe", "given": "Jane"}]));
    for id in ["vancouver", "american-medical-association", "nlm-citation-sequence-superscript"] {
        let s = render::style(id).unwrap();
        let b = render::bibliography(&s2, &s, None, Format::Text).unwrap();
        println!("{id}: {}", b[0].text);
    }
    let s = render::style("vancouver").unwrap();


}
