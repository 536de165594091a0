//! Percentiles and the result table.

use std::time::Duration;

/// Nearest-rank percentiles of a set of timings.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub runs: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        let mut s = samples.to_vec();
        s.sort();
        let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
        Stats { runs: s.len(), p50: rank(0.50), p95: rank(0.95), max: s[s.len() - 1] }
    }
}

/// What a row is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Informational only.
    None,
    /// The single (or median) time must be at most this.
    Median(Duration),
    /// The 95th percentile must be at most this.
    P95(Duration),
    /// The value must be true (e.g. "every item imported").
    Holds(bool),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub stats: Option<Stats>,
    /// Hits, items or another count shown in its own column.
    pub count: Option<String>,
    /// A value that is not a timing (a size, a memory figure).
    pub value: Option<String>,
    pub target: Target,
}

impl Row {
    pub fn timing(what: impl Into<String>, stats: Stats, count: Option<usize>, target: Target) -> Row {
        Row { what: what.into(), stats: Some(stats), count: count.map(|c| c.to_string()), value: None, target }
    }

    pub fn info(what: impl Into<String>, value: impl Into<String>) -> Row {
        Row { what: what.into(), stats: None, count: None, value: Some(value.into()), target: Target::None }
    }

    pub fn pass(&self) -> Option<bool> {
        match (self.target, self.stats) {
            (Target::Median(t), Some(s)) => Some(s.p50 <= t),
            (Target::P95(t), Some(s)) => Some(s.p95 <= t),
            (Target::Holds(b), _) => Some(b),
            _ => None,
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::None => "—".into(),
            Target::Median(t) if self.stats.is_some_and(|s| s.runs == 1) => format!("≤ {}", fmt(t)),
            Target::Median(t) => format!("median ≤ {}", fmt(t)),
            Target::P95(t) => format!("p95 ≤ {}", fmt(t)),
            Target::Holds(_) => "all".into(),
        }
    }
}

/// A duration for people: seconds above 1 s, else milliseconds with
/// enough decimals to see sub-millisecond times.
pub fn fmt(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1e3)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

pub fn fmt_bytes(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64)
    } else if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

/// The Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from("| Measurement | Runs | Hits | Median | p95 | Max | Target | Result |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---|---|\n");
    for r in rows {
        let (runs, p50, p95, max) = match (&r.stats, &r.value) {
            (Some(s), _) if s.runs == 1 => ("1".to_string(), fmt(s.p50), "—".into(), "—".into()),
            (Some(s), _) => (s.runs.to_string(), fmt(s.p50), fmt(s.p95), fmt(s.max)),
            (None, Some(v)) => ("—".into(), v.clone(), "—".into(), "—".into()),
            (None, None) => ("—".into(), "—".into(), "—".into(), "—".into()),
        };
        let result = match r.pass() {
            Some(true) => "pass",
            Some(false) => "**FAIL**",
            None => "info",
        };
        out.push_str(&format!(
            "| {} | {runs} | {} | {p50} | {p95} | {max} | {} | {result} |\n",
            r.what,
            r.count.as_deref().unwrap_or("—"),
            r.target_text()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let ms: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        let s = Stats::of(&ms);
        assert_eq!(s.p50, Duration::from_millis(10));
        assert_eq!(s.p95, Duration::from_millis(19));
        assert_eq!(s.max, Duration::from_millis(20));
        let one = Stats::of(&[Duration::from_millis(7)]);
        assert_eq!((one.p50, one.p95, one.max), (Duration::from_millis(7), Duration::from_millis(7), Duration::from_millis(7)));
    }
}
