//! The auto-exports' background refresh: a command that changes the library
//! answers at once and asks for a refresh; one thread per [`crate::Api`]
//! runs the refreshes, one at a time (never two of the same file at once),
//! and requests that come while one is waiting or running are served by the
//! next one (many quick edits: one refresh after them). Whoever needs the
//! files current waits for the refreshes asked for so far ([`Refresher::flush`]):
//! tests, `POST /api/items`, and the shells when they close.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the refresher waits for the requests to stop before it
/// refreshes (each new request restarts the wait)…
pub(crate) const QUIET: Duration = Duration::from_millis(100);
/// …but not longer than this after the first request it has not served.
pub(crate) const AT_MOST: Duration = Duration::from_secs(1);

/// How many refreshes were asked for and run, since the API was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AutoExportCounts {
    /// Requests (one per command that changed the library, one per lookup job's end).
    pub requested: u64,
    /// Passes over every auto-export (fewer than requests: quick ones are served together).
    pub refreshed: u64,
}

#[derive(Default)]
struct State {
    /// Requests so far.
    requested: u64,
    /// The requests served: every request up to this one was made before a
    /// refresh that has finished started.
    served: u64,
    /// Refreshes run.
    runs: u64,
    /// When the oldest request not yet taken up came, and the latest.
    first_pending: Option<Instant>,
    last_request: Option<Instant>,
    /// Callers waiting in `flush`: then the refresher does not wait for quiet.
    flushing: usize,
    worker: Option<JoinHandle<()>>,
    /// The API is closing: no new thread; requests are served in the caller.
    stopping: bool,
}

pub(crate) struct Refresher {
    state: Mutex<State>,
    wake: Condvar,
    /// Held while a refresh runs: one at a time, wherever it runs.
    running: Mutex<()>,
    job: Box<dyn Fn() + Send + Sync>,
}

impl Refresher {
    /// A refresher that runs `job` (a pass over every auto-export) on its own
    /// thread, started at the first request.
    pub(crate) fn new(job: impl Fn() + Send + Sync + 'static) -> Arc<Refresher> {
        Arc::new(Refresher { state: Mutex::new(State::default()), wake: Condvar::new(), running: Mutex::new(()), job: Box::new(job) })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for a refresh after a change (already committed) and returns;
    /// when no thread can take it (none can be started, or the API is
    /// closing), the refresh runs here, before returning.
    pub(crate) fn request(self: &Arc<Self>) {
        let mut s = self.state();
        s.requested += 1;
        let now = Instant::now();
        s.first_pending.get_or_insert(now);
        s.last_request = Some(now);
        if s.worker.is_none() && !s.stopping {
            let me = Arc::clone(self);
            match std::thread::Builder::new().name("ibid-auto-export".into()).spawn(move || me.run()) {
                Ok(handle) => s.worker = Some(handle),
                Err(e) => {
                    tracing::warn!("cannot start the auto-export thread ({e}); refreshing in the caller");
                    s.stopping = true;
                }
            }
        }
        if s.stopping {
            let target = s.requested;
            drop(s);
            self.run_once(target);
            return;
        }
        drop(s);
        self.wake.notify_all();
    }

    /// Waits until every refresh requested so far has been run.
    pub(crate) fn flush(&self) {
        let mut s = self.state();
        let target = s.requested;
        s.flushing += 1;
        self.wake.notify_all();
        while s.served < target {
            s = self.wake.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.flushing -= 1;
    }

    pub(crate) fn counts(&self) -> AutoExportCounts {
        let s = self.state();
        AutoExportCounts { requested: s.requested, refreshed: s.runs }
    }

    /// Serves what was asked for, then stops the thread (the API is closing).
    pub(crate) fn stop(&self) {
        let worker = {
            let mut s = self.state();
            s.stopping = true;
            s.worker.take()
        };
        self.wake.notify_all();
        if let Some(w) = worker {
            if w.thread().id() != std::thread::current().id() {
                let _ = w.join();
            }
        }
    }

    /// One refresh serving the requests up to `target`. A refresh that
    /// panicked still counts as run (its error is logged): a `flush` must
    /// not wait forever.
    fn run_once(&self, target: u64) {
        {
            let _one = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.job)())).is_err() {
                tracing::error!("an auto-export refresh panicked");
            }
        }
        let mut s = self.state();
        s.runs += 1;
        s.served = s.served.max(target);
        drop(s);
        self.wake.notify_all();
    }

    fn run(&self) {
        loop {
            let target = {
                let mut s = self.state();
                loop {
                    if s.served < s.requested {
                        // Wait for quiet, unless someone is waiting for the
                        // files or the API is closing.
                        let now = Instant::now();
                        let quiet_at = s.last_request.map_or(now, |t| t + QUIET);
                        let latest = s.first_pending.map_or(now, |t| t + AT_MOST);
                        let due = quiet_at.min(latest);
                        if s.flushing > 0 || s.stopping || now >= due {
                            break;
                        }
                        s = self.wake.wait_timeout(s, due - now).unwrap_or_else(|p| p.into_inner()).0;
                    } else if s.stopping {
                        return;
                    } else {
                        s = self.wake.wait(s).unwrap_or_else(|p| p.into_inner());
                    }
                }
                // Requests from now on wait for the next refresh.
                s.first_pending = None;
                s.requested
            };
            // The changes of every request up to `target` were committed
            // before it was made, so before this refresh reads the library.
            self.run_once(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    use super::*;

    /// Requests that come while a refresh runs are served by one refresh
    /// after it; refreshes never overlap; `flush` returns only when the
    /// requests made before it are served; `stop` serves the rest first.
    #[test]
    fn requests_during_a_refresh_are_served_by_one_refresh_after_it() {
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let started_tx = Mutex::new(started_tx);
        let go_rx = Mutex::new(go_rx);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (r, m) = (Arc::clone(&running), Arc::clone(&most));
        let refresher = Refresher::new(move || {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            started_tx.lock().unwrap().send(()).unwrap();
            go_rx.lock().unwrap().recv().unwrap();
            r.fetch_sub(1, Ordering::SeqCst);
        });
        refresher.request();
        // The first refresh runs (after its quiet time) and is held there.
        started_rx.recv().unwrap();
        for _ in 0..10 {
            refresher.request();
        }
        assert_eq!(refresher.counts(), AutoExportCounts { requested: 11, refreshed: 0 });
        let flusher = {
            let refresher = Arc::clone(&refresher);
            std::thread::spawn(move || {
                refresher.flush();
                refresher.counts()
            })
        };
        go_tx.send(()).unwrap();
        // One more refresh serves the ten (the flush skips the quiet time).
        started_rx.recv().unwrap();
        go_tx.send(()).unwrap();
        assert_eq!(flusher.join().unwrap(), AutoExportCounts { requested: 11, refreshed: 2 });
        assert_eq!(most.load(Ordering::SeqCst), 1, "never two refreshes at once");

        refresher.request();
        let stopper = {
            let refresher = Arc::clone(&refresher);
            std::thread::spawn(move || refresher.stop())
        };
        started_rx.recv().unwrap();
        go_tx.send(()).unwrap();
        stopper.join().unwrap();
        assert_eq!(refresher.counts(), AutoExportCounts { requested: 12, refreshed: 3 }, "stopping served the last request");
        refresher.flush();
    }
}
