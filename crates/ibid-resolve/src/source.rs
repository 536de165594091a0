//! The resolvers: one trait, one implementation per service, and
//! [`Resolvers`], which picks the right one for each identifier.
//!
//! A DOI goes to Crossref first (most DOIs are Crossref's, and its REST API
//! gives the richest record); when Crossref has no record, doi.org's RA
//! lookup says which agency registered it: DataCite DOIs go to DataCite's
//! REST API, any other agency's to doi.org content negotiation (CSL-JSON).
//! Content negotiation is also the fallback when Crossref is unavailable or
//! sends something unreadable. ISBNs go to Open Library, arXiv ids to the
//! arXiv API, PMIDs to NCBI E-utilities.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::config::{self, Config};
use crate::error::ResolveError;
use crate::http::{Fetched, Http, Service, Validators};
use crate::ids::Identifier;
use crate::map::{self, MapError, Mapped};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A record and every response it was derived from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub mapped: Mapped,
    /// The service whose record it is.
    pub source: &'static str,
    pub responses: Vec<Fetched>,
}

/// What a (possibly conditional) lookup gave.
#[derive(Debug, Clone)]
pub enum Fetch {
    Record(Resolved),
    /// The service says the record has not changed since the validators' response.
    NotModified(Fetched),
}

/// Turns an identifier into a record.
pub trait Resolver: Send + Sync {
    fn name(&self) -> &'static str;
    fn accepts(&self, id: &Identifier) -> bool;
    /// `cond`: validators of the last response, for a conditional request.
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>>;
}

/// A body the mapper refused: the service's "no such record", or malformed.
fn malformed(f: &Fetched, e: MapError) -> ResolveError {
    if e.not_found {
        return ResolveError::NotFound { service: f.service, id: id_in(&f.url) };
    }
    ResolveError::Malformed { service: f.service, url: f.url.clone(), detail: e.message }
}

/// The identifier a request URL asked for (its last path segment or id parameter), for messages.
fn id_in(url: &str) -> String {
    for key in ["bibkeys=ISBN:", "id_list=", "&id="] {
        if let Some(i) = url.find(key) {
            return url[i + key.len()..].split('&').next().unwrap_or("").to_string();
        }
    }
    url.rsplit('/').next().unwrap_or(url).split('?').next().unwrap_or("").to_string()
}

/// Percent-encodes what may not stand in a URL path (a DOI keeps its `/`).
pub fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/:()!*'@,;+=$&".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn record(mapped: Mapped, source: &'static str, responses: Vec<Fetched>) -> Fetch {
    Fetch::Record(Resolved { mapped, source, responses })
}

// ---- Crossref ------------------------------------------------------------

/// Crossref's REST API: `GET /works/{doi}`, then the book's own record when
/// a chapter's lacks the book's editors, ISBN, series or place.
pub struct Crossref {
    pub(crate) http: Arc<Http>,
    pub service: Service,
}

impl Crossref {
    pub fn new(http: Arc<Http>) -> Crossref {
        let service = Service::new(config::CROSSREF.name, &http.cfg);
        Crossref { http, service }
    }

    pub(crate) fn polite(&self, url: String) -> String {
        match &self.http.cfg.mailto {
            Some(m) => format!("{url}{}mailto={}", if url.contains('?') { '&' } else { '?' }, encode_query(m)),
            None => url,
        }
    }

    async fn run(&self, doi: &str, cond: Option<&Validators>) -> Result<Fetch, ResolveError> {
        let base = &self.http.cfg.crossref_url;
        let url = self.polite(format!("{base}/works/{}", encode_path(doi)));
        let f = self.http.get(&self.service, &url, "application/json", doi, cond).await?;
        if f.status == 304 {
            return Ok(Fetch::NotModified(f));
        }
        let mut mapped = map::crossref::work_from_body(&f.body).map_err(|e| malformed(&f, e))?;
        let mut responses = vec![f];
        if let Some(lookup) = map::crossref::container_lookup(&mapped) {
            match self.book(&lookup).await {
                Ok(Some((book, fetched))) => {
                    map::crossref::fill_container(&mut mapped, &book);
                    responses.extend(fetched);
                }
                Ok(None) => mapped.warnings.push("Crossref has no record of the book to complete the chapter's".into()),
                Err(e) => mapped.warnings.push(format!("the book's record could not be fetched: {e}")),
            }
        }
        Ok(record(mapped, self.service.name, responses))
    }

    /// The book's record: by its DOI, else by `filter=isbn:`.
    async fn book(&self, l: &map::crossref::ContainerLookup) -> Result<Option<(Mapped, Vec<Fetched>)>, ResolveError> {
        let base = &self.http.cfg.crossref_url;
        if let Some(doi) = &l.doi {
            let url = self.polite(format!("{base}/works/{}", encode_path(doi)));
            match self.http.get(&self.service, &url, "application/json", doi, None).await {
                Ok(f) => {
                    let m = map::crossref::work_from_body(&f.body).map_err(|e| malformed(&f, e))?;
                    return Ok(Some((m, vec![f])));
                }
                Err(ResolveError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let mut fetched = Vec::new();
        for isbn in &l.isbn {
            let url = self.polite(format!("{base}/works?filter=isbn:{}&rows=20", encode_query(isbn)));
            let f = match self.http.get(&self.service, &url, "application/json", isbn, None).await {
                Ok(f) => f,
                Err(ResolveError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let pick = map::crossref::pick_book(&f.body, &l.isbn);
            fetched.push(f);
            if let Some(m) = pick {
                return Ok(Some((m, fetched)));
            }
        }
        Ok(None)
    }
}

impl Resolver for Crossref {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Doi(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(self.run(id.value(), cond))
    }
}

// ---- doi.org -------------------------------------------------------------

pub const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// doi.org: the registration agency of a DOI (`/ra/{doi}`), and content
/// negotiation for CSL-JSON (`/{doi}`, following redirects to the agency).
pub struct DoiOrg {
    http: Arc<Http>,
    pub service: Service,
}

impl DoiOrg {
    pub fn new(http: Arc<Http>) -> DoiOrg {
        let service = Service::new(config::DOI.name, &http.cfg);
        DoiOrg { http, service }
    }

    /// The agency's name (`Crossref`, `DataCite`, `mEDRA`, …).
    pub async fn agency(&self, doi: &str) -> Result<(String, Fetched), ResolveError> {
        let url = format!("{}/ra/{}", self.http.cfg.doi_url, encode_path(doi));
        let f = self.http.get(&self.service, &url, "application/json", doi, None).await?;
        let v: Value = serde_json::from_str(&f.body).map_err(|e| ResolveError::Malformed {
            service: f.service,
            url: f.url.clone(),
            detail: format!("not JSON: {e}"),
        })?;
        let first = v.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null);
        if let Some(ra) = first.get("RA").and_then(Value::as_str) {
            return Ok((ra.to_string(), f));
        }
        if first.get("status").and_then(Value::as_str).is_some() {
            // "DOI does not exist", "Invalid DOI", "Unknown".
            return Err(ResolveError::NotFound { service: self.service.name, id: doi.to_string() });
        }
        Err(ResolveError::Malformed { service: f.service, url: f.url.clone(), detail: "no RA in the answer".into() })
    }

    async fn negotiate(&self, doi: &str, cond: Option<&Validators>) -> Result<Fetch, ResolveError> {
        let url = format!("{}/{}", self.http.cfg.doi_url, encode_path(doi));
        let f = self.http.get(&self.service, &url, CSL_JSON, doi, cond).await?;
        if f.status == 304 {
            return Ok(Fetch::NotModified(f));
        }
        if f.content_type.as_deref().is_some_and(|c| c.contains("text/html")) {
            return Err(ResolveError::Malformed {
                service: f.service,
                url: f.url.clone(),
                detail: "an HTML page came back instead of CSL-JSON".into(),
            });
        }
        let m = map::csl::work_from_body(&f.body).map_err(|e| malformed(&f, e))?;
        Ok(record(m, self.service.name, vec![f]))
    }
}

impl Resolver for DoiOrg {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Doi(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(self.negotiate(id.value(), cond))
    }
}

// ---- DataCite ------------------------------------------------------------

/// DataCite's REST API: `GET /dois/{doi}`.
pub struct DataCite {
    http: Arc<Http>,
    pub service: Service,
}

impl DataCite {
    pub fn new(http: Arc<Http>) -> DataCite {
        let service = Service::new(config::DATACITE.name, &http.cfg);
        DataCite { http, service }
    }
}

impl Resolver for DataCite {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Doi(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(async move {
            let doi = id.value();
            let url = format!("{}/dois/{}", self.http.cfg.datacite_url, encode_path(doi));
            let f = self.http.get(&self.service, &url, "application/vnd.api+json", doi, cond).await?;
            if f.status == 304 {
                return Ok(Fetch::NotModified(f));
            }
            let m = map::datacite::work_from_body(&f.body).map_err(|e| malformed(&f, e))?;
            Ok(record(m, self.service.name, vec![f]))
        })
    }
}

// ---- Open Library --------------------------------------------------------

/// Open Library's Books API: `GET /api/books?bibkeys=ISBN:…&format=json&jscmd=data`.
pub struct OpenLibrary {
    http: Arc<Http>,
    pub service: Service,
}

impl OpenLibrary {
    pub fn new(http: Arc<Http>) -> OpenLibrary {
        let service = Service::new(config::OPENLIBRARY.name, &http.cfg);
        OpenLibrary { http, service }
    }
}

impl Resolver for OpenLibrary {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Isbn(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(async move {
            let isbn = id.value();
            let url = format!("{}/api/books?bibkeys=ISBN:{isbn}&format=json&jscmd=data", self.http.cfg.openlibrary_url);
            let f = self.http.get(&self.service, &url, "application/json", isbn, cond).await?;
            if f.status == 304 {
                return Ok(Fetch::NotModified(f));
            }
            let m = map::openlibrary::work_from_body(&f.body, isbn).map_err(|e| match e.not_found {
                true => ResolveError::NotFound { service: self.service.name, id: isbn.to_string() },
                false => malformed(&f, e),
            })?;
            Ok(record(m, self.service.name, vec![f]))
        })
    }
}

// ---- arXiv ---------------------------------------------------------------

/// The arXiv API: `GET /api/query?id_list=…` (Atom).
pub struct Arxiv {
    http: Arc<Http>,
    pub service: Service,
}

impl Arxiv {
    pub fn new(http: Arc<Http>) -> Arxiv {
        let service = Service::new(config::ARXIV.name, &http.cfg);
        Arxiv { http, service }
    }
}

impl Resolver for Arxiv {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Arxiv(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(async move {
            let aid = id.value();
            let url = format!("{}/api/query?id_list={}", self.http.cfg.arxiv_url, encode_query(aid));
            let f = self.http.get(&self.service, &url, "application/atom+xml", aid, cond).await?;
            if f.status == 304 {
                return Ok(Fetch::NotModified(f));
            }
            // arXiv answers 200 with an empty feed (or an "Error" entry) for an unknown id.
            let m = map::arxiv::work_from_body(&f.body, aid).map_err(|e| match e.not_found {
                true => ResolveError::NotFound { service: self.service.name, id: aid.to_string() },
                false => malformed(&f, e),
            })?;
            Ok(record(m, self.service.name, vec![f]))
        })
    }
}

// ---- PubMed --------------------------------------------------------------

/// NCBI E-utilities: `GET /esummary.fcgi?db=pubmed&id=…&retmode=json`.
pub struct PubMed {
    http: Arc<Http>,
    pub service: Service,
}

impl PubMed {
    pub fn new(http: Arc<Http>) -> PubMed {
        let service = Service::new(config::PUBMED.name, &http.cfg);
        PubMed { http, service }
    }
}

impl Resolver for PubMed {
    fn name(&self) -> &'static str {
        self.service.name
    }
    fn accepts(&self, id: &Identifier) -> bool {
        matches!(id, Identifier::Pmid(_))
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(async move {
            let pmid = id.value();
            let mut url = format!("{}/esummary.fcgi?db=pubmed&id={pmid}&retmode=json&tool=ibid", self.http.cfg.pubmed_url);
            if let Some(m) = &self.http.cfg.mailto {
                url.push_str("&email=");
                url.push_str(&encode_query(m));
            }
            let f = self.http.get(&self.service, &url, "application/json", pmid, cond).await?;
            if f.status == 304 {
                return Ok(Fetch::NotModified(f));
            }
            // E-utilities answers 200 with an error entry for an unknown PMID.
            match map::pubmed::work_from_body(&f.body, pmid) {
                Ok(m) => Ok(record(m, self.service.name, vec![f])),
                Err(e) if e.not_found => Err(ResolveError::NotFound { service: self.service.name, id: pmid.to_string() }),
                Err(e) => Err(malformed(&f, e)),
            }
        })
    }
}

// ---- all of them ---------------------------------------------------------

/// Every resolver, sharing one HTTP client; picks by identifier.
pub struct Resolvers {
    pub crossref: Crossref,
    pub doi_org: DoiOrg,
    pub datacite: DataCite,
    pub openlibrary: OpenLibrary,
    pub arxiv: Arxiv,
    pub pubmed: PubMed,
}

impl Resolvers {
    pub fn new(cfg: Config) -> Resolvers {
        let http = Arc::new(Http::new(cfg));
        Resolvers {
            crossref: Crossref::new(http.clone()),
            doi_org: DoiOrg::new(http.clone()),
            datacite: DataCite::new(http.clone()),
            openlibrary: OpenLibrary::new(http.clone()),
            arxiv: Arxiv::new(http.clone()),
            pubmed: PubMed::new(http),
        }
    }

    pub fn services(&self) -> [&Service; 6] {
        [
            &self.crossref.service,
            &self.doi_org.service,
            &self.datacite.service,
            &self.openlibrary.service,
            &self.arxiv.service,
            &self.pubmed.service,
        ]
    }

    async fn doi(&self, id: &Identifier, cond: Option<&Validators>) -> Result<Fetch, ResolveError> {
        let doi = id.value();
        let first = self.crossref.resolve(id, cond).await;
        match first {
            Ok(f) => Ok(f),
            Err(ResolveError::NotFound { .. }) => {
                let (ra, _) = self.doi_org.agency(doi).await?;
                match ra.to_ascii_lowercase().as_str() {
                    "datacite" => self.datacite.resolve(id, None).await,
                    // Crossref said 404 and doi.org says Crossref: trust the 404.
                    "crossref" => Err(ResolveError::NotFound { service: self.crossref.name(), id: doi.to_string() }),
                    _ => self.doi_org.resolve(id, None).await,
                }
            }
            Err(e @ (ResolveError::Unavailable { .. } | ResolveError::Malformed { .. })) => {
                tracing::warn!(%doi, error = %e, "Crossref failed; trying doi.org content negotiation");
                match self.doi_org.resolve(id, None).await {
                    Ok(f) => Ok(f),
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }
}

impl Resolver for Resolvers {
    fn name(&self) -> &'static str {
        "all"
    }
    fn accepts(&self, _: &Identifier) -> bool {
        true
    }
    fn resolve<'a>(&'a self, id: &'a Identifier, cond: Option<&'a Validators>) -> BoxFuture<'a, Result<Fetch, ResolveError>> {
        Box::pin(async move {
            match id {
                Identifier::Doi(_) => self.doi(id, cond).await,
                Identifier::Isbn(_) => self.openlibrary.resolve(id, cond).await,
                Identifier::Arxiv(_) => self.arxiv.resolve(id, cond).await,
                Identifier::Pmid(_) => self.pubmed.resolve(id, cond).await,
            }
        })
    }
}
