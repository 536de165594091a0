//! Percentiles and how figures are printed (the table: report.rs).

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
