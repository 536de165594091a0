//! Where each service is and how politely to use it.
//!
//! Every base URL comes from, in order: the environment (`IBID_CROSSREF_URL`,
//! `IBID_DOI_URL`, `IBID_DATACITE_URL`, `IBID_OPENLIBRARY_URL`,
//! `IBID_ARXIV_URL`, `IBID_PUBMED_URL`; the contact address `IBID_MAILTO`),
//! then the library's settings (`crossref_url`, …, `mailto`), then the real
//! service. Tests and benchmarks point them at a server on 127.0.0.1.

use std::time::Duration;

/// One service's settings key, environment variable and default base URL.
pub struct ServiceDef {
    pub name: &'static str,
    pub setting: &'static str,
    pub env: &'static str,
    pub default_url: &'static str,
}

pub const CROSSREF: ServiceDef =
    ServiceDef { name: "crossref", setting: "crossref_url", env: "IBID_CROSSREF_URL", default_url: "https://api.crossref.org" };
pub const DOI: ServiceDef = ServiceDef { name: "doi.org", setting: "doi_url", env: "IBID_DOI_URL", default_url: "https://doi.org" };
pub const DATACITE: ServiceDef =
    ServiceDef { name: "datacite", setting: "datacite_url", env: "IBID_DATACITE_URL", default_url: "https://api.datacite.org" };
pub const OPENLIBRARY: ServiceDef = ServiceDef {
    name: "openlibrary",
    setting: "openlibrary_url",
    env: "IBID_OPENLIBRARY_URL",
    default_url: "https://openlibrary.org",
};
pub const ARXIV: ServiceDef =
    ServiceDef { name: "arxiv", setting: "arxiv_url", env: "IBID_ARXIV_URL", default_url: "https://export.arxiv.org" };
pub const PUBMED: ServiceDef = ServiceDef {
    name: "pubmed",
    setting: "pubmed_url",
    env: "IBID_PUBMED_URL",
    default_url: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
};

pub const SERVICES: &[&ServiceDef] = &[&CROSSREF, &DOI, &DATACITE, &OPENLIBRARY, &ARXIV, &PUBMED];

/// Settings keys besides the service URLs.
pub const MAILTO_SETTING: &str = "mailto";
pub const MAILTO_ENV: &str = "IBID_MAILTO";

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub crossref_url: String,
    pub doi_url: String,
    pub datacite_url: String,
    pub openlibrary_url: String,
    pub arxiv_url: String,
    pub pubmed_url: String,
    /// Contact address sent to Crossref (its "polite pool") and NCBI.
    pub mailto: Option<String>,
    pub user_agent: String,
    /// Per request.
    pub timeout: Duration,
    /// Attempts per request, the first included (5xx, timeouts, 429).
    pub tries: u32,
    /// First backoff step; doubles each retry, with full jitter.
    pub backoff: Duration,
    /// Requests in flight per service at most.
    pub max_in_flight: usize,
    /// Requests per second per service before the service states its limit.
    pub default_rate: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            crossref_url: CROSSREF.default_url.into(),
            doi_url: DOI.default_url.into(),
            datacite_url: DATACITE.default_url.into(),
            openlibrary_url: OPENLIBRARY.default_url.into(),
            arxiv_url: ARXIV.default_url.into(),
            pubmed_url: PUBMED.default_url.into(),
            mailto: None,
            user_agent: user_agent(None),
            timeout: Duration::from_secs(20),
            tries: 5,
            backoff: Duration::from_millis(500),
            max_in_flight: 32,
            default_rate: 5,
        }
    }
}

/// `Ibid/0.1.0 (https://github.com/ibid-app/ibid; mailto:…)`, as Crossref asks.
pub fn user_agent(mailto: Option<&str>) -> String {
    let mut ua = format!("Ibid/{} (https://github.com/ibid-app/ibid", env!("CARGO_PKG_VERSION"));
    if let Some(m) = mailto {
        ua.push_str("; mailto:");
        ua.push_str(m);
    }
    ua.push(')');
    ua
}

impl Config {
    /// From the library's settings and the process environment.
    pub fn from_settings(settings: &[(String, String)]) -> Config {
        Config::from_sources(settings, |k| std::env::var(k).ok())
    }

    /// From settings and an environment lookup (tests pass their own).
    pub fn from_sources(settings: &[(String, String)], env: impl Fn(&str) -> Option<String>) -> Config {
        let setting = |k: &str| settings.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let pick = |d: &ServiceDef| {
            env(d.env)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| setting(d.setting))
                .unwrap_or_else(|| d.default_url.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        let mailto = env(MAILTO_ENV).or_else(|| setting(MAILTO_SETTING)).filter(|m| !m.trim().is_empty());
        Config {
            crossref_url: pick(&CROSSREF),
            doi_url: pick(&DOI),
            datacite_url: pick(&DATACITE),
            openlibrary_url: pick(&OPENLIBRARY),
            arxiv_url: pick(&ARXIV),
            pubmed_url: pick(&PUBMED),
            user_agent: user_agent(mailto.as_deref()),
            mailto,
            ..Config::default()
        }
    }

    /// Every setting key a user may set, for `ibid settings`.
    pub fn keys() -> Vec<&'static str> {
        let mut k: Vec<&str> = SERVICES.iter().map(|s| s.setting).collect();
        k.push(MAILTO_SETTING);
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_beats_settings_beats_default() {
        let settings = vec![("crossref_url".to_string(), "http://settings.example/".to_string()), ("mailto".into(), "s@example.org".into())];
        let env = |k: &str| match k {
            "IBID_DATACITE_URL" => Some("http://127.0.0.1:9/dc".to_string()),
            "IBID_MAILTO" => Some("e@example.org".to_string()),
            _ => None,
        };
        let c = Config::from_sources(&settings, env);
        assert_eq!(c.crossref_url, "http://settings.example");
        assert_eq!(c.datacite_url, "http://127.0.0.1:9/dc");
        assert_eq!(c.doi_url, "https://doi.org");
        assert_eq!(c.mailto.as_deref(), Some("e@example.org"));
        assert!(c.user_agent.starts_with("Ibid/") && c.user_agent.contains("mailto:e@example.org"), "{}", c.user_agent);
    }
}
