//! The one table of `ibid-bench run` (issue 8): each measurement with
//! Ibid's figure, a peer's figure where one runs here, their ratio, the
//! target and whether it is met.
//!
//! Every part of the kit returns [`Row`]s; so can any other benchmark. To
//! put figures measured elsewhere (the duplicates run, the desktop window's
//! bench) into the table, write them as JSON — a list of rows, or an object
//! with `"rows"` — and pass the file to `ibid-bench run --extra FILE.json`
//! or `ibid-bench report RESULTS.json --extra FILE.json`. A row whose
//! `measurement` is exactly that of a placeholder ([`placeholders`])
//! replaces it; other rows are added at the end. A row:
//!
//! ```json
//! {"measurement": "duplicates: find all candidates in 100k works", "unit": "ms",
//!  "stat": "one run", "ibid": 3120.0, "target": 5000.0, "note": "ibid-bench duplicates"}
//! ```
//!
//! `unit` is `ms`, `bytes` or `count`; `ibid`, `target` and a peer's
//! `value` are in that unit; `target` is an upper bound ("at most");
//! `peer` is `{"name": "...", "value": ...}`. The ratio printed is peer ÷
//! Ibid: how many times faster (or smaller) Ibid is.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Ms,
    Bytes,
    Count,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Peer {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub measurement: String,
    pub unit: Unit,
    /// Which statistic the figures are: "p95", "median", "best of 3", "one run", "value".
    #[serde(default)]
    pub stat: String,
    /// Ibid's figure; `None`: not measured (yet).
    #[serde(default)]
    pub ibid: Option<f64>,
    #[serde(default)]
    pub peer: Option<Peer>,
    /// At most this, in `unit`.
    #[serde(default)]
    pub target: Option<f64>,
    #[serde(default)]
    pub note: String,
}

impl Row {
    pub fn new(measurement: impl Into<String>, unit: Unit, stat: &str, ibid: Option<f64>) -> Row {
        Row { measurement: measurement.into(), unit, stat: stat.into(), ibid, peer: None, target: None, note: String::new() }
    }

    pub fn ms(measurement: impl Into<String>, stat: &str, ms: f64) -> Row {
        Row::new(measurement, Unit::Ms, stat, Some(ms))
    }

    pub fn target(mut self, at_most: f64) -> Row {
        self.target = Some(at_most);
        self
    }

    pub fn peer(mut self, name: impl Into<String>, value: f64) -> Row {
        self.peer = Some(Peer { name: name.into(), value });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }

    /// Peer ÷ Ibid (how many times faster or smaller Ibid is), when both are measured.
    pub fn ratio(&self) -> Option<f64> {
        let (ibid, peer) = (self.ibid?, self.peer.as_ref()?.value);
        (ibid > 0.0).then(|| peer / ibid)
    }

    /// `Some(true)` met, `Some(false)` missed, `None` no target or not measured.
    pub fn pass(&self) -> Option<bool> {
        Some(self.ibid? <= self.target?)
    }

    fn result(&self) -> &'static str {
        match (self.pass(), self.target, self.ibid) {
            (Some(true), _, _) => "pass",
            (Some(false), _, _) => "**MISS**",
            (None, Some(_), None) => "not measured",
            _ => "info",
        }
    }
}

pub fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Ms => crate::stats::fmt(std::time::Duration::from_secs_f64(v.max(0.0) / 1e3)),
        Unit::Bytes => crate::stats::fmt_bytes(v.max(0.0) as u64),
        Unit::Count => format!("{v}"),
    }
}

/// The Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from("| Measurement | Ibid | Peer | Ratio (peer ÷ Ibid) | Target | Result | Notes |\n");
    out.push_str("|---|---:|---|---:|---|---|---|\n");
    for r in rows {
        let stat = if r.stat.is_empty() || r.stat == "value" { String::new() } else { format!(" ({})", r.stat) };
        let ibid = r.ibid.map_or("—".to_string(), |v| format!("{}{stat}", value(r.unit, v)));
        let peer = r.peer.as_ref().map_or("—".to_string(), |p| format!("{}: {}", p.name, value(r.unit, p.value)));
        let ratio = r.ratio().map_or("—".to_string(), |x| if x >= 10.0 { format!("{x:.0}×") } else { format!("{x:.1}×") });
        let target = r.target.map_or("—".to_string(), |t| format!("≤ {}", value(r.unit, t)));
        out.push_str(&format!(
            "| {} | {ibid} | {peer} | {ratio} | {target} | {} | {} |\n",
            r.measurement.replace('|', "\\|"),
            r.result(),
            r.note.replace('|', "\\|")
        ));
    }
    out
}

pub const DUPLICATES_FIND: &str = "duplicates: find all candidates";
pub const DUPLICATES_MERGE: &str = "duplicates: merge";
pub const DESKTOP_LAUNCH: &str = "desktop: launch to an interactive list";
pub const DESKTOP_KEYSTROKE: &str = "desktop: keystroke to results drawn";
pub const DESKTOP_SCROLL: &str = "desktop: scrolling, longest frame";
pub const DESKTOP_MEMORY: &str = "desktop: the app's memory";

/// The size label: 10k, 100k, 1M.
pub fn label(n: usize) -> String {
    match n {
        _ if n >= 1_000_000 && n.is_multiple_of(1_000_000) => format!("{}M", n / 1_000_000),
        _ if n >= 1_000 && n.is_multiple_of(1_000) => format!("{}k", n / 1_000),
        _ => n.to_string(),
    }
}

/// The rows measured elsewhere, with their targets, until `--extra` fills
/// them. Their `measurement`s are what an extra row must match.
pub fn placeholders(n: usize) -> Vec<Row> {
    // Issue 8: 100k ≤ 5 s, 1M ≤ 60 s; other sizes in proportion to 100k's.
    let dup_target = if n >= 1_000_000 { 60_000.0 * n as f64 / 1e6 } else { 5_000.0 * n as f64 / 1e5 };
    let see_dup = "see `ibid-bench duplicates`";
    let see_desktop = "see the desktop window's bench (ui/bench)";
    vec![
        Row::new(format!("{DUPLICATES_FIND} in {}", label(n)), Unit::Ms, "one run", None).target(dup_target).note(see_dup),
        Row::new(format!("{DUPLICATES_MERGE} in {}", label(n)), Unit::Ms, "", None).note(see_dup),
        Row::new(format!("{DESKTOP_LAUNCH} ({})", label(n)), Unit::Ms, "", None).target(1_500.0).note(see_desktop),
        Row::new(format!("{DESKTOP_KEYSTROKE} ({})", label(n)), Unit::Ms, "p95", None).target(100.0).note(see_desktop),
        Row::new(format!("{DESKTOP_SCROLL} ({})", label(n)), Unit::Ms, "max", None).target(50.0).note(see_desktop),
        Row::new(format!("{DESKTOP_MEMORY} ({})", label(n)), Unit::Bytes, "peak", None).target(400.0 * 1024.0 * 1024.0).note(see_desktop),
    ]
}

/// Rows from a JSON file: a list of rows, or an object with `"rows"`.
pub fn read_rows(text: &str) -> Result<Vec<Row>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let list = match v {
        serde_json::Value::Object(mut o) => o.remove("rows").ok_or("no \"rows\" in the object")?,
        other => other,
    };
    serde_json::from_value(list).map_err(|e| format!("not a list of rows: {e}"))
}

/// Each extra row replaces the row with the same measurement, or is added.
pub fn merge(rows: &mut Vec<Row>, extra: Vec<Row>) {
    for e in extra {
        match rows.iter_mut().find(|r| r.measurement == e.measurement) {
            Some(r) => *r = e,
            None => rows.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_peer_over_ibid() {
        let r = Row::ms("parse", "best of 3", 800.0).peer("bibtexparser", 5_200.0);
        assert_eq!(r.ratio(), Some(6.5));
        assert_eq!(Row::ms("x", "p95", 0.0).peer("y", 1.0).ratio(), None);
        assert_eq!(Row::ms("x", "p95", 2.0).ratio(), None);
        assert!(table(&[r]).contains("| 6.5× |"));
        assert!(table(&[Row::ms("s", "p95", 0.1).peer("LIKE", 25.0)]).contains("| 250× |"));
    }

    #[test]
    fn pass_miss_and_not_measured() {
        let met = Row::ms("a", "p95", 9.0).target(10.0);
        let exact = Row::ms("b", "p95", 10.0).target(10.0);
        let missed = Row::ms("c", "p95", 10.5).target(10.0);
        let none = Row::new("d", Unit::Ms, "", None).target(10.0);
        let info = Row::ms("e", "median", 3.0);
        assert_eq!([met.pass(), exact.pass(), missed.pass(), none.pass(), info.pass()], [Some(true), Some(true), Some(false), None, None]);
        let t = table(&[met, missed, none, info]);
        let results: Vec<&str> = t.lines().skip(2).map(|l| l.split(" | ").nth(5).unwrap()).collect();
        assert_eq!(results, ["pass", "**MISS**", "not measured", "info"]);
        let bytes = Row::new("file", Unit::Bytes, "value", Some(3.0 * 1024.0 * 1024.0 * 1024.0)).target(2e9);
        assert_eq!(bytes.pass(), Some(false));
        assert!(table(&[bytes]).contains("| 3.00 GiB | — | — | ≤ 1.86 GiB | **MISS** |"));
    }

    #[test]
    fn extra_rows_replace_placeholders_or_are_added() {
        let mut rows = placeholders(100_000);
        let n = rows.len();
        assert!(rows.iter().all(|r| r.pass().is_none()));
        assert_eq!(rows[0].target, Some(5_000.0));
        assert_eq!(placeholders(1_000_000)[0].target, Some(60_000.0));
        let extra = r#"{"rows": [
            {"measurement": "duplicates: find all candidates in 100k", "unit": "ms", "stat": "one run", "ibid": 3100.0, "target": 5000.0},
            {"measurement": "desktop: something new", "unit": "ms", "ibid": 12.0}
        ]}"#;
        merge(&mut rows, read_rows(extra).unwrap());
        assert_eq!(rows.len(), n + 1);
        assert_eq!((rows[0].ibid, rows[0].pass()), (Some(3100.0), Some(true)));
        assert_eq!(rows[n].measurement, "desktop: something new");
        // A bare list works too, and rows round-trip through JSON.
        let again = read_rows(&serde_json::to_string(&rows).unwrap()).unwrap();
        assert_eq!(again, rows);
    }
}
