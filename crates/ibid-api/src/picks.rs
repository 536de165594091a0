//! Picks: an editor asks the writer to choose works ("cite as you write",
//! Better BibTeX's `/better-bibtex/cayw`), and an open Ibid window answers.
//!
//! The server registers a pick ([`Api::request_pick`]) and waits on its
//! [`PickTicket`]. Every open UI (the desktop window, or a browser page of
//! `ibid serve`) waits for picks with the `next_pick` command (a long poll,
//! the same in both shells), shows the quick-lookup palette, and sends the
//! chosen works back with `answer_pick`; the answer is formatted here, once,
//! and goes both to the editor and to the UI (which may copy it). Shells
//! that can raise a window [`Picks::subscribe`] to hear of picks at once.
//!
//! A pick no UI claims, or that the editor stopped waiting for (its ticket
//! dropped), is withdrawn; answering it then is `not_found`.

use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use ibid_formats::cayw;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::{Api, ApiError, ApiResult, CitationArgs, ExportArgs, ExportScope};

/// What the UI is told of a pick.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PickDto {
    pub id: u64,
    /// The format the editor asked for, as it named it (`pandoc`, `latex`…).
    pub format: String,
    /// Answer with the works selected in the window, without the palette.
    pub selected: bool,
    /// Also copy the answer to the clipboard.
    pub clipboard: bool,
}

/// `next_pick`: wait up to `wait_ms` (at most 30 s) for a pick.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NextPick {
    #[serde(default)]
    pub wait_ms: Option<u64>,
}

/// One chosen work (by item key) and what the writer added to it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PickedCitation {
    pub key: String,
    #[serde(default)]
    pub locator: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub suppress_author: bool,
}

/// `answer_pick`: the works chosen, in order; `None` when the writer
/// closed the palette (the editor gets an empty answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnswerPick {
    pub id: u64,
    #[serde(default)]
    pub citations: Option<Vec<PickedCitation>>,
}

/// What the editor was sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PickAnswered {
    pub text: String,
}

/// What a subscribed shell hears.
#[derive(Debug, Clone, PartialEq)]
pub enum PickEvent {
    /// A pick is waiting: raise the window.
    Requested(u64),
    /// A pick was answered or closed; `minimize` when the editor asked for
    /// the window to get out of the way afterwards.
    Done { id: u64, minimize: bool },
}

/// How the waiting editor is answered: the text, or why there is none.
type Answer = Result<String, ApiError>;

struct Pending {
    dto: PickDto,
    request: cayw::Request,
    minimize: bool,
    claimed: bool,
    on_claim: Option<oneshot::Sender<()>>,
    on_answer: Option<oneshot::Sender<Answer>>,
}

/// The picks waiting for an answer.
#[derive(Default)]
pub struct Picks {
    /// (the last pick's id, the picks waiting, how many times [`Picks::shut`] ran)
    state: Mutex<(u64, Vec<Pending>, u64)>,
    arrived: Condvar,
    subscribers: Mutex<Vec<mpsc::Sender<PickEvent>>>,
}

/// The editor's side of a pick: await [`PickTicket::claimed`], then
/// [`PickTicket::answer`]. Dropping it withdraws the pick.
pub struct PickTicket<'a> {
    pub id: u64,
    picks: &'a Picks,
    claimed: Option<oneshot::Receiver<()>>,
    answer: Option<oneshot::Receiver<Answer>>,
}

impl PickTicket<'_> {
    /// Whether an open UI took the pick within `within`.
    pub async fn claimed(&mut self, within: Duration) -> bool {
        match self.claimed.take() {
            Some(rx) => matches!(tokio::time::timeout(within, rx).await, Ok(Ok(()))),
            None => true,
        }
    }

    /// The text for the editor: `Ok("")` when the writer closed the
    /// palette; `timeout` when nothing came within `within`.
    pub async fn answer(&mut self, within: Duration) -> Answer {
        let Some(rx) = self.answer.take() else {
            return Err(ApiError::new("internal", "the pick was already answered"));
        };
        match tokio::time::timeout(within, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(ApiError::new("not_found", "the pick was withdrawn")),
            Err(_) => Err(ApiError::new("timeout", format!("nothing was picked within {} s", within.as_secs()))),
        }
    }
}

impl Drop for PickTicket<'_> {
    fn drop(&mut self) {
        self.picks.withdraw(self.id);
    }
}

impl Picks {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Pending>, u64)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells `tx` of every pick from now on (a shell raising its window).
    pub fn subscribe(&self) -> mpsc::Receiver<PickEvent> {
        let (tx, rx) = mpsc::channel();
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner()).push(tx);
        rx
    }

    fn tell(&self, event: PickEvent) {
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner()).retain(|tx| tx.send(event.clone()).is_ok());
    }

    fn withdraw(&self, id: u64) {
        let gone = {
            let mut st = self.lock();
            let before = st.1.len();
            st.1.retain(|p| p.dto.id != id);
            st.1.len() != before
        };
        if gone {
            self.tell(PickEvent::Done { id, minimize: false });
        }
    }

    /// The server is stopping: every UI waiting in `next_pick` is answered
    /// (with no pick) and every editor waiting is told, so that nothing
    /// holds the stop up.
    pub fn shut(&self) {
        let gone: Vec<Pending> = {
            let mut st = self.lock();
            st.2 += 1;
            std::mem::take(&mut st.1)
        };
        self.arrived.notify_all();
        for mut p in gone {
            if let Some(tx) = p.on_claim.take() {
                let _ = tx.send(());
            }
            if let Some(tx) = p.on_answer.take() {
                let _ = tx.send(Err(ApiError::new("stopping", "Ibid is stopping: ask again once it runs")));
            }
        }
    }

    /// The oldest pick no UI has taken, taken; waits up to `wait` for one
    /// (or until [`Picks::shut`]).
    fn next(&self, wait: Duration) -> Option<PickDto> {
        let deadline = Instant::now() + wait;
        let mut st = self.lock();
        let epoch = st.2;
        loop {
            if st.2 != epoch {
                return None;
            }
            if let Some(p) = st.1.iter_mut().find(|p| !p.claimed) {
                p.claimed = true;
                if let Some(tx) = p.on_claim.take() {
                    let _ = tx.send(());
                }
                return Some(p.dto.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            st = self.arrived.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// Reads a CAYW query's `selected`, `clipboard` and `minimize` (any
/// non-empty value is on, as in Better BibTeX).
fn flag(params: &std::collections::HashMap<String, String>, name: &str) -> bool {
    params.get(name).is_some_and(|v| !v.is_empty())
}

impl Api {
    /// The picks of this library's open UIs.
    pub fn picks(&self) -> &Picks {
        &self.picks
    }

    /// Registers a pick for a CAYW request's query parameters (`format`
    /// and its options; `selected`, `clipboard`, `minimize`). A request
    /// that cannot be answered is `invalid_input`, before any UI sees it.
    pub fn request_pick(&self, params: &std::collections::HashMap<String, String>) -> ApiResult<PickTicket<'_>> {
        let request = cayw::Request::from_params(params).map_err(|e| ApiError::new("invalid_input", e))?;
        let (claim_tx, claim_rx) = oneshot::channel();
        let (answer_tx, answer_rx) = oneshot::channel();
        let id = {
            let mut st = self.picks.lock();
            st.0 += 1;
            let id = st.0;
            let format = params.get("format").map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).unwrap_or_else(|| "pandoc".into());
            st.1.push(Pending {
                dto: PickDto { id, format, selected: flag(params, "selected"), clipboard: flag(params, "clipboard") },
                request,
                minimize: flag(params, "minimize"),
                claimed: false,
                on_claim: Some(claim_tx),
                on_answer: Some(answer_tx),
            });
            id
        };
        self.picks.arrived.notify_all();
        self.picks.tell(PickEvent::Requested(id));
        Ok(PickTicket { id, picks: &self.picks, claimed: Some(claim_rx), answer: Some(answer_rx) })
    }

    /// `next_pick`: the next pick for this UI to show, or `None` when none
    /// came within `wait_ms` (default and at most 30 s). A UI calls it again
    /// at once: that is how it hears of picks.
    pub fn next_pick(&self, args: NextPick) -> ApiResult<Option<PickDto>> {
        let wait = Duration::from_millis(args.wait_ms.unwrap_or(30_000).min(30_000));
        Ok(self.picks.next(wait))
    }

    /// `answer_pick`: formats the chosen works as the editor asked and sends
    /// them; the same text comes back (to copy, when asked). A formatting
    /// error goes to both.
    pub fn answer_pick(&self, args: AnswerPick) -> ApiResult<PickAnswered> {
        let (request, tx, minimize) = {
            let mut st = self.picks.lock();
            let Some(i) = st.1.iter().position(|p| p.dto.id == args.id) else {
                return Err(ApiError::new("not_found", "the editor is no longer waiting for this pick"));
            };
            let mut p = st.1.remove(i);
            (p.request, p.on_answer.take(), p.minimize)
        };
        let answer = match args.citations {
            None => Ok(String::new()),
            Some(c) => self.pick_text(&request, &c),
        };
        if let Some(tx) = tx {
            let _ = tx.send(answer.clone());
        }
        self.picks.tell(PickEvent::Done { id: args.id, minimize });
        answer.map(|text| PickAnswered { text })
    }

    /// The text of `picked` for a CAYW request.
    fn pick_text(&self, request: &cayw::Request, picked: &[PickedCitation]) -> ApiResult<String> {
        if picked.is_empty() {
            return Ok(String::new());
        }
        let keys: Vec<String> = picked.iter().map(|p| p.key.clone()).collect();
        match request {
            cayw::Request::Keys(style) => {
                let citekeys = self.citation_keys(&keys)?;
                let picked: Vec<cayw::Picked> = picked
                    .iter()
                    .zip(citekeys)
                    .map(|(p, key)| cayw::Picked {
                        key,
                        locator: p.locator.clone(),
                        prefix: p.prefix.clone(),
                        suffix: p.suffix.clone(),
                        suppress_author: p.suppress_author,
                    })
                    .collect();
                Ok(cayw::format_keys(&picked, style))
            }
            cayw::Request::FormattedCitation { style } | cayw::Request::FormattedBibliography { style } => {
                let kind = if matches!(request, cayw::Request::FormattedCitation { .. }) { "citation" } else { "bibliography" };
                let args = CitationArgs { keys, style: style.clone(), locale: None, kind: kind.into(), format: "text".into() };
                Ok(self.format_citation(args)?.text)
            }
            cayw::Request::Translate { format } => {
                let args = ExportArgs {
                    scope: ExportScope { keys: Some(keys), ..Default::default() },
                    format: format.clone(),
                    style: None,
                    locale: None,
                    latex: false,
                    limit: None,
                };
                Ok(self.export(args)?.text)
            }
        }
    }
}
