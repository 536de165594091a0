//! Token features for the CRF. Each token gets its own observations (word,
//! shape, case, digits, year-like, punctuation around it, prefixes and
//! suffixes, lexicon hints) plus the sequence context that matters for
//! references: position in the string, whether it is inside parentheses,
//! brackets or quotes, whether a year has been seen yet, and the
//! observations of its neighbours.

use crfs::Attribute;

use crate::tokenize::{core, Token};

const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre", "januar", "februar", "märz", "juni",
    "juli", "oktober", "dezember", "spring", "summer", "fall", "autumn", "winter",
];
const PAGE_WORDS: &[&str] = &["p", "pp", "page", "pages", "s", "ss", "pgs", "pg"];
const VOLUME_WORDS: &[&str] = &["vol", "vols", "volume", "volumes", "v", "bd", "jg", "tome", "t"];
const NUMBER_WORDS: &[&str] = &["no", "nos", "nr", "issue", "iss", "num", "number", "heft", "n"];
const EDITOR_WORDS: &[&str] = &["ed", "eds", "editor", "editors", "edited", "hrsg", "hg", "dir", "éd", "coord"];
const TRANSLATOR_WORDS: &[&str] = &["tr", "trans", "transl", "translated", "translator", "translators", "übers"];
const AND_WORDS: &[&str] = &["and", "&", "und", "et", "y", "e"];
const PUBLISHER_WORDS: &[&str] = &[
    "press", "publishers", "publisher", "publishing", "publications", "verlag", "books", "inc",
    "ltd", "co", "company", "presses", "editions", "éditions", "wiley", "springer", "elsevier",
    "routledge", "sage", "macmillan", "palgrave", "kluwer", "addison-wesley", "mcgraw-hill",
    "prentice", "hall", "academic", "sharpe", "norton", "penguin", "blackwell", "birkhäuser",
];
const VENUE_WORDS: &[&str] = &[
    "journal", "review", "proceedings", "proc", "conference", "conf", "symposium", "workshop",
    "transactions", "quarterly", "bulletin", "annals", "letters", "magazine", "acta", "zeitschrift",
    "revue", "international", "annual", "studies", "history", "research", "science", "sciences",
];
const GENRE_WORDS: &[&str] = &[
    "report", "technical", "tech", "thesis", "dissertation", "phd", "ph.d", "working", "paper",
    "memo", "memorandum", "manuscript", "ms", "unpublished", "preprint", "draft", "master's",
    "doctoral", "lecture", "notes", "patent", "series",
];
const INSTITUTION_WORDS: &[&str] = &[
    "university", "univ", "institute", "inst", "department", "dept", "laboratory", "laboratories",
    "lab", "school", "college", "center", "centre", "foundation", "academy", "council", "ministry",
    "corporation", "corp", "project",
];
const PLACES: &[&str] = &[
    "new", "york", "london", "paris", "berlin", "oxford", "cambridge", "chicago", "boston",
    "stanford", "princeton", "beijing", "peking", "shanghai", "tokyo", "moscow", "amsterdam",
    "dordrecht", "heidelberg", "singapore", "lanham", "bloomington", "berkeley", "washington",
    "philadelphia", "toronto", "leiden", "munich", "münchen", "frankfurt", "wien", "vienna",
    "hong", "kong", "taipei", "baltimore", "haven", "ithaca", "armonk", "basingstoke", "abingdon",
    "los", "angeles", "san", "francisco", "reading", "mass", "calif", "amherst", "durham",
    "madison", "urbana", "austin", "seattle", "pittsburgh", "edinburgh", "manchester",
    "leipzig", "stuttgart", "göttingen", "hamburg", "zürich", "geneva", "rome", "milan",
    "madrid", "barcelona", "stockholm", "copenhagen", "oslo", "delhi", "sydney", "melbourne",
];
const US_STATES: &[&str] = &[
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia",
    "ks", "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm",
    "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa",
    "wv", "wi", "wy", "uk",
];

/// Per-token observations that neighbours also use.
struct Obs {
    word: String,
    shape: String,
    lead: String,
    trail: String,
    class: &'static str,
}

/// Word shape with runs collapsed: "Lanham," → "Xx,", "2015)," → "d),".
pub fn shape(s: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    for c in s.chars() {
        let k = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else if c == '“' || c == '”' || c == '"' || c == '„' || c == '«' || c == '»' {
            'q'
        } else if c == '‘' || c == '’' || c == '\'' {
            '\''
        } else if c == '–' || c == '—' || c == '-' {
            '-'
        } else {
            c
        };
        if last != Some(k) {
            out.push(k);
            last = Some(k);
        }
    }
    out
}

pub fn is_year(core: &str) -> bool {
    let digits: String = core.chars().take_while(char::is_ascii_digit).collect();
    let rest = &core[digits.len()..];
    digits.len() == 4
        && (rest.is_empty() || (rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase())))
        && digits.parse::<u32>().is_ok_and(|y| (1400..=2039).contains(&y))
}

fn is_roman(core: &str) -> bool {
    !core.is_empty() && core.len() <= 6 && core.chars().all(|c| "ivxlcIVXLC".contains(c))
        && (core.chars().all(char::is_uppercase) || core.chars().all(char::is_lowercase))
}

fn is_initials(tok: &str) -> bool {
    // "J.", "J.-P.", "D.I.", "JJ" (Vancouver), "A"
    let c = tok.trim_end_matches([',', ';']);
    let letters: Vec<char> = c.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() || letters.len() > 3 || !letters.iter().all(|c| c.is_uppercase()) {
        return false;
    }
    c.chars().all(|ch| ch.is_alphabetic() || ch == '.' || ch == '-')
}

fn in_list(list: &[&str], w: &str) -> bool {
    list.contains(&w)
}

fn word_class(w: &str, tok: &str) -> &'static str {
    if w.is_empty() {
        return "punct";
    }
    if is_year(w) {
        return "year";
    }
    if in_list(MONTHS, w) {
        return "month";
    }
    if in_list(PAGE_WORDS, w) && tok.ends_with('.') || w == "pp" {
        return "pagekw";
    }
    if in_list(VOLUME_WORDS, w) && (tok.ends_with('.') || w.len() > 2) {
        return "volkw";
    }
    if in_list(NUMBER_WORDS, w) && (tok.contains('.') || w.len() > 2) {
        return "nokw";
    }
    if in_list(EDITOR_WORDS, w) {
        return "edkw";
    }
    if in_list(TRANSLATOR_WORDS, w) {
        return "trkw";
    }
    if w == "in" {
        return "in";
    }
    if in_list(AND_WORDS, w) {
        return "and";
    }
    if w.chars().all(|c| c.is_ascii_digit()) {
        return "num";
    }
    if w.chars().any(|c| c.is_ascii_digit()) {
        return "alnum";
    }
    if is_initials(tok.trim_start_matches(['(', '['])) {
        return "initials";
    }
    "word"
}

/// The attribute vectors of a token sequence, one per token.
pub fn extract(tokens: &[Token<'_>]) -> Vec<Vec<Attribute>> {
    let n = tokens.len();
    let obs: Vec<Obs> = tokens
        .iter()
        .map(|t| {
            let c = core(t.text);
            let word = c.to_lowercase();
            let lead: String = t.text.chars().take_while(|c| !c.is_alphanumeric()).collect();
            let trail: String = {
                let v: Vec<char> = t.text.chars().rev().take_while(|c| !c.is_alphanumeric()).collect();
                v.into_iter().rev().collect()
            };
            let class = word_class(&word, t.text);
            Obs { shape: shape(t.text), word, lead, trail, class }
        })
        .collect();

    // Sequence state before each token: parenthesis / bracket depth, inside
    // quotes, years seen, quotes seen.
    let mut paren = 0i32;
    let mut bracket = 0i32;
    let mut quote = false;
    let mut years_before = 0;
    let mut quotes_closed = 0;
    let mut colons_before = 0;
    let mut out = Vec::with_capacity(n);
    for (i, t) in tokens.iter().enumerate() {
        let o = &obs[i];
        let mut a: Vec<Attribute> = Vec::with_capacity(64);
        let mut f = |name: String| a.push(Attribute::new(name, 1.0));
        f("bias".into());
        f(format!("w={}", o.word));
        f(format!("shape={}", o.shape));
        f(format!("lead={}", o.lead));
        f(format!("trail={}", o.trail));
        f(format!("class={}", o.class));
        let chars: Vec<char> = o.word.chars().collect();
        for k in 1..=4.min(chars.len()) {
            f(format!("pre{k}={}", chars[..k].iter().collect::<String>()));
            f(format!("suf{k}={}", chars[chars.len() - k..].iter().collect::<String>()));
        }
        let raw_core = core(t.text);
        if raw_core.chars().next().is_some_and(char::is_uppercase) {
            f("cap".into());
        }
        if raw_core.chars().count() > 1 && raw_core.chars().all(|c| !c.is_lowercase()) && raw_core.chars().any(char::is_alphabetic) {
            f("allcaps".into());
        }
        if raw_core.chars().next().is_some_and(char::is_lowercase) {
            f("lower".into());
        }
        let len = raw_core.chars().count();
        f(format!("len={}", len.min(8)));
        if is_roman(raw_core) {
            f("roman".into());
        }
        if raw_core.contains(['–', '-', '—']) && raw_core.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            f("numrange".into());
        }
        if let Some(m) = raw_core.find(['(']) {
            if raw_core[..m].chars().all(|c| c.is_ascii_digit()) && m > 0 {
                f("vol(issue)".into());
            }
        }
        if o.word.parse::<u32>().is_ok_and(|v| v >= 1000) && !is_year(&o.word) {
            f("bignum".into());
        }
        if ["st", "nd", "rd", "th"].iter().any(|s| o.word.ends_with(s)) && o.word.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            f("ordinal".into());
        }
        if ["first", "second", "third", "fourth", "fifth", "revised", "rev", "edn", "edition", "aufl", "auflage"].contains(&o.word.as_str()) {
            f("editionword".into());
        }
        let lower = t.text.to_lowercase();
        if lower.starts_with("http") || lower.starts_with("www.") || lower.contains("://") {
            f("url".into());
        }
        if lower.starts_with("doi") || (lower.starts_with("10.") && lower.contains('/')) {
            f("doi".into());
        }
        if lower.starts_with("isbn") || lower.starts_with("issn") {
            f("isbn".into());
        }
        for (list, name) in [
            (PUBLISHER_WORDS, "pubword"),
            (VENUE_WORDS, "venueword"),
            (GENRE_WORDS, "genreword"),
            (INSTITUTION_WORDS, "instword"),
            (PLACES, "placeword"),
        ] {
            if in_list(list, &o.word) {
                f(name.into());
            }
        }
        let is_state = (o.word.len() == 2 && raw_core.chars().all(|c| c.is_ascii_uppercase()) && in_list(US_STATES, &o.word))
            || ["mass", "calif", "conn", "ill", "mich", "penn", "wis", "minn", "n.j", "n.y", "d.c"].contains(&o.word.as_str());
        if is_state {
            f("state".into());
            if o.trail.starts_with(':') {
                f("state:".into());
            }
        }
        if o.trail.starts_with(':') && i + 1 < n && obs[i + 1].shape.starts_with('X') {
            f("colon-then-cap".into());
        }
        // Sequence position.
        f(format!("pos={}", if i < 3 { i.to_string() } else { format!("r{}", i * 10 / n.max(1)) }));
        if i + 1 == n {
            f("last".into());
        } else if i + 2 == n {
            f("second-last".into());
        }
        // State.
        let opens_paren = t.text.starts_with('(');
        let opens_bracket = t.text.starts_with('[');
        let opens_quote = t.text.starts_with(['“', '"', '„', '«', '‘']) || (t.text.starts_with('\'') && len > 0);
        f(format!("paren={}", paren.clamp(0, 2)));
        if bracket > 0 || opens_bracket {
            f("inbracket".into());
        }
        if quote {
            f("inquote".into());
        }
        if opens_quote {
            f("openquote".into());
        }
        f(format!("years_before={}", years_before.min(2)));
        f(format!("quotes_closed={}", quotes_closed.min(1)));
        f(format!("colons_before={}", colons_before.min(2)));
        if opens_paren && t.text.trim_end_matches([',', '.', ';', ':']).ends_with(')') {
            f("whole-paren".into());
        }
        if o.class == "year" {
            f(format!("year-paren={}", paren.max(0) + i32::from(opens_paren)));
        }
        // Neighbours.
        for d in [-2i32, -1, 1, 2] {
            let j = i as i32 + d;
            if j < 0 || j >= n as i32 {
                f(format!("w[{d}]=<none>"));
                continue;
            }
            let p = &obs[j as usize];
            f(format!("w[{d}]={}", p.word));
            f(format!("class[{d}]={}", p.class));
            if d.abs() == 1 {
                f(format!("shape[{d}]={}", p.shape));
                f(format!("trail[{d}]={}", p.trail));
                f(format!("lead[{d}]={}", p.lead));
            }
        }
        if i > 0 {
            f(format!("w[-1]|w={}|{}", obs[i - 1].word, o.word));
            f(format!("class[-1]|class={}|{}", obs[i - 1].class, o.class));
            f(format!("trail[-1]|shape={}|{}", obs[i - 1].trail, o.shape));
        }
        if i + 1 < n {
            f(format!("w|w[1]={}|{}", o.word, obs[i + 1].word));
            f(format!("class|class[1]={}|{}", o.class, obs[i + 1].class));
        }
        out.push(a);

        // Update state after the token.
        for c in t.text.chars() {
            match c {
                '(' => paren += 1,
                ')' => paren -= 1,
                '[' => bracket += 1,
                ']' => bracket -= 1,
                _ => {}
            }
        }
        paren = paren.max(0);
        bracket = bracket.max(0);
        if opens_quote {
            quote = true;
        }
        let tail = t.text.trim_end_matches([',', '.', ';', ':', ')']);
        if quote && (tail.ends_with(['”', '"', '»', '’']) && (!opens_quote || len > 0 || tail.chars().count() > 1)) && !(opens_quote && tail.chars().count() == 1) {
            quote = false;
            quotes_closed += 1;
        }
        if o.class == "year" {
            years_before += 1;
        }
        if o.trail.contains(':') {
            colons_before += 1;
        }
    }
    out
}
