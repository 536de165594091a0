//! Personal names as notes print them: "Zhihua Shen", "Warren I. Cohen",
//! "Xue Litai" (family name first), and lists of them ("A, B, and C").

use ibid_core::Creator;

/// Common pinyin (and Wade–Giles) family names. A two-part name whose first
/// part is one of these and whose second is not is written family name first
/// ("Chen Jian", "Xue Litai", "Mao Tse-tung"); otherwise given name first
/// ("Zhihua Shen", "Yafeng Xia").
const CHINESE_FAMILY: &[&str] = &[
    "bai", "cai", "cao", "chang", "chen", "cheng", "chiang", "chou", "cui", "deng", "ding", "dong", "du", "duan", "fan",
    "fang", "feng", "gao", "gong", "gu", "guo", "han", "hao", "he", "hong", "hou", "hu", "hua", "huang", "jia", "jiang",
    "jin", "kang", "kong", "lai", "lei", "li", "liang", "liao", "lin", "liu", "long", "lu", "luo", "ma", "mao", "meng",
    "mo", "niu", "ou", "pan", "peng", "qi", "qian", "qin", "qiu", "ren", "shao", "shen", "shi", "song", "su", "sun",
    "tan", "tang", "tao", "tian", "wan", "wang", "wei", "wen", "wu", "xia", "xiao", "xie", "xiong", "xu", "xue", "yan",
    "yang", "yao", "ye", "yin", "yu", "yuan", "zeng", "zhang", "zhao", "zheng", "zhong", "zhou", "zhu", "zou", "zuo",
];

/// Lower-case words that are part of a family name ("van Gogh", "de Gaulle").
const PARTICLES: &[&str] = &["van", "von", "de", "der", "den", "du", "da", "di", "del", "della", "le", "la", "ter", "al", "bin", "ibn"];

/// Capitalised words that do not occur in names but start titles and phrases.
const NOT_NAMES: &[&str] = &[
    "The", "A", "An", "And", "On", "Of", "In", "To", "For", "From", "With", "By", "At", "As", "See", "Ibid", "This", "That",
    "These", "Those", "It", "He", "She", "They", "We", "Our", "His", "Her", "Their", "According", "After", "Although",
    "Before", "During", "When", "While", "If", "But", "Selected", "Collected", "Works", "Papers", "Documents", "History",
    "China", "Chinese", "Soviet", "Union", "Communist", "Party", "Press", "University", "Journal", "Review", "War", "Cold",
    "New", "Notes", "Report", "Working", "Paper", "Project", "International", "Symposium", "Response", "Some", "Why",
    "How", "What", "Who", "Is", "Was", "Were", "Are", "Not", "No", "Vol", "Ed", "Eds", "Tr", "Trans",
];

fn is_name_word(w: &str) -> bool {
    let core = w.trim_end_matches('.');
    if core.is_empty() {
        return false;
    }
    if PARTICLES.contains(&core) {
        return true;
    }
    let first = core.chars().next().unwrap_or(' ');
    if !first.is_uppercase() {
        return false;
    }
    if NOT_NAMES.contains(&core) {
        return false;
    }
    // Letters, hyphens, apostrophes; an initial is one letter with a period.
    let letters_ok = core.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’');
    if !letters_ok {
        return false;
    }
    if w.ends_with('.') {
        return core.chars().count() <= 2; // "I.", "M.", "Wm."? only initials
    }
    // A word in capitals longer than 3 letters is an acronym, not a name.
    !(core.chars().count() > 3 && core.chars().all(|c| c.is_uppercase()))
}

/// A full personal name ("Warren I. Cohen", "Xue Litai"): 2–4 words, each a
/// name word, at least one of them a full word (not an initial).
pub fn parse_full_name(s: &str, role: &str) -> Option<Creator> {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() < 2 || words.len() > 4 || !words.iter().all(|w| is_name_word(w)) {
        return None;
    }
    let last = words.last()?;
    if last.ends_with('.') || PARTICLES.contains(last) {
        return None;
    }
    if PARTICLES.contains(&words[0]) {
        return None;
    }
    let mut c = Creator { role: role.to_string(), ..Creator::default() };
    let lower = |w: &str| w.to_lowercase();
    if words.len() == 2 && !words[1].contains('.') {
        let first_is_family = CHINESE_FAMILY.contains(&lower(words[0]).as_str());
        let second_is_family = CHINESE_FAMILY.contains(&lower(words[1].split('-').next().unwrap_or("")).as_str())
            && !words[1].contains('-');
        if first_is_family && !second_is_family {
            c.family = Some(words[0].to_string());
            c.given = Some(words[1].to_string());
            return Some(c);
        }
    }
    // Given names, then particles, then the family name.
    let mut split = words.len() - 1;
    while split > 1 && PARTICLES.contains(&words[split - 1]) {
        split -= 1;
    }
    c.given = Some(words[..split].join(" "));
    let particles = &words[split..words.len() - 1];
    if !particles.is_empty() {
        c.non_dropping_particle = Some(particles.join(" "));
    }
    c.family = Some(last.to_string());
    Some(c)
}

/// A name another reader split given-name-first ("Litai" family, "Xue"
/// given) that the pinyin rule of [`parse_full_name`] reads family name
/// first: swapped ("Xue" family, "Litai" given).
pub fn reorder_family_first(c: &mut Creator) {
    let (Some(given), Some(family)) = (c.given.as_deref(), c.family.as_deref()) else { return };
    if given.contains(char::is_whitespace) || family.contains(char::is_whitespace) || given.ends_with('.') {
        return;
    }
    let lower = |w: &str| w.to_lowercase();
    let given_is_family = CHINESE_FAMILY.contains(&lower(given).as_str());
    let family_is_family = CHINESE_FAMILY.contains(&lower(family.split('-').next().unwrap_or("")).as_str()) && !family.contains('-');
    if given_is_family && !family_is_family {
        std::mem::swap(&mut c.given, &mut c.family);
    }
}

/// A family name alone as short forms print it ("Heinzig", "van Gogh").
pub fn is_family_only(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [w] => is_name_word(w) && !w.ends_with('.'),
        [p, w] => PARTICLES.contains(p) && is_name_word(w) && !w.ends_with('.'),
        _ => false,
    }
}

/// Reads a name list "A, B, and C" / "A and B" from the start of `s` while
/// `accept` takes each part: the parts with the offset just after each. The
/// list ends at the first part `accept` refuses, or after the part that
/// follows "and". `None` when no part is taken.
pub fn leading_list<'a>(s: &'a str, accept: &dyn Fn(&str) -> bool) -> Option<Vec<(&'a str, usize)>> {
    let mut parts = Vec::new();
    let mut pos = 0;
    loop {
        let rest = &s[pos..];
        let (rest, skip, last) = match rest.strip_prefix("and ") {
            Some(r) => (r, 4, true),
            None => (rest, 0, false),
        };
        // The part runs to the next ", ", " and " or " (".
        let end = [rest.find(", "), rest.find(" and "), rest.find(" (")].into_iter().flatten().min().unwrap_or(rest.len());
        let part = rest[..end].trim();
        if !accept(part) {
            break;
        }
        pos += skip + end;
        parts.push((part, pos));
        if last {
            break;
        }
        let after = &s[pos..];
        if after.starts_with(", and ") {
            pos += 2;
        } else if after.starts_with(" and ") {
            pos += 1;
        } else if after.starts_with(", ") {
            pos += 2;
        } else {
            break;
        }
    }
    (!parts.is_empty()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(c: &Creator) -> (&str, &str) {
        (c.family.as_deref().unwrap_or(""), c.given.as_deref().unwrap_or(""))
    }

    #[test]
    fn western_and_chinese_order() {
        assert_eq!(fam(&parse_full_name("Zhihua Shen", "author").unwrap()), ("Shen", "Zhihua"));
        assert_eq!(fam(&parse_full_name("Xue Litai", "author").unwrap()), ("Xue", "Litai"));
        assert_eq!(fam(&parse_full_name("Chen Jian", "author").unwrap()), ("Chen", "Jian"));
        assert_eq!(fam(&parse_full_name("Warren I. Cohen", "author").unwrap()), ("Cohen", "Warren I."));
        assert_eq!(fam(&parse_full_name("Mao Tse-tung", "author").unwrap()), ("Mao", "Tse-tung"));
        assert!(parse_full_name("The Soviet Union", "author").is_none());
        assert!(parse_full_name("Mao", "author").is_none());
        assert!(parse_full_name("Nanjing zhaji", "author").is_none());
    }

    #[test]
    fn lists_end_after_and() {
        let full = |p: &str| parse_full_name(p, "author").is_some();
        let s = "Sergei Goncharov, John Lewis, and Xue Litai, Uncertain Partners";
        let parts = leading_list(s, &full).unwrap();
        assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), ["Sergei Goncharov", "John Lewis", "Xue Litai"]);
        assert_eq!(&s[parts[2].1..], ", Uncertain Partners");
        let s = "Zhihua Shen, Mao, Stalin and the Korean War";
        let parts = leading_list(s, &full).unwrap();
        assert_eq!((parts.len(), &s[parts[0].1..]), (1, ", Mao, Stalin and the Korean War"));
        let s = "Shen and Xia, Mao and the Sino-Soviet Partnership, pp. 16–20";
        let parts = leading_list(s, &|p: &str| is_family_only(p)).unwrap();
        assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), ["Shen", "Xia"]);
        assert_eq!(&s[parts[1].1..], ", Mao and the Sino-Soviet Partnership, pp. 16–20");
    }
}
