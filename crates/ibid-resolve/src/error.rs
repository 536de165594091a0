//! What can go wrong resolving an identifier. Each case has a stable
//! [`ResolveError::code`] that crosses the API boundary; nothing matches on
//! the message.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    NotAnIdentifier(#[from] crate::ids::NotAnIdentifier),
    #[error("{service} has no record for {id} (404)")]
    NotFound { service: &'static str, id: String },
    #[error("{service} is rate limiting us (429){}", retry_after.map(|d| format!("; it asks to wait {} s", d.as_secs())).unwrap_or_default())]
    RateLimited { service: &'static str, retry_after: Option<Duration> },
    #[error("{service} is unavailable after {tries} tries (last: {last})")]
    Unavailable { service: &'static str, tries: u32, last: String },
    #[error("{service} sent a malformed response for {url}: {detail}")]
    Malformed { service: &'static str, url: String, detail: String },
    #[error("cannot reach {service} ({url}): {detail}")]
    Network { service: &'static str, url: String, detail: String },
    #[error("{service} redirected too often (a redirect loop?) for {url}")]
    RedirectLoop { service: &'static str, url: String },
    #[error("{service} answered {status} for {url}: {detail}")]
    Http { service: &'static str, url: String, status: u16, detail: String },
    #[error("cannot store the record: {0}")]
    Store(String),
}

impl ResolveError {
    pub fn code(&self) -> &'static str {
        match self {
            ResolveError::NotAnIdentifier(_) => "not_an_identifier",
            ResolveError::NotFound { .. } => "not_found",
            ResolveError::RateLimited { .. } => "rate_limited",
            ResolveError::Unavailable { .. } => "service_unavailable",
            ResolveError::Malformed { .. } => "malformed_response",
            ResolveError::Network { .. } => "network_unreachable",
            ResolveError::RedirectLoop { .. } => "redirect_loop",
            ResolveError::Http { .. } => "http_error",
            ResolveError::Store(_) => "store_failed",
        }
    }
}
