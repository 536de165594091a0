//! `ibid serve` as a real process: it says where it listens on one line of
//! standard output, answers there, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Kills the server when the test ends, even when an assertion failed.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_its_address_and_answers_there() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_ibid"))
            .arg("--library")
            .arg(&lib)
            .args(["serve", "--port", "0"])
            .env_remove("IBID_LIBRARY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run ibid serve"),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on http://127.0.0.1:PORT`, got {line:?}"))
        .to_string();
    let port: u16 = base.strip_prefix("http://127.0.0.1:").and_then(|p| p.parse().ok()).expect(&base);
    assert_ne!(port, 0);

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().into();
    // The socket is bound before the line is printed; poll anyway, briefly.
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent.get(format!("{base}/api/health")).call().map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "{base}/api/health never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut res = agent.post(format!("{base}/api/cmd/library_info")).send_empty().unwrap();
    assert_eq!(res.status(), 200);
    let info: Value = res.body_mut().read_json().unwrap();
    assert_eq!(info["count"], 0);
    assert_eq!(info["path"], json!(lib.display().to_string()));

    // SIGTERM: a graceful stop, exit status 0.
    #[cfg(unix)]
    {
        let pid = server.0.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child, which has not been waited for.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = server.0.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "ibid serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "ibid serve exited with {status} on SIGTERM");
    }
}

#[test]
fn serve_refuses_a_missing_ui_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ibid"))
        .arg("--library")
        .arg(tmp.path().join("lib.sqlite"))
        .args(["serve", "--port", "0", "--ui"])
        .arg(tmp.path().join("no-such-ui"))
        .env_remove("IBID_LIBRARY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--ui") && err.contains("not a folder"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
}
