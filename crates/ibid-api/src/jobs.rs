//! `add_identifiers` / `add_job`: looking identifiers up takes seconds to
//! minutes, so the command starts a job and returns at once; the UI polls
//! the job for progress and results. Polling works the same over Tauri IPC
//! and over `ibid serve`'s HTTP, so no event channel is needed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ibid_resolve::{add, Config, Identifier, ItemResult, Outcome, Resolvers};
use serde::{Deserialize, Serialize};

use crate::{Api, ApiError, ApiResult};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddIdentifiers {
    /// One identifier, a list of them, or any text containing them.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddStarted {
    pub job: String,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobArgs {
    pub job: String,
}

/// One identifier's outcome: `added`, `present` or `failed`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddResult {
    pub input: String,
    /// `doi:10.…`, `isbn:978…`, `arxiv:…`, `pmid:…`.
    pub identifier: String,
    pub outcome: String,
    pub key: Option<String>,
    pub title: Option<String>,
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddJob {
    pub job: String,
    pub total: usize,
    pub done: usize,
    pub finished: bool,
    /// In the order they finished.
    pub results: Vec<AddResult>,
}

#[derive(Default)]
pub(crate) struct Jobs {
    next: AtomicU64,
    map: Mutex<HashMap<String, Arc<Mutex<AddJob>>>>,
}

impl From<&ItemResult> for AddResult {
    fn from(r: &ItemResult) -> AddResult {
        let (outcome, key, title, code, message) = match &r.outcome {
            Outcome::Added { key, title } => ("added", Some(key.clone()), title.clone(), None, None),
            Outcome::Present { key, title } => ("present", Some(key.clone()), title.clone(), None, None),
            Outcome::Failed(e) => ("failed", None, None, Some(e.code().to_string()), Some(e.to_string())),
        };
        AddResult { input: r.input.clone(), identifier: r.id.to_string(), outcome: outcome.into(), key, title, code, message }
    }
}

impl Api {
    /// Starts looking up every identifier in `text` and adding the works;
    /// returns the job to poll with [`Api::add_job`].
    pub fn add_identifiers(&self, args: AddIdentifiers) -> ApiResult<AddStarted> {
        let mut found = ibid_resolve::extract(&args.text);
        if found.is_empty() {
            // One identifier that text search would not find (a bare PMID among words…).
            if let Ok(id) = Identifier::parse(&args.text) {
                found.push(ibid_resolve::Found { input: args.text.trim().to_string(), id });
            }
        }
        if found.is_empty() {
            let shown: String = args.text.trim().chars().take(80).collect();
            return Err(ApiError::new(
                "not_an_identifier",
                format!("no DOI, ISBN, arXiv id or PMID found in {shown:?}"),
            ));
        }
        let cfg = Config::from_settings(&self.lib().settings()?);
        let n = self.jobs.next.fetch_add(1, Ordering::SeqCst) + 1;
        // Unique across restarts of the shell, so a page left open never
        // polls a new job under an old id.
        let job_id = format!("add-{:08x}-{n}", fastrand::u32(..));
        let total = found.len();
        let state = Arc::new(Mutex::new(AddJob { job: job_id.clone(), total, done: 0, finished: false, results: Vec::new() }));
        self.jobs.map.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.clone(), state.clone());
        let lib = Arc::clone(&self.lib);
        let auto = Arc::clone(&self.auto);
        // Its own thread and runtime: the job outlives the command call, and
        // the shells' runtimes are theirs.
        std::thread::Builder::new()
            .name(job_id.clone())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                        for f in &found {
                            s.results.push(AddResult {
                                input: f.input.clone(),
                                identifier: f.id.to_string(),
                                outcome: "failed".into(),
                                key: None,
                                title: None,
                                code: Some("internal".into()),
                                message: Some(format!("cannot start the lookup: {e}")),
                            });
                        }
                        s.done = s.total;
                        s.finished = true;
                        return;
                    }
                };
                let resolvers = Resolvers::new(cfg);
                let on_result = |r: &ItemResult| {
                    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                    s.results.push(AddResult::from(r));
                    s.done += 1;
                };
                rt.block_on(add::add_all(&lib, &resolvers, found, &on_result));
                // The auto-exports follow (in the background; asked for
                // before the job says it is done, so a flush after that
                // waits for them). The command itself asked for none.
                auto.request();
                state.lock().unwrap_or_else(|p| p.into_inner()).finished = true;
            })
            .map_err(|e| ApiError::new("internal", format!("cannot start the lookup: {e}")))?;
        Ok(AddStarted { job: job_id, total })
    }

    /// A job's progress and the results so far.
    pub fn add_job(&self, args: JobArgs) -> ApiResult<AddJob> {
        let map = self.jobs.map.lock().unwrap_or_else(|p| p.into_inner());
        let job = map.get(&args.job).ok_or_else(|| ApiError::new("not_found", format!("no job {:?}", args.job)))?;
        let snapshot = job.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(snapshot)
    }
}
