//! Golden round trip: every CSL-JSON body that doi.org content negotiation
//! returned (../shared/fixtures/content-negotiation/csl-json) imports into a
//! library and exports back without losing a field.
//!
//! Two checks per file: (1) the export equals its golden file
//! (tests/fixtures/golden/csl-roundtrip/, re-bless with IBID_BLESS=1);
//! (2) independently of the golden file, every variable of the input is in
//! the output with an equal value, up to the normalizations Ibid makes on
//! purpose (docs/decisions/0001-record-model-and-schema.md):
//! type names mapped to CSL, DOIs lower-cased, ISBNs as 13 digits, one-element
//! title lists as strings, repeated identifiers kept once, numbers as strings, date parts as numbers, empty
//! lists and the URL-form `id` dropped, `id` replaced by the work's key.

use ibid_core::{csl, Library};
use serde_json::{Map, Value};

fn normalize_expected(k: &str, v: &Value) -> Option<Value> {
    match (k, v) {
        (_, Value::Array(a)) if a.is_empty() => None,
        ("type", Value::String(t)) => Some(Value::String(ibid_core::model::normalize_type(t).expect("known type").to_string())),
        ("DOI", Value::String(d)) => Some(Value::String(d.to_lowercase())),
        ("ISBN" | "ISSN", Value::Array(a)) => {
            let mut seen = Vec::new();
            for i in a {
                let i = i.as_str().unwrap();
                let n = if k == "ISBN" { ibid_core::ident::normalize_isbn(i).unwrap() } else { i.to_string() };
                if !seen.contains(&n) {
                    seen.push(n);
                }
            }
            Some(Value::Array(seen.into_iter().map(Value::String).collect()))
        }
        ("container-title" | "container-title-short" | "collection-title" | "title", Value::Array(a)) if a.len() == 1 => {
            Some(a[0].clone())
        }
        (_, Value::Number(n)) if k != "score" && ibid_core::model::STRING_FIELDS.contains(&k) => Some(Value::String(n.to_string())),
        ("issued", Value::Object(o)) => {
            let mut o = o.clone();
            if let Some(Value::Array(parts)) = o.get_mut("date-parts") {
                for p in parts.iter_mut() {
                    if let Value::Array(bits) = p {
                        for b in bits.iter_mut() {
                            if let Value::String(s) = b {
                                *b = Value::from(s.parse::<i64>().unwrap());
                            }
                        }
                    }
                }
            }
            Some(Value::Object(o))
        }
        _ => Some(v.clone()),
    }
}

#[test]
fn content_negotiation_csl_json_round_trips_without_loss() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let dir = shared.join("content-negotiation/csl-json");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("read fixture dir").map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 70, "expected the 76 recorded bodies, found {}", files.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let input: Value = serde_json::from_str(&text).unwrap();
        // A fresh library per file, so that items do not share containers.
        let mut lib = Library::open(tmp.path().join(format!("{name}.sqlite"))).unwrap();
        let summary = lib.import(csl::parse_document(&text).unwrap()).unwrap();
        let keys: Vec<&str> = summary.added().collect();
        assert_eq!(keys.len(), 1, "{name}: {:?}", summary.outcomes);
        let id = lib.resolve(keys[0]).unwrap();
        let out = lib.csl_item(id).unwrap();
        assert_eq!(out["id"], Value::String(keys[0].to_string()), "{name}: id is the key");

        // (2) nothing lost.
        let input = input.as_object().unwrap();
        for (k, v) in input {
            if k == "id" {
                continue;
            }
            let Some(want) = normalize_expected(k, v) else { continue };
            match out.get(k) {
                Some(got) if *got == want => {}
                Some(got) => failures.push(format!("{name}: {k}: expected {want}, got {got}")),
                None => failures.push(format!("{name}: {k} lost (was {v})")),
            }
        }
        // Nothing invented, except the key as id.
        for k in out.keys() {
            if k != "id" && !input.contains_key(k) {
                failures.push(format!("{name}: {k} appeared from nowhere"));
            }
        }

        // (1) golden file.
        let mut shown: Map<String, Value> = out.clone();
        shown.insert("id".into(), Value::String("KEY".into()));
        let actual = serde_json::to_string_pretty(&shown).unwrap() + "\n";
        let golden_name = name.replace(".csl.json", ".json");
        if let Some(diff) = ibid_tests::golden(&format!("csl-roundtrip/{golden_name}"), &actual) {
            failures.push(diff);
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

/// The seed chapter (tests/fixtures/seed-chapter.csl.json, written from the
/// facts on the seed page) imports as chapter -> book -> series and shows back whole.
#[test]
fn seed_chapter_imports_and_shows_back_whole() {
    let path = ibid_tests::project_fixture("seed-chapter.csl.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let summary = lib.import(csl::parse_document(&text).unwrap()).unwrap();
    assert_eq!(summary.failed().count(), 0);
    let id = lib.resolve("https://doi.org/10.1007/978-981-13-8641-1_7").unwrap();
    let out = lib.csl_item(id).unwrap();
    let input: Value = serde_json::from_str(&text).unwrap();
    let input = input[0].as_object().unwrap();
    for (k, v) in input {
        let want = match k.as_str() {
            "id" => {
                assert_eq!(out["citation-key"], *v, "the source id is kept as the citation key");
                continue;
            }
            "ISBN" => serde_json::json!(["9789811386404", "9789811386411"]),
            _ => v.clone(),
        };
        assert_eq!(out.get(k), Some(&want), "{k}");
    }

    // Containment: the chapter's book is a record of its own, in its series.
    let book = lib.parent_id(id).unwrap().expect("the chapter has a book");
    let book_item = lib.csl_item(book).unwrap();
    assert_eq!(book_item["type"], "book");
    assert_eq!(book_item["title"], input["container-title"]);
    assert_eq!(book_item["editor"], input["editor"]);
    assert_eq!(book_item["publisher"], "Palgrave Macmillan");
    assert_eq!(book_item["publisher-place"], "Singapore");
    assert_eq!(book_item["ISBN"], serde_json::json!(["9789811386404", "9789811386411"]));
    assert_eq!(book_item["collection-title"], "China Connections");
    let series = lib.parent_id(book).unwrap().expect("the book has a series");
    assert_eq!(lib.csl_item(series).unwrap()["title"], "China Connections");
    // The book's fields are stored once, on the book.
    let chapter_own = lib.work(id).unwrap();
    assert!(chapter_own.publisher.is_none() && chapter_own.isbn.is_empty());
    assert_eq!(lib.children(book).unwrap(), vec![id]);
}

/// Found by the property tests (tests/roundtrip_props.rs, issue 9): serde_json
/// read some floats a last digit off (1.0091795786748247e121 came back as
/// …248e121) unless its `float_roundtrip` feature is on.
#[test]
fn issue_9_a_large_float_in_an_unmodelled_variable_round_trips_through_csl_json() {
    let item = serde_json::json!({
        "type": "article-journal", "id": "A", "title": "The", "container-title": "The",
        "a": [{"": 1.0091795786748247e121}], "score": 0.1 + 0.2
    });
    let w = csl::work_from_csl(&item).unwrap();
    let flat = csl::flatten(&csl::split(w).unwrap());
    assert_eq!(flat["a"][0][""].as_f64(), Some(1.0091795786748247e121));
    let text = serde_json::to_string(&vec![flat.clone()]).unwrap();
    let back: Vec<Map<String, Value>> = csl::parse_document(&text).unwrap().map(|w| csl::flatten(&w.unwrap())).collect();
    assert_eq!(back, vec![flat]);
    // And through a library (stored as JSON text, read back).
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let summary = lib.import(csl::parse_document(&text).unwrap()).unwrap();
    let key = summary.added().next().expect("added").to_string();
    let out = lib.csl_item(lib.resolve(&key).unwrap()).unwrap();
    assert_eq!(out["a"][0][""].as_f64(), Some(1.0091795786748247e121));
}
