//! `ibid-bench resolve`: a batch of DOIs against a local Crossref stand-in
//! that adds latency and enforces a rate limit, the way api.crossref.org
//! states one (`X-Rate-Limit-Limit` / `X-Rate-Limit-Interval`).
//!
//! The server counts, over a sliding one-second window of arrivals, every
//! request beyond the limit (answering it 429 with `Retry-After: 1`), so
//! the run proves both numbers the issue asks for: the batch's time
//! against the floor (`n / rate` seconds) and that no request went over.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use ibid_resolve::{add, Config, Found, Identifier, Outcome, Resolvers};

pub struct Options {
    pub dois: usize,
    pub latency: Duration,
    pub rate: usize,
}

struct Limits {
    rate: usize,
    latency: Duration,
    arrivals: Mutex<VecDeque<Instant>>,
    over: Mutex<u64>,
    served: Mutex<u64>,
    max_in_window: Mutex<usize>,
}

/// A Crossref-shaped journal article for `10.5555/bench.<n>`.
fn body(doi: &str) -> String {
    let n = doi.rsplit('.').next().unwrap_or("0");
    serde_json::json!({
        "status": "ok", "message-type": "work", "message-version": "1.0.0",
        "message": {
            "DOI": doi, "type": "journal-article", "title": [format!("Benchmark article {n} on rate limits")],
            "author": [{"given": "Ada", "family": format!("Author{n}"), "sequence": "first"}],
            "container-title": ["Journal of Benchmarks"], "ISSN": ["0000-0019"],
            "issn-type": [{"type": "print", "value": "0000-0019"}],
            "volume": "12", "issue": "3", "page": "1-10", "publisher": "Bench Press",
            "published-print": {"date-parts": [[2021, 5]]}, "issued": {"date-parts": [[2021, 5]]},
            "reference-count": 1,
            "reference": [{"key": "r1", "DOI": "10.5555/bench.cited", "unstructured": "A cited work. 2019."}]
        }
    })
    .to_string()
}

async fn works(State(l): State<Arc<Limits>>, Path(doi): Path<String>) -> impl IntoResponse {
    let now = Instant::now();
    let admitted = {
        let mut a = l.arrivals.lock().unwrap();
        while a.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            a.pop_front();
        }
        a.push_back(now);
        let mut m = l.max_in_window.lock().unwrap();
        *m = (*m).max(a.len());
        a.len() <= l.rate
    };
    let mut h = HeaderMap::new();
    h.insert("x-rate-limit-limit", HeaderValue::from(l.rate as u64));
    h.insert("x-rate-limit-interval", HeaderValue::from_static("1s"));
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if !admitted {
        *l.over.lock().unwrap() += 1;
        h.insert("retry-after", HeaderValue::from_static("1"));
        return (StatusCode::TOO_MANY_REQUESTS, h, String::from("rate limit exceeded"));
    }
    tokio::time::sleep(l.latency).await;
    *l.served.lock().unwrap() += 1;
    (StatusCode::OK, h, body(&doi.to_lowercase()))
}

pub fn run(o: &Options) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let limits = Arc::new(Limits {
            rate: o.rate,
            latency: o.latency,
            arrivals: Mutex::new(VecDeque::new()),
            over: Mutex::new(0),
            served: Mutex::new(0),
            max_in_window: Mutex::new(0),
        });
        let app = axum::Router::new().route("/works/{*doi}", get(works)).with_state(limits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        tokio::spawn(async move { axum::serve(listener, app).await });

        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let lib = ibid_core::Library::open(dir.path().join("bench.sqlite")).map_err(|e| e.to_string())?;
        let lib = Mutex::new(lib);
        let cfg = Config::from_sources(&[], |k| match k {
            "IBID_MAILTO" => Some("bench@example.org".to_string()),
            k if k.starts_with("IBID_") && k.ends_with("_URL") => Some(base.clone()),
            _ => None,
        });
        let resolvers = Resolvers::new(cfg);
        let found: Vec<Found> = (0..o.dois)
            .map(|i| {
                let d = format!("10.5555/bench.{i}");
                Found { input: d.clone(), id: Identifier::Doi(d) }
            })
            .collect();
        let start = Instant::now();
        let results = add::add_all(&lib, &resolvers, found, &|_| {}).await;
        let elapsed = start.elapsed();
        let added = results.iter().filter(|r| matches!(r.outcome, Outcome::Added { .. })).count();
        let failed: Vec<String> =
            results.iter().filter_map(|r| if let Outcome::Failed(e) = &r.outcome { Some(format!("{}: {e}", r.input)) } else { None }).collect();
        let floor = o.dois as f64 / o.rate as f64;
        let ratio = elapsed.as_secs_f64() / floor;
        let over = *limits.over.lock().unwrap();
        let peak = *limits.max_in_window.lock().unwrap();
        println!("| DOIs | latency | limit | wall time | floor | ratio | peak requests in any 1 s | over the limit (429) | added | failed |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} ms | {}/s | {:.2} s | {:.1} s | {:.3}× | {} | {} | {} | {} |",
            o.dois,
            o.latency.as_millis(),
            o.rate,
            elapsed.as_secs_f64(),
            floor,
            ratio,
            peak,
            over,
            added,
            failed.len()
        );
        for f in failed.iter().take(5) {
            eprintln!("failed: {f}");
        }
        if over > 0 || ratio > 1.2 || added != o.dois {
            return Err(format!("target missed: ratio {ratio:.3} (≤ 1.2), over the limit {over} (0), added {added}/{}", o.dois));
        }
        Ok(())
    })
}
