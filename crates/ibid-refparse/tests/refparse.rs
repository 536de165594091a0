//! The reference labeller: tokenizer, label mapping, corpora, the shipped
//! model, parse_reference on notes-style strings, and a held-out F1 floor.

use ibid_refparse::corpus::{self, Example, Source};
use ibid_refparse::labels::{split_issue, unify, LABELS};
use ibid_refparse::parse::{names, parse_date};
use ibid_refparse::tokenize::tokenize;
use ibid_refparse::{evaluate, parse_reference, Labeller};

#[test]
fn tokens_carry_their_byte_offsets() {
    for text in [
        "Zhihua Shen and Yafeng Xia, Mao (Lanham, MD: Lexington Books, 2015), pp. 12–15.",
        "  leading and trailing  ",
        "“Quoted,” in Ibid., vol. 4,\tp.\n79",
        "Müller, Jürgen — Ökonomie",
        "",
    ] {
        let toks = tokenize(text);
        let mut last_end = 0;
        for t in &toks {
            assert_eq!(&text[t.start..t.end], t.text, "offsets of {:?} in {text:?}", t.text);
            assert!(!t.text.is_empty() && !t.text.contains(char::is_whitespace));
            assert!(text[last_end..t.start].chars().all(char::is_whitespace), "a gap holds only whitespace");
            last_end = t.end;
        }
        assert!(text[last_end..].chars().all(char::is_whitespace));
        assert_eq!(toks.len(), text.split_whitespace().count());
    }
}

#[test]
fn both_corpora_map_onto_one_label_set() {
    for (tag, label) in [
        ("booktitle", "container-title"),
        ("container-title", "container-title"),
        ("journal", "journal"),
        ("tech", "genre"),
        ("genre", "genre"),
        ("institution", "institution"),
        ("director", "author"),
        ("source", "container-title"),
        ("citation-number", "citation-number"),
    ] {
        assert_eq!(unify(tag), Some(label), "{tag}");
    }
    assert_eq!(unify("nonsense"), None);
    for (segment, want) in [
        ("vol. 7, no. 3,", vec!["volume", "volume", "issue", "issue"]),
        ("Vol. 81, No. 5,", vec!["volume", "volume", "issue", "issue"]),
        ("4(2),", vec!["volume"]),
        ("5 (1),", vec!["volume", "issue"]),
        ("nr 29.", vec!["issue", "issue"]),
        ("45", vec!["volume"]),
    ] {
        let toks: Vec<&str> = segment.split_whitespace().collect();
        assert_eq!(split_issue(&toks), want, "{segment}");
    }
}

#[test]
fn corpora_read_into_aligned_examples() {
    let xml = r#"<dataset><sequence><author>Heinzig, Dieter.</author><title>The Soviet Union.</title>
        <volume>vol. 2, no. 4</volume><location>Armonk, NY:</location><publisher>M. E. Sharpe &amp; Co.,</publisher><date>2004.</date></sequence></dataset>"#;
    let ex = corpus::read_anystyle(xml, Source::AnyStyle).unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].text, "Heinzig, Dieter. The Soviet Union. vol. 2, no. 4 Armonk, NY: M. E. Sharpe & Co., 2004.");
    assert_eq!(&ex[0].labels[..4], &["author", "author", "title", "title"]);
    assert_eq!(&ex[0].labels[5..9], &["volume", "volume", "issue", "issue"]);
    assert!(corpus::check(&ex[0]));
    let cora = "<author> A. Cau. </author> <title> On Stark. </title> <booktitle> Proc. BCS, </booktitle> <tech> TR-2, </tech> <date> 1992 </date> .\n";
    let ex = corpus::read_cora(cora).unwrap();
    assert_eq!(ex[0].labels, vec!["author", "author", "title", "title", "container-title", "container-title", "genre", "date", "date"]);
    assert!(corpus::check(&ex[0]));
    assert!(corpus::read_cora("<bogus> x </bogus>").is_err());

    // Our notes-style references are in the repository.
    let notes = corpus::read_anystyle(&std::fs::read_to_string(corpus::notes_fixture()).unwrap(), Source::Notes).unwrap();
    assert!(notes.len() >= 90, "{} notes-style references", notes.len());
    assert!(notes.iter().all(corpus::check));
    assert!(notes.iter().all(|e| e.labels.iter().all(|l| LABELS.contains(l))));

    // The shared corpora, when present: every tag maps, labels align.
    let Some(shared) = corpus::shared_fixtures().unwrap() else { return };
    let all = corpus::load_all(&shared).unwrap();
    let count = |s: Source| all.iter().filter(|e| e.source == s).count();
    assert_eq!(count(Source::AnyStyle), 1514);
    assert_eq!(count(Source::Cora), 500);
    assert!(all.iter().all(corpus::check));
    let held = all.iter().filter(|e| corpus::is_held_out(&e.text)).count();
    let share = held as f64 / all.len() as f64;
    assert!((0.15..0.25).contains(&share), "held-out share {share}");
}

#[test]
fn the_shipped_model_loads_and_labels() {
    let l = Labeller::bundled();
    let text = "Odile Marchand, Les ports de la Manche, 1815–1914 (Rouen: Presses universitaires, 1991), pp. 33–40.";
    let spans = l.label(text);
    assert!(!spans.is_empty());
    for s in &spans {
        assert_eq!(&text[s.start..s.end], s.text);
        assert!(LABELS.contains(&s.field));
    }
    let field = |f: &str| spans.iter().find(|s| s.field == f).map(|s| s.text.as_str());
    assert_eq!(field("author"), Some("Odile Marchand,"));
    assert_eq!(field("location"), Some("(Rouen:"));
    assert_eq!(field("pages"), Some("pp. 33–40."));
    assert!(Labeller::from_bytes(b"not a model".to_vec()).is_err());
}

struct Case {
    text: &'static str,
    ty: &'static str,
    title: &'static str,
    creators: &'static [(&'static str, &'static str, &'static str)],
    place: Option<&'static str>,
    publisher: Option<&'static str>,
    year: Option<i32>,
    locator: Option<&'static str>,
    container: Option<&'static str>,
}

#[test]
fn notes_style_citations_become_typed_records() {
    // Hand-written for this test: not the seed's notes, not in the training data.
    let cases = [
        Case {
            text: "Margaret MacMillan and Patrick Quinn, The Treaty Makers: Paris and After (Toronto: Lakeside Press, 2004), pp. 88–91.",
            ty: "book",
            title: "The Treaty Makers: Paris and After",
            creators: &[("author", "MacMillan", "Margaret"), ("author", "Quinn", "Patrick")],
            place: Some("Toronto"),
            publisher: Some("Lakeside Press"),
            year: Some(2004),
            locator: Some("pp. 88–91"),
            container: None,
        },
        Case {
            text: "See Hiroshi Sato, Rice Markets in Osaka, tr. Joan Ellis (Honolulu, HI: University of Hawaii Press, 1987), p. 12.",
            ty: "book",
            title: "Rice Markets in Osaka",
            creators: &[("author", "Sato", "Hiroshi"), ("translator", "Ellis", "Joan")],
            place: Some("Honolulu, HI"),
            publisher: Some("University of Hawaii Press"),
            year: Some(1987),
            locator: Some("p. 12"),
            container: None,
        },
        Case {
            text: "Carla Mendes, “The Salt Tax in Bengal,” Indian Economic Review, vol. 12, no. 3 (March 1977), pp. 201–19.",
            ty: "article-journal",
            title: "The Salt Tax in Bengal",
            creators: &[("author", "Mendes", "Carla")],
            place: None,
            publisher: None,
            year: Some(1977),
            locator: None,
            container: Some("Indian Economic Review"),
        },
        Case {
            text: "Tomas Berg, “Harbour Labour in Gothenburg,” in Scandinavian Port Cities, ed. Ingrid Holm (Oslo: Nordic Press, 1995), pp. 45–47.",
            ty: "chapter",
            title: "Harbour Labour in Gothenburg",
            creators: &[("author", "Berg", "Tomas")],
            place: Some("Oslo"),
            publisher: Some("Nordic Press"),
            year: Some(1995),
            locator: Some("pp. 45–47"),
            container: Some("Scandinavian Port Cities"),
        },
        Case {
            text: "MacMillan and Quinn, The Treaty Makers, p. 90.",
            ty: "book",
            title: "The Treaty Makers",
            creators: &[("author", "MacMillan", ""), ("author", "Quinn", "")],
            place: None,
            publisher: None,
            year: None,
            locator: Some("p. 90"),
            container: None,
        },
        Case {
            text: "Boris Lenz, Zapiski o Kharbine [Notes on Harbin] (unpublished ms.), p. 8.",
            ty: "manuscript",
            title: "Zapiski o Kharbine",
            creators: &[("author", "Lenz", "Boris")],
            place: None,
            publisher: None,
            year: None,
            locator: Some("p. 8"),
            container: None,
        },
    ];
    let mut failures = Vec::new();
    for c in &cases {
        let r = parse_reference(c.text);
        let w = &r.work;
        let got_creators: Vec<(String, String, String)> = w
            .creators
            .iter()
            .map(|k| (k.role.clone(), k.family.clone().unwrap_or_default(), k.given.clone().unwrap_or_default()))
            .collect();
        let want_creators: Vec<(String, String, String)> =
            c.creators.iter().map(|(a, b, d)| (a.to_string(), b.to_string(), d.to_string())).collect();
        let (place, publisher, year) = match w.work_type.as_str() {
            "chapter" => {
                let b = w.parent.as_deref().expect("a chapter has its book");
                (b.publisher_place.as_deref(), b.publisher.as_deref(), b.year())
            }
            _ => (w.publisher_place.as_deref(), w.publisher.as_deref(), w.year()),
        };
        let container = w.parent.as_deref().and_then(|p| p.title.as_deref());
        let got = (w.work_type.as_str(), w.title.as_deref(), got_creators, place, publisher, year, r.locator.as_deref(), container);
        let want = (c.ty, Some(c.title), want_creators, c.place, c.publisher, c.year, c.locator, c.container);
        if got != want {
            failures.push(format!("{}\n  got  {got:?}\n  want {want:?}\n  spans {:?}", c.text, r.spans));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let m = parse_reference("Boris Lenz, Zapiski o Kharbine [Notes on Harbin] (unpublished ms.), p. 8.");
    assert_eq!(m.work.extra.get("title-translated").and_then(|v| v.as_str()), Some("Notes on Harbin"));
}

#[test]
fn names_split_into_family_and_given() {
    let got = |role: &str, s: &str| -> Vec<(String, String)> {
        names(role, s).into_iter().map(|c| (c.family.unwrap_or_default(), c.given.unwrap_or_default())).collect()
    };
    let p = |v: &[(&str, &str)]| -> Vec<(String, String)> { v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect() };
    assert_eq!(got("author", "Heinzig, Dieter"), p(&[("Heinzig", "Dieter")]));
    assert_eq!(got("author", "Dieter Heinzig,"), p(&[("Heinzig", "Dieter")]));
    assert_eq!(got("author", "Shen and Xia,"), p(&[("Shen", ""), ("Xia", "")]));
    assert_eq!(got("author", "Goncharov, Lewis and Xue,"), p(&[("Goncharov", ""), ("Lewis", ""), ("Xue", "")]));
    assert_eq!(
        got("author", "Sergei Goncharov, John Lewis, and Xue Litai,"),
        p(&[("Goncharov", "Sergei"), ("Lewis", "John"), ("Litai", "Xue")])
    );
    assert_eq!(got("author", "Lee, L. L., W. E. Howard, and R. E. Marsh."), p(&[("Lee", "L. L."), ("Howard", "W. E."), ("Marsh", "R. E.")]));
    assert_eq!(got("author", "Romero, C., Paunesku, D., & Dweck, C."), p(&[("Romero", "C."), ("Paunesku", "D."), ("Dweck", "C.")]));
    assert_eq!(got("author", "Pérez-Higueras JJ, Arias A"), p(&[("Pérez-Higueras", "JJ"), ("Arias", "A")]));
    assert_eq!(got("translator", "tr. Neil Silver"), p(&[("Silver", "Neil")]));
    assert_eq!(got("editor", "In O. Card and D. Smith (Eds.),"), p(&[("Card", "O."), ("Smith", "D.")]));
    assert_eq!(got("editor", "Leffler and Westad, eds.,"), p(&[("Leffler", ""), ("Westad", "")]));
}

#[test]
fn dates_are_read_from_their_words() {
    let parts = |s: &str| parse_date(s).map(|d| d.parts);
    assert_eq!(parts("30 November 1945,"), Some(vec![vec![1945, 11, 30]]));
    assert_eq!(parts("(January 1997),"), Some(vec![vec![1997, 1]]));
    assert_eq!(parts("2015),"), Some(vec![vec![2015]]));
    assert_eq!(parts("May 9, 2013."), Some(vec![vec![2013, 5, 9]]));
    assert_eq!(parse_date("(Summer 1996)").and_then(|d| d.season), Some(serde_json::json!(2)));
    assert_eq!(parts("n.d."), None);
}

/// A regression guard, not a result: the shipped model scored 0.894
/// field-level and 0.934 token-level micro F1 on the held-out split of
/// AnyStyle's core set and CORA when it was trained (BENCHMARKS.md). A
/// change to the features, the tokenizer or the label mapping that costs more
/// than 1.5 points fails here. Retraining that improves the score should
/// raise these floors.
#[test]
fn held_out_f1_stays_above_its_floor() {
    let Some(shared) = corpus::shared_fixtures().unwrap() else { return };
    let all = corpus::load_all(&shared).unwrap();
    let held: Vec<&Example> = all
        .iter()
        .filter(|e| e.source != Source::Notes && corpus::is_held_out(&e.text))
        .collect();
    let s = evaluate(&Labeller::bundled(), &held);
    let (field, token) = (s.micro_field().f1(), s.micro_token().f1());
    eprintln!("{}", s.table());
    assert!(field >= 0.879, "field-level micro F1 {field:.3} fell below 0.879");
    assert!(token >= 0.919, "token-level micro F1 {token:.3} fell below 0.919");
}

/// fuzz/notes, crash-87e58eb1: a volume-like "1949–1972" was cut inside its
/// en dash when checked for "vols." (a byte slice, not a character one), and
/// the labeller parser panicked on ordinary references like these.
#[test]
fn fuzz_notes_crash_87e58eb1_a_volume_with_an_en_dash_is_read_not_a_panic() {
    for text in [
        "Smith, John. “Title.” Journal of Things 1949–1972 (1990): 3–9.",
        "J. Smith, “Title,” China Quarterly, 1949–1972, no. 4 (1990): 1–5.",
        "Smith J (1990) Title. Journal 1949–1972(3):1–9",
    ] {
        let p = parse_reference(text);
        let w = &p.work;
        let family = w.creators.first().and_then(|c| c.family.as_deref());
        assert_eq!(family, Some("Smith"), "{text}: {w:?}");
        assert!(w.title.as_deref().is_some_and(|t| t.contains("Title")), "{text}: {w:?}");
    }
}

/// fuzz/notes: a blank reference (" ") sliced past its own end.
#[test]
fn fuzz_notes_a_blank_reference_is_an_empty_record_not_a_panic() {
    for text in [" ", "   ", "\t\n", "see ", " cf. "] {
        let p = parse_reference(text);
        assert!(p.work.title.is_none() && p.work.creators.is_empty(), "{text:?}: {:?}", p.work);
    }
}
