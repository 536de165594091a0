//! `ibid serve`: the commands of [`ibid_api::Api`] over loopback HTTP, and
//! the web UI's static files, so the UI runs in a plain browser exactly as it
//! does in the desktop window.
//!
//! - `POST /api/cmd/{name}`: the body is the command's JSON arguments (empty
//!   means `{}`); the answer is the JSON result (200) or the [`ApiError`]
//!   `{code, message}` with [`ApiError::http_status`].
//! - `GET /api/health`: `{"ok": true}`.
//! - `POST /api/items`: `{"ids": […]}` or `{"text": "…"}`: looks the
//!   identifiers up and adds the works (the token is needed), answering
//!   with the job's results when it is done and the auto-exports are written.
//! - For editors and scripts (read only; README has a curl example of each):
//!   `GET /api/search?q=…[&limit=N]` (rows, best match first),
//!   `GET /api/items/{key}` (the work as CSL-JSON; a key or a DOI),
//!   `GET /api/cite?keys=K1,K2[&style=S][&format=text|html|markdown|rtf|pandoc|latex|typst][&locale=L]`
//!   (`{"text"}`: one citation of the works), and
//!   `GET /api/bibliography?[keys=…|collection=…|tag=…|search=…|cited-by=KEY][&format=…][&style=S][&locale=L]`
//!   (`{"text", "count", "shown"}`: the scope exported as `ibid export` does;
//!   the whole library when no scope is given). Each is a thin translation
//!   into the command of the same meaning.
//! - `GET /…`: the files of [`ServeOptions::ui_dir`], when set.
//!
//! The library is the user's: a web page open in their browser must not read
//! or change it. So the server listens on loopback only, refuses any request
//! whose `Origin` is not its own (cross-site requests) or whose `Host` is not
//! a loopback name with its port (DNS rebinding), never sends CORS headers,
//! and answers only GET and POST.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use ibid_api::{Api, ApiError};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

/// `ibid serve`'s port when none is given.
pub const DEFAULT_PORT: u16 = 4719;

/// The largest request body accepted by default: an import carries a whole
/// file in its body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;

/// The Content-Security-Policy sent with every response: the UI loads only
/// its own scripts, styles and images and talks only to this server.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The web UI's built files, served at `/` (`index.html` for a folder).
    /// `None`: the API only.
    pub ui_dir: Option<PathBuf>,
    /// Larger request bodies get 413.
    pub max_body_bytes: usize,
    /// What a request that changes the library must carry (every command
    /// but [`ibid_api::READ_COMMANDS`]): `Authorization: Bearer TOKEN`, or the
    /// cookie this server sets on its own pages (`HttpOnly`,
    /// `SameSite=Strict`: the web UI it serves writes, other sites' pages
    /// cannot). `ibid serve` keeps it in a file only its owner can read
    /// ([`load_or_create_token`]).
    pub token: String,
    /// Requests to `/api/` per second, on average; bursts of twice as many
    /// pass. More get 429 with `Retry-After`: a runaway script (or page)
    /// cannot keep the library busy.
    pub max_requests_per_second: u32,
    /// How long `/better-bibtex/cayw` waits for an open Ibid window (or
    /// page) to take the pick before answering 503 `no_picker`.
    pub pick_claim_timeout: std::time::Duration,
    /// How long it then waits for the writer to pick (504 `timeout` after).
    pub pick_answer_timeout: std::time::Duration,
}

/// The defaults of [`ServeOptions::pick_claim_timeout`] and
/// [`ServeOptions::pick_answer_timeout`]: a window raised from the tray
/// answers in well under 10 s; a writer may take minutes to choose.
pub const DEFAULT_PICK_CLAIM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
pub const DEFAULT_PICK_ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The default of [`ServeOptions::max_requests_per_second`]: far above what
/// the web UI asks while scrolling a large library.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND: u32 = 500;

/// A new random token: 32 bytes from the operating system, in hex.
pub fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(format!("no random bytes: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Where the token is kept unless said otherwise (`--token-file`,
/// `$IBID_TOKEN_FILE`): the platform config folder, e.g.
/// `~/.config/ibid/api-token`. `None` without a home folder.
pub fn default_token_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ibid").map(|d| d.config_dir().join("api-token"))
}

/// The token kept in `path`, made (with owner-only permissions, 0600) when
/// the file does not exist. A token file others may read is refused: anyone
/// who can read it can change the library.
pub fn load_or_create_token(path: &std::path::Path) -> io::Result<String> {
    use std::io::Write;
    match std::fs::read_to_string(path) {
        Ok(t) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!("{} can be read by others (mode {:o}): chmod 600 it, or delete it for a new token", path.display(), mode & 0o777),
                    ));
                }
            }
            let t = t.trim().to_string();
            if t.len() < 32 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{}: too short to be a token", path.display())));
            }
            Ok(t)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let token = new_token()?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(path)?;
            f.write_all(format!("{token}\n").as_bytes())?;
            f.sync_all()?;
            Ok(token)
        }
        Err(e) => Err(e),
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        // A fresh random token (no file): embedders and tests read it here.
        // Without random bytes it is empty, and then no write is allowed.
        let token = new_token().unwrap_or_default();
        ServeOptions {
            ui_dir: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            token,
            max_requests_per_second: DEFAULT_MAX_REQUESTS_PER_SECOND,
            pick_claim_timeout: DEFAULT_PICK_CLAIM_TIMEOUT,
            pick_answer_timeout: DEFAULT_PICK_ANSWER_TIMEOUT,
        }
    }
}

/// Binds `127.0.0.1:port` (`0` picks a free port).
pub async fn bind_loopback(port: u16) -> io::Result<TcpListener> {
    bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

/// Binds `addr`, which must be a loopback address: the API has no
/// authentication, so it is never offered to the network.
pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    refuse_non_loopback(addr)?;
    TcpListener::bind(addr).await
}

fn refuse_non_loopback(addr: SocketAddr) -> io::Result<()> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to serve on {addr}: Ibid serves only on the loopback interface (127.0.0.1)"),
        ))
    }
}

/// Serves on `listener` (which must be bound to a loopback address) until the
/// listener fails. See [`serve_with_shutdown`] to stop it.
pub async fn serve(api: Arc<Api>, listener: TcpListener, opts: ServeOptions) -> io::Result<()> {
    serve_with_shutdown(api, listener, opts, std::future::pending()).await
}

/// [`serve`] until `shutdown` completes; then stops accepting connections and
/// returns once the requests under way have been answered.
pub async fn serve_with_shutdown(
    api: Arc<Api>,
    listener: TcpListener,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let local = listener.local_addr()?;
    refuse_non_loopback(local)?;
    if let Some(dir) = &opts.ui_dir {
        if !dir.is_dir() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("the UI folder {} does not exist", dir.display())));
        }
    }
    // Long polls (`next_pick`) and editors waiting for a pick would hold the
    // stop up: they are answered as it begins.
    let picks_of = Arc::clone(&api);
    let shutdown = async move {
        shutdown.await;
        picks_of.picks().shut();
    };
    let served = axum::serve(listener, router(Arc::clone(&api), local, opts)).with_graceful_shutdown(shutdown).await;
    // The auto-exports the last changes asked for are written before it returns.
    let _ = tokio::task::spawn_blocking(move || api.flush_auto_exports()).await;
    served
}

/// A future that completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM: pass it
/// to [`serve_with_shutdown`]. Call it inside the runtime and before telling
/// anyone the address: the handlers are installed by this call, so a signal
/// that arrives before the server runs still stops it gracefully.
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[derive(Clone)]
struct AppState {
    api: Arc<Api>,
    max_body_bytes: usize,
    pick_claim_timeout: std::time::Duration,
    pick_answer_timeout: std::time::Duration,
}

/// The hosts and origins that name this server.
struct Guard {
    /// `Host` values, lower case: `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`.
    hosts: Vec<String>,
    /// `Origin` values: `http://127.0.0.1:PORT`, `http://localhost:PORT`.
    origins: Vec<String>,
    /// [`ServeOptions::token`].
    token: String,
    /// The request budget: (tokens left, when last refilled), and the rate.
    budget: std::sync::Mutex<(f64, std::time::Instant)>,
    rate: f64,
}

impl Guard {
    fn new(local: SocketAddr, token: String, rate: u32) -> Guard {
        let port = local.port();
        let mut names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
        let bound = match local {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        if !names.contains(&bound) {
            names.push(bound);
        }
        let mut origins: Vec<String> = names.iter().map(|n| format!("http://{n}:{port}")).collect();
        names.push("[::1]".into());
        let mut hosts: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
        if port == 80 {
            // Browsers leave out the scheme's default port.
            origins.extend(names.iter().filter(|n| *n != "[::1]").map(|n| format!("http://{n}")));
            hosts.extend(names);
        }
        let rate = f64::from(rate.max(1));
        Guard { hosts, origins, token, budget: std::sync::Mutex::new((2.0 * rate, std::time::Instant::now())), rate }
    }

    /// The refusal for a request that may not reach the API or the files.
    fn check(&self, req: &Request) -> Option<Response> {
        let hosts: Vec<_> = req.headers().get_all(header::HOST).iter().collect();
        let host_ok = |h: &str| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h));
        let host_ok = match hosts.as_slice() {
            [h] => h.to_str().is_ok_and(host_ok) && req.uri().authority().is_none_or(|a| host_ok(a.as_str())),
            _ => false,
        };
        if !host_ok {
            return Some(error(
                StatusCode::FORBIDDEN,
                "forbidden_host",
                "the Host header does not name this server (127.0.0.1 or localhost with its port)",
            ));
        }
        for origin in req.headers().get_all(header::ORIGIN) {
            if !origin.to_str().is_ok_and(|o| self.origins.iter().any(|a| a.eq_ignore_ascii_case(o))) {
                return Some(error(
                    StatusCode::FORBIDDEN,
                    "forbidden_origin",
                    "requests from other web pages may not use the library",
                ));
            }
        }
        // What the browser says of where the request comes from (Fetch
        // Metadata): a page of another site, or of another port, gets
        // nothing, even by a GET that carries no Origin (`<script src>`).
        if let Some(site) = req.headers().get("sec-fetch-site") {
            if !matches!(site.to_str(), Ok("same-origin" | "none")) {
                return Some(error(
                    StatusCode::FORBIDDEN,
                    "forbidden_origin",
                    "requests from other web pages may not use the library",
                ));
            }
        }
        // GET for the files and health, POST for the commands; nothing else
        // (no OPTIONS: there is no CORS preflight to answer).
        let post_ok = req.method() == Method::POST && req.uri().path().starts_with("/api/");
        if req.method() != Method::GET && !post_ok {
            return Some(method_not_allowed());
        }
        if req.method() == Method::POST && !self.authorized(req) {
            let name = req.uri().path().strip_prefix("/api/cmd/").unwrap_or("");
            if !ibid_api::READ_COMMANDS.contains(&name) {
                return Some(error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this command changes the library: send the API token (Authorization: Bearer <the token in the file ibid serve names>)",
                ));
            }
        }
        None
    }

    /// Takes one request from the budget (refilled at `rate` a second, up to
    /// twice that); `false` when it is spent.
    fn within_rate(&self) -> bool {
        let mut b = self.budget.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        b.0 = (b.0 + now.duration_since(b.1).as_secs_f64() * self.rate).min(2.0 * self.rate);
        b.1 = now;
        if b.0 >= 1.0 {
            b.0 -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the request carries the token: `Authorization: Bearer …` or
    /// the cookie set on this server's pages. Compared in constant time.
    fn authorized(&self, req: &Request) -> bool {
        if self.token.is_empty() {
            return false;
        }
        let same = |t: &str| t.len() == self.token.len() && t.bytes().zip(self.token.bytes()).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0;
        let bearer = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let cookies = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix(TOKEN_COOKIE).and_then(|c| c.strip_prefix('=')));
        bearer.map(str::trim).into_iter().chain(cookies).any(same)
    }
}

/// The cookie that carries the token to this server's own pages.
const TOKEN_COOKIE: &str = "ibid_token";

async fn guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    // The API and the editors' endpoint: rate-limited, never cached, and
    // never given the token's cookie (that is for the UI's pages only).
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/better-bibtex/");
    let mut res = match g.check(&req) {
        Some(refusal) => refusal,
        None if is_api && !g.within_rate() => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests: slow down (see Retry-After)");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        None => next.run(req).await,
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if res.status().is_success() && !g.token.is_empty() {
        // The web UI's pages: the token, for the UI's own requests only.
        if let Ok(v) = HeaderValue::from_str(&format!("{TOKEN_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict", g.token)) {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    // A refused request's body may be left unread, and then the connection
    // cannot carry another request: say so, so that no client reuses it
    // (otherwise its next request races the server closing the connection).
    if matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED | StatusCode::METHOD_NOT_ALLOWED | StatusCode::PAYLOAD_TOO_LARGE) {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn router(api: Arc<Api>, local: SocketAddr, opts: ServeOptions) -> Router {
    let state = AppState {
        api,
        max_body_bytes: opts.max_body_bytes,
        pick_claim_timeout: opts.pick_claim_timeout,
        pick_answer_timeout: opts.pick_answer_timeout,
    };
    let token = opts.token;
    let rate = opts.max_requests_per_second;
    let app = Router::new()
        .route("/api/health", get(health))
        .route("/api/cmd/{name}", post(command))
        .route("/api/search", get(search))
        .route("/api/items/{key}", get(item))
        .route("/api/cite", get(cite))
        .route("/api/bibliography", get(bibliography))
        .route("/api/items", post(add_items))
        .route("/api/{*rest}", any(not_found))
        .route(CAYW_PATH, get(cayw))
        .method_not_allowed_fallback(method_not_allowed_handler)
        .layer(DefaultBodyLimit::max(opts.max_body_bytes))
        .with_state(state);
    let app = match opts.ui_dir {
        Some(dir) => app.fallback_service(ServeDir::new(dir)),
        None => app.fallback(not_found),
    };
    app.layer(middleware::from_fn_with_state(Arc::new(Guard::new(local, token, rate)), guard))
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(ApiError { code: code.into(), message: message.into() })).into_response()
}

fn api_error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

fn method_not_allowed() -> Response {
    let mut res = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "use POST for /api/cmd/<name> and GET for everything else",
    );
    res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    res
}

async fn method_not_allowed_handler() -> Response {
    method_not_allowed()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such path")
}

async fn health() -> Json<Value> {
    Json(json!({ "ok": true }))
}

async fn command(
    State(st): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Path(name) = match name {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_arguments", e.body_text()),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {} bytes", st.max_body_bytes),
            )
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_arguments", e.body_text()),
    };
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_arguments", format!("{name}: the body is not JSON: {e}")),
        }
    };
    respond(run(st.api, name, args).await)
}

/// A command of the API, off the async threads.
async fn run(api: Arc<Api>, name: String, args: Value) -> Result<Value, Response> {
    match tokio::task::spawn_blocking(move || api.call(&name, args)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(api_error(e)),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the command failed: {e}"))),
    }
}

/// An endpoint's JSON answer, or its error response.
fn respond(answer: Result<Value, Response>) -> Response {
    answer.map_or_else(|r| r, |v| Json(v).into_response())
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The query's parameters, or the 400 for a query that cannot be read.
fn params(p: Params) -> Result<HashMap<String, String>, Response> {
    p.map(|Query(m)| m).map_err(|e| error(StatusCode::BAD_REQUEST, "bad_arguments", e.body_text()))
}

fn required<'a>(p: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Response> {
    p.get(name).map(String::as_str).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        error(StatusCode::BAD_REQUEST, "bad_arguments", format!("the query parameter {name:?} is missing"))
    })
}

/// `keys=K1,K2` as a list.
fn key_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect()
}

async fn search(State(st): State<AppState>, q: Params) -> Response {
    let answer = async {
        let p = params(q)?;
        let limit = match p.get("limit") {
            Some(l) => Some(l.parse::<usize>().map_err(|_| error(StatusCode::BAD_REQUEST, "bad_arguments", "limit: a number"))?),
            None => None,
        };
        run(st.api, "search".into(), json!({ "q": required(&p, "q")?, "limit": limit })).await
    };
    respond(answer.await)
}

async fn item(State(st): State<AppState>, key: Result<Path<String>, PathRejection>) -> Response {
    let answer = async {
        let Path(key) = key.map_err(|e| error(StatusCode::BAD_REQUEST, "bad_arguments", e.body_text()))?;
        let out = run(st.api, "export".into(), json!({ "scope": { "keys": [key] }, "format": "csl-json" })).await?;
        let items: Value = serde_json::from_str(out["text"].as_str().unwrap_or("[]"))
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the export is not JSON: {e}")))?;
        items.get(0).cloned().ok_or_else(|| error(StatusCode::NOT_FOUND, "not_found", "no such work"))
    };
    respond(answer.await)
}

async fn cite(State(st): State<AppState>, q: Params) -> Response {
    let answer = async {
        let p = params(q)?;
        let args = json!({
            "keys": key_list(required(&p, "keys")?),
            "style": p.get("style"),
            "locale": p.get("locale"),
            "format": p.get("format").map_or("text", String::as_str),
            "kind": "citation",
        });
        run(st.api, "format_citation".into(), args).await
    };
    respond(answer.await)
}

/// How long `POST /api/items` waits for its lookups before answering with
/// the job as it stands (the client can poll `add_job` for the rest).
const ADD_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// `POST /api/items`: `{"text": "…"}` (any text with identifiers) or
/// `{"ids": ["10.…", "978…"]}`: looks them up, adds the works (the API
/// token is needed) and answers with the job (`results`: added, present
/// or failed, each with its key) when it is done and the auto-exports
/// have followed.
async fn add_items(State(st): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let answer = async {
        let body = body.map_err(|e| error(e.status(), "bad_arguments", e.body_text()))?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| error(StatusCode::BAD_REQUEST, "bad_arguments", format!("the body is not JSON: {e}")))?;
        let text = match (v.get("text").and_then(Value::as_str), v.get("ids").and_then(Value::as_array)) {
            (Some(t), _) => t.to_string(),
            (None, Some(ids)) => ids.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
            _ => return Err(error(StatusCode::BAD_REQUEST, "bad_arguments", "give {\"ids\": [...]} or {\"text\": \"...\"}")),
        };
        let started = run(st.api.clone(), "add_identifiers".into(), json!({ "text": text })).await?;
        let job = started["job"].clone();
        let deadline = tokio::time::Instant::now() + ADD_WAIT;
        loop {
            let state = run(st.api.clone(), "add_job".into(), json!({ "job": job })).await?;
            if state["finished"] == json!(true) {
                // The job asked for the auto-exports' refresh before it
                // finished: the answer waits until the files are written.
                let api = st.api.clone();
                tokio::task::spawn_blocking(move || api.flush_auto_exports())
                    .await
                    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the auto-exports failed: {e}")))?;
                return Ok(state);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(state);
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    };
    respond(answer.await)
}

async fn bibliography(State(st): State<AppState>, q: Params) -> Response {
    let answer = async {
        let p = params(q)?;
        let scope = json!({
            "keys": p.get("keys").map(|k| key_list(k)),
            "collection": p.get("collection"),
            "tag": p.get("tag"),
            "search": p.get("search"),
            "cited_by": p.get("cited-by").or(p.get("cited_by")),
        });
        let args = json!({
            "scope": scope,
            "format": p.get("format").map_or("text", String::as_str),
            "style": p.get("style"),
            "locale": p.get("locale"),
        });
        run(st.api, "export".into(), args).await
    };
    respond(answer.await)
}

/// Better BibTeX's "cite as you write" endpoint, where editor plugins ask
/// for a citation the writer picks.
pub const CAYW_PATH: &str = "/better-bibtex/cayw";

/// Better BibTeX's port: editor plugins ask `http://127.0.0.1:23119`.
pub const BBT_PORT: u16 = 23119;

fn plain(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// `GET /better-bibtex/cayw?format=…`: as Better BibTeX does it. `probe`
/// answers `ready`; otherwise the open Ibid window (or page) shows its
/// palette, the writer picks works (or closes it: an empty answer), and the
/// citation comes back as plain text in the format asked for (see
/// `ibid_formats::cayw`). 503 when no window takes the pick, 504 when
/// nothing is picked in time, 400 for a format that cannot be given.
async fn cayw(State(st): State<AppState>, q: Params) -> Response {
    let p = match params(q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if p.get("probe").is_some_and(|v| !v.is_empty()) {
        return plain(StatusCode::OK, "ready".into());
    }
    let api = st.api.clone();
    let mut ticket = match api.request_pick(&p) {
        Ok(t) => t,
        Err(e) => return api_error(e),
    };
    if !ticket.claimed(st.pick_claim_timeout).await {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_picker",
            "no Ibid window is open to pick from: open the desktop app (or the page `ibid serve` shows) and ask again",
        );
    }
    match ticket.answer(st.pick_answer_timeout).await {
        Ok(text) => plain(StatusCode::OK, text),
        Err(e) => api_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(ServeOptions::default().max_body_bytes, 64 * 1024 * 1024);
        assert_eq!(DEFAULT_PORT, 4719);
    }

    #[test]
    fn the_guard_names_this_server_only() {
        let g = Guard::new(SocketAddr::from((Ipv4Addr::LOCALHOST, 4719)), String::new(), DEFAULT_MAX_REQUESTS_PER_SECOND);
        assert_eq!(g.hosts, ["127.0.0.1:4719", "localhost:4719", "[::1]:4719"]);
        assert_eq!(g.origins, ["http://127.0.0.1:4719", "http://localhost:4719"]);
    }

    #[tokio::test]
    async fn binding_refuses_non_loopback_addresses() {
        for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
            let err = bind(addr.parse().unwrap()).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{addr}");
        }
        let l = bind_loopback(0).await.unwrap();
        let a = l.local_addr().unwrap();
        assert_eq!(a.ip(), Ipv4Addr::LOCALHOST);
        assert_ne!(a.port(), 0);
    }
}
