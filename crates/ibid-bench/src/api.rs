//! `ibid-bench api`: the local API's search latency, over real HTTP on
//! 127.0.0.1, as an editor plugin sees it (`GET /api/search?q=…&limit=50`,
//! one keep-alive connection), on an existing library (e.g. the 100k and 1M
//! libraries `ibid-bench run` leaves in target/bench). The queries are
//! `run::queries`: typical searches, a DOI, and a title typed keystroke by
//! keystroke. The server runs in this process with `ibid serve`'s code; its
//! request budget is raised so that the bench measures latency, not the
//! rate limit.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::stats::fmt;

pub struct Options {
    pub library: PathBuf,
    pub reps: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(o: &Options) -> Result<(), String> {
    let api = Arc::new(ibid_api::Api::open(&o.library).map_err(|e| e.message)?);
    let works = api.library_info().map_err(|e| e.message)?.count;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| e.to_string())?;
    let listener = rt.block_on(ibid_server::bind_loopback(0)).map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let opts = ibid_server::ServeOptions { max_requests_per_second: 1_000_000, ..Default::default() };
    rt.spawn(ibid_server::serve(api, listener, opts));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().into();
    let base = format!("http://127.0.0.1:{port}");
    println!("library {} ({works} works), {} requests per query after one warm-up", o.library.display(), o.reps);
    println!();
    println!("| query | hits | p50 | p95 |");
    println!("|---|---|---|---|");
    let mut all = Vec::new();
    for q in crate::run::queries(works as usize) {
        let url = format!("{base}/api/search?q={}&limit=50", ibid_resolve::source::encode_query(&q));
        let get = || -> Result<usize, String> {
            let mut res = agent.get(&url).call().map_err(|e| e.to_string())?;
            if res.status() != 200 {
                return Err(format!("{url}: {}", res.status()));
            }
            let rows: serde_json::Value = res.body_mut().read_json().map_err(|e| e.to_string())?;
            Ok(rows.as_array().map_or(0, Vec::len))
        };
        let hits = get()?;
        let mut times = Vec::with_capacity(o.reps);
        for _ in 0..o.reps {
            let t = Instant::now();
            get()?;
            times.push(t.elapsed());
        }
        times.sort();
        println!("| `{q}` | {hits} | {} | {} |", fmt(percentile(&times, 0.5)), fmt(percentile(&times, 0.95)));
        all.extend(times);
    }
    all.sort();
    println!("| **all queries** | | **{}** | **{}** |", fmt(percentile(&all, 0.5)), fmt(percentile(&all, 0.95)));
    Ok(())
}
