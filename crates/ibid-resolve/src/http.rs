//! HTTP for every service: one client, and per service a rate limiter that
//! follows what the service says (`X-Rate-Limit-Limit` /
//! `X-Rate-Limit-Interval`, a 429's `Retry-After`), bounded concurrency,
//! and retries with exponential backoff and full jitter on 5xx and timeouts.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ibid_core::store::CachedResponse;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::error::ResolveError;

/// Largest body read (a monograph's Crossref record with 2,000 references is ~2 MB).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A response as it came (2xx or 304).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub service: &'static str,
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: String,
    pub fetched_at: i64,
}

impl Fetched {
    /// As the library keeps it; `primary`: the work's own record.
    pub fn to_cached(&self, primary: bool) -> CachedResponse {
        CachedResponse {
            source: self.service.to_string(),
            url: self.url.clone(),
            status: self.status,
            content_type: self.content_type.clone(),
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
            body: self.body.as_bytes().to_vec(),
            fetched_at: self.fetched_at,
            primary,
        }
    }
}

/// Validators from an earlier response, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How many requests a service allows per interval, and a pause it asked for.
struct Window {
    limit: usize,
    interval: Duration,
    starts: VecDeque<Instant>,
    paused_until: Option<Instant>,
    /// Requests sent, and the most sent within any one interval (for benchmarks).
    sent: u64,
}

/// One service: its name, rate window and in-flight bound.
pub struct Service {
    pub name: &'static str,
    window: Mutex<Window>,
    in_flight: Semaphore,
}

impl Service {
    pub fn new(name: &'static str, cfg: &Config) -> Service {
        let (limit, interval) = initial_window(name, cfg);
        Service {
            name,
            window: Mutex::new(Window {
                limit,
                interval,
                starts: VecDeque::new(),
                paused_until: None,
                sent: 0,
            }),
            in_flight: Semaphore::new(cfg.max_in_flight.max(1)),
        }
    }

    /// The limit in force: (requests, per interval).
    pub fn limit(&self) -> (usize, Duration) {
        let w = self.window.lock().expect("window lock");
        (w.limit, w.interval)
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u64 {
        self.window.lock().expect("window lock").sent
    }

    /// Waits until one more request fits the window: no more than `limit`
    /// request starts within any `interval` (a sliding log, with a small
    /// margin for the way to the server), and not before a requested pause.
    async fn admit(&self) {
        loop {
            let wait = {
                let mut w = self.window.lock().expect("window lock");
                let now = Instant::now();
                // The margin covers the way to the server: a request admitted
                // in a burst still opens its connection, and on a loaded
                // machine that took more than the 25 ms this margin once was
                // (a CI run saw 11 requests reach the server within 1 s).
                let span = w.interval + w.interval / 20 + Duration::from_millis(50);
                while w.starts.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    w.starts.pop_front();
                }
                match w.paused_until {
                    Some(t) if t > now => t - now,
                    _ if w.starts.len() < w.limit => {
                        w.starts.push_back(now);
                        w.sent += 1;
                        return;
                    }
                    _ => {
                        let oldest = w.starts[w.starts.len() - w.limit];
                        (oldest + span).saturating_duration_since(now).max(Duration::from_millis(1))
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Adopts the limit a response states (`X-Rate-Limit-Limit: 50`,
    /// `X-Rate-Limit-Interval: 1s`).
    fn learn(&self, headers: &reqwest::header::HeaderMap) {
        let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
        let limit = get("x-rate-limit-limit").and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0);
        let interval = get("x-rate-limit-interval").and_then(parse_interval);
        if limit.is_none() && interval.is_none() {
            return;
        }
        let mut w = self.window.lock().expect("window lock");
        if let Some(l) = limit {
            w.limit = l;
        }
        if let Some(i) = interval {
            w.interval = i;
        }
    }

    fn pause(&self, d: Duration) {
        let mut w = self.window.lock().expect("window lock");
        let until = Instant::now() + d;
        if w.paused_until.is_none_or(|t| t < until) {
            w.paused_until = Some(until);
        }
    }
}

/// The window a service gets before it states one: what each asks of
/// clients without a key (arXiv: one request every 3 s; NCBI E-utilities:
/// 3 per second; Open Library: about one per second), else `default_rate`/s.
fn initial_window(name: &str, cfg: &Config) -> (usize, Duration) {
    match name {
        "arxiv" => (1, Duration::from_secs(3)),
        "pubmed" => (3, Duration::from_secs(1)),
        "openlibrary" => (1, Duration::from_secs(1)),
        _ => (cfg.default_rate.max(1) as usize, Duration::from_secs(1)),
    }
}

/// `1s`, `1000ms`, `60` (seconds), `1m`.
fn parse_interval(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit() && c != '.').map(|i| s.split_at(i)).unwrap_or((s, "s"));
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    (secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The HTTP client every resolver shares.
pub struct Http {
    client: reqwest::Client,
    pub cfg: Config,
}

/// What the caller wants to happen on a 404.
pub enum On404 {
    /// `NotFound` naming this identifier.
    NotFound(String),
}

impl Http {
    pub fn new(cfg: Config) -> Http {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .expect("the HTTP client builds (TLS roots available)");
        Http { client, cfg }
    }

    /// GET `url` from `svc`, politely: waits for the rate window, retries
    /// 5xx, timeouts and 429 (after its Retry-After) up to `cfg.tries`
    /// times. 2xx and 304 are returned; 404 is `NotFound`.
    pub async fn get(
        &self,
        svc: &Service,
        url: &str,
        accept: &str,
        id_for_404: &str,
        conditional: Option<&Validators>,
    ) -> Result<Fetched, ResolveError> {
        let tries = self.cfg.tries.max(1);
        let mut last = String::new();
        for attempt in 1..=tries {
            let _permit = svc.in_flight.acquire().await.expect("semaphore never closed");
            svc.admit().await;
            let mut req = self.client.get(url).header(reqwest::header::ACCEPT, accept);
            if let Some(v) = conditional {
                if let Some(e) = &v.etag {
                    req = req.header(reqwest::header::IF_NONE_MATCH, e);
                }
                if let Some(m) = &v.last_modified {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
                }
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if e.is_redirect() => return Err(ResolveError::RedirectLoop { service: svc.name, url: url.to_string() }),
                Err(e) if e.is_timeout() => {
                    last = format!("timed out after {} s", self.cfg.timeout.as_secs_f32());
                    drop(_permit);
                    self.backoff(attempt).await;
                    continue;
                }
                Err(e) if e.is_connect() => {
                    last = format!("cannot connect: {}", root_cause(&e));
                    if attempt >= 2 {
                        return Err(ResolveError::Network { service: svc.name, url: url.to_string(), detail: root_cause(&e) });
                    }
                    drop(_permit);
                    self.backoff(attempt).await;
                    continue;
                }
                Err(e) => {
                    last = root_cause(&e);
                    drop(_permit);
                    self.backoff(attempt).await;
                    continue;
                }
            };
            svc.learn(resp.headers());
            let status = resp.status().as_u16();
            let header = |k: reqwest::header::HeaderName| resp.headers().get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
            match status {
                200..=299 | 304 => {
                    let content_type = header(reqwest::header::CONTENT_TYPE);
                    let etag = header(reqwest::header::ETAG);
                    let last_modified = header(reqwest::header::LAST_MODIFIED);
                    let final_url = resp.url().to_string();
                    let body = match read_body(resp).await {
                        Ok(b) => b,
                        Err(e) if e.is_timeout() => {
                            last = "timed out reading the body".into();
                            drop(_permit);
                            self.backoff(attempt).await;
                            continue;
                        }
                        Err(e) => {
                            return Err(ResolveError::Malformed {
                                service: svc.name,
                                url: url.to_string(),
                                detail: format!("the body could not be read: {}", e.detail()),
                            })
                        }
                    };
                    return Ok(Fetched {
                        service: svc.name,
                        url: final_url,
                        status,
                        content_type,
                        etag,
                        last_modified,
                        body,
                        fetched_at: now_ms(),
                    });
                }
                404 | 410 => return Err(ResolveError::NotFound { service: svc.name, id: id_for_404.to_string() }),
                429 => {
                    let ra = header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
                    let wait = ra.unwrap_or_else(|| self.backoff_step(attempt));
                    if attempt == tries || wait > Duration::from_secs(120) {
                        return Err(ResolveError::RateLimited { service: svc.name, retry_after: ra });
                    }
                    last = "429 Too Many Requests".into();
                    svc.pause(wait);
                    drop(_permit);
                    continue;
                }
                500..=599 => {
                    last = format!("{status} {}", reason(status));
                    drop(_permit);
                    self.backoff(attempt).await;
                    continue;
                }
                _ => {
                    let text = read_body(resp).await.unwrap_or_default();
                    return Err(ResolveError::Http {
                        service: svc.name,
                        url: url.to_string(),
                        status,
                        detail: snippet(&text),
                    });
                }
            }
        }
        Err(ResolveError::Unavailable { service: svc.name, tries, last })
    }

    fn backoff_step(&self, attempt: u32) -> Duration {
        let cap = self.cfg.backoff.saturating_mul(1 << attempt.min(6));
        // Full jitter: anywhere in [0, cap], at least 10 ms.
        let ms = cap.as_millis() as u64;
        Duration::from_millis(fastrand::u64(10.min(ms)..=ms.max(10)))
    }

    async fn backoff(&self, attempt: u32) {
        if attempt < self.cfg.tries {
            tokio::time::sleep(self.backoff_step(attempt)).await;
        }
    }
}

enum BodyError {
    Timeout,
    Other(String),
}

impl BodyError {
    fn is_timeout(&self) -> bool {
        matches!(self, BodyError::Timeout)
    }
    fn detail(&self) -> String {
        match self {
            BodyError::Timeout => "timed out".into(),
            BodyError::Other(s) => s.clone(),
        }
    }
}

async fn read_body(mut resp: reqwest::Response) -> Result<String, BodyError> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if buf.len() + c.len() > MAX_BODY {
                    return Err(BodyError::Other(format!("larger than {} MiB", MAX_BODY / 1024 / 1024)));
                }
                buf.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(BodyError::Timeout),
            Err(e) => return Err(BodyError::Other(root_cause(&e))),
        }
    }
    String::from_utf8(buf).map_err(|_| BodyError::Other("not UTF-8".into()))
}

impl Default for BodyError {
    fn default() -> Self {
        BodyError::Other(String::new())
    }
}

impl From<BodyError> for String {
    fn from(e: BodyError) -> String {
        e.detail()
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

/// The first 200 characters of a body, on one line.
pub fn snippet(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_retry_after() {
        assert_eq!(parse_interval("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_interval("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_interval("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_interval("x"), None);
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[tokio::test]
    async fn the_window_never_admits_more_than_the_limit() {
        let cfg = Config { default_rate: 10, ..Config::default() };
        let svc = Service::new("test", &cfg);
        {
            let mut w = svc.window.lock().unwrap();
            w.interval = Duration::from_millis(100);
        }
        let mut at = Vec::new();
        for _ in 0..35 {
            svc.admit().await;
            at.push(Instant::now());
        }
        for i in 10..at.len() {
            assert!(at[i].duration_since(at[i - 10]) >= Duration::from_millis(100), "request {i} came too early");
        }
    }
}
