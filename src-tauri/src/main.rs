//! `ibid-desktop`: Ibid's desktop window. A Tauri webview showing `ui/dist`
//! over `ibid_api::Api`; see `commands.rs` for the commands it offers.
//!
//! Usage: `ibid-desktop [--library PATH]` (else `$IBID_LIBRARY`, else
//! `~/.local/share/ibid/library.sqlite`, the CLI's rule).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod command_names;
mod commands;
mod shortcut;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use tauri::webview::NewWindowResponse;
use tauri::{Url, WebviewWindowBuilder};

use commands::AppState;

// The same allocator as the `ibid` CLI (see its main.rs and BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;


/// Without a GPU (no DRM render node: a virtual machine, a remote desktop,
/// CI) WebKitGTK composites the page with software GL, which cost the web
/// process about 80 MB at 1M works for nothing a list of references needs
/// (BENCHMARKS.md, issue 8); its non-composited mode is the lighter one
/// there. A value the user set wins. First thing in `main`, before any
/// thread is started (the web process inherits the environment).
#[cfg(target_os = "linux")]
fn software_rendering_defaults() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let render_node = std::fs::read_dir("/dev/dri")
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false);
    if !render_node {
        std::env::set_var(VAR, "1");
    }
}

/// The label of the one window; `capabilities/main.json` is for it only.
const MAIN_WINDOW: &str = "main";

fn main() -> ExitCode {
    ibid_api::no_huge_pages();
    #[cfg(target_os = "linux")]
    software_rendering_defaults();
    let path = match library_path(std::env::args_os().skip(1), std::env::var_os("IBID_LIBRARY")) {
        Ok(p) => p,
        Err(message) => return fail(&message),
    };
    let api = match ibid_api::Api::open(&path) {
        Ok(api) => api,
        Err(e) if e.message.contains(&path.display().to_string()) => {
            return fail(&format!("cannot open the library: {}", e.message))
        }
        Err(e) => return fail(&format!("cannot open the library {}: {}", path.display(), e.message)),
    };

    // Tauri panics when GTK cannot start; say why instead.
    #[cfg(target_os = "linux")]
    if gtk::init().is_err() {
        return fail("cannot open a window: no display found (is DISPLAY or WAYLAND_DISPLAY set?)");
    }

    let api = Arc::new(api);
    // Two minutes after the launch, not during it.
    ibid_api::start_daily_backup(path.clone(), std::time::Duration::from_secs(120));
    start_local_api(Arc::clone(&api));
    let picks = api.picks().subscribe();
    let on_exit = Arc::clone(&api);
    let built = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .manage(AppState { api: Arc::clone(&api) })
        .manage(shortcut::ShortcutSlot::default())
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == MAIN_WINDOW)
                .ok_or("tauri.conf.json has no window labelled \"main\"")?
                .clone();
            WebviewWindowBuilder::from_config(app.handle(), &config)?
                .on_navigation(|url| {
                    if is_app_url(url) {
                        return true;
                    }
                    open_externally(url);
                    false
                })
                .on_new_window(|url, _features| {
                    open_externally(&url);
                    NewWindowResponse::Deny
                })
                .build()?;
            raise_for_picks(app.handle().clone(), picks);
            // The system-wide shortcut that opens quick lookup.
            shortcut::start(app.handle(), &api);
            Ok(())
        })
        .build(tauri::generate_context!());
    match built {
        Ok(app) => {
            app.run(move |_, event| {
                if let tauri::RunEvent::Exit = event {
                    // The auto-export refreshes the last edits asked for
                    // (in the background) are written before the app goes.
                    on_exit.flush_auto_exports();
                }
            });
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("cannot start the window: {e}")),
    }
}

/// The local API for editors (what `ibid serve` serves, on the window's
/// library), on while the window is open: 127.0.0.1:4719, or
/// `$IBID_API_PORT` (`0`: off); writes need the token in
/// `~/.config/ibid/api-token` (or `$IBID_TOKEN_FILE`). When the port is
/// taken (`ibid serve` running), the window opens without it and says so.
/// The same server also listens on Better BibTeX's port 23119 (or
/// `$IBID_BBT_PORT`, `0`: not) for editor plugins made for Zotero.
fn start_local_api(api: Arc<ibid_api::Api>) {
    let port = match std::env::var("IBID_API_PORT") {
        Err(_) => ibid_server::DEFAULT_PORT,
        Ok(p) => match p.trim().parse::<u16>() {
            Ok(0) => return,
            Ok(p) => p,
            Err(_) => {
                eprintln!("ibid: IBID_API_PORT={p:?} is not a port; the local API is off");
                return;
            }
        },
    };
    let token_file = match std::env::var_os("IBID_TOKEN_FILE").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => match ibid_server::default_token_file() {
            Some(p) => p,
            None => {
                eprintln!("ibid: no config folder for the API token; the local API is off");
                return;
            }
        },
    };
    // `$IBID_BBT_PORT`: where Better BibTeX's endpoints are also served
    // (default its own, 23119; `0`: not).
    let bbt_port = match std::env::var("IBID_BBT_PORT") {
        Err(_) => Some(ibid_server::BBT_PORT),
        Ok(p) => match p.trim().parse::<u16>() {
            Ok(0) => None,
            Ok(p) if p == port => None,
            Ok(p) => Some(p),
            Err(_) => {
                eprintln!("ibid: IBID_BBT_PORT={p:?} is not a port; Better BibTeX's port is off");
                None
            }
        },
    };
    let port_main = port;
    let started = std::thread::Builder::new().name("ibid-local-api".into()).spawn(move || {
        let token = match ibid_server::load_or_create_token(&token_file) {
            Ok(t) => t,
            Err(e) => return eprintln!("ibid: the local API is off: the token file {}: {e}", token_file.display()),
        };
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => return eprintln!("ibid: the local API is off: {e}"),
        };
        rt.block_on(async move {
            let main = async {
                match ibid_server::bind_loopback(port).await {
                    Ok(listener) => {
                        let opts = ibid_server::ServeOptions { token: token.clone(), ..Default::default() };
                        if let Err(e) = ibid_server::serve(Arc::clone(&api), listener, opts).await {
                            eprintln!("ibid: the local API stopped: {e}");
                        }
                    }
                    Err(e) => eprintln!("ibid: the local API is off: cannot listen on 127.0.0.1:{port} ({e}); is `ibid serve` running?"),
                }
            };
            // Better BibTeX's port too, so that editor plugins made for
            // Zotero find the picker where they look; Zotero may hold it.
            let bbt = async {
                let Some(port) = bbt_port else { return };
                match ibid_server::bind_loopback(port).await {
                    Ok(listener) => {
                        let opts = ibid_server::ServeOptions { token: token.clone(), ..Default::default() };
                        if let Err(e) = ibid_server::serve(Arc::clone(&api), listener, opts).await {
                            eprintln!("ibid: the Better BibTeX port stopped: {e}");
                        }
                    }
                    Err(e) => eprintln!("ibid: not on Better BibTeX's port 127.0.0.1:{port} ({e}; is Zotero running?): editors find Ibid on {port_main}", port_main = port_main),
                }
            };
            tokio::join!(main, bbt);
        });
    });
    if let Err(e) = started {
        eprintln!("ibid: the local API is off: {e}");
    }
}

/// Brings the window forward from wherever it is (minimized, hidden, behind
/// the writer's editor): for the shortcut and for an editor's pick.
pub(crate) fn raise_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else { return };
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
}

/// An editor's "cite as you write" raises the window (its UI is already
/// waiting for the pick with `next_pick` and shows the palette); when the
/// editor asked for it (`minimize`), the window gets out of the way after.
fn raise_for_picks(app: tauri::AppHandle, picks: std::sync::mpsc::Receiver<ibid_api::PickEvent>) {
    use tauri::Manager;
    let spawned = std::thread::Builder::new().name("ibid-picks".into()).spawn(move || {
        for event in picks {
            match event {
                ibid_api::PickEvent::Requested(_) => raise_window(&app),
                ibid_api::PickEvent::Done { minimize: true, .. } => {
                    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                        let _ = window.minimize();
                    }
                }
                ibid_api::PickEvent::Done { .. } => {}
            }
        }
    });
    if let Err(e) = spawned {
        eprintln!("ibid: picks from editors will not raise the window: {e}");
    }
}

/// Where the library is: `--library PATH` (or `--library=PATH`), else
/// `$IBID_LIBRARY` when set and not empty, else the platform data folder.
/// Other arguments are ignored (a WebDriver may add its own).
fn library_path(args: impl IntoIterator<Item = OsString>, env: Option<OsString>) -> Result<PathBuf, String> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--library" {
            return match args.next() {
                Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
                _ => Err("--library needs a path: ibid-desktop --library PATH".into()),
            };
        }
        if let Some(p) = arg.to_str().and_then(|a| a.strip_prefix("--library=")) {
            if p.is_empty() {
                return Err("--library needs a path: ibid-desktop --library PATH".into());
            }
            return Ok(PathBuf::from(p));
        }
    }
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "ibid")
        .map(|d| d.data_dir().join("library.sqlite"))
        .ok_or_else(|| "no home folder found; pass --library PATH or set IBID_LIBRARY".into())
}

/// The app's own pages: `tauri://localhost` (Linux, macOS) or
/// `http(s)://tauri.localhost` (Windows, Android).
fn is_app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        "about" => url.path() == "blank",
        _ => false,
    }
}

/// Links to the web and mail go to the system's browser or mail program;
/// anything else (file:, javascript:, data:…) is simply refused.
fn open_externally(url: &Url) {
    if matches!(url.scheme(), "http" | "https" | "mailto") {
        if let Err(e) = tauri_plugin_opener::open_url(url.as_str(), None::<&str>) {
            eprintln!("ibid-desktop: cannot open {url}: {e}");
        }
    }
}

/// Reports an error that keeps the window from opening: one line on
/// standard error and, when not started from a terminal, a message box.
fn fail(message: &str) -> ExitCode {
    eprintln!("ibid-desktop: {message}");
    if !std::io::stderr().is_terminal() {
        show_error_dialog(message);
    }
    ExitCode::from(1)
}

#[cfg(target_os = "linux")]
fn show_error_dialog(message: &str) {
    use gtk::prelude::*;
    if gtk::init().is_err() {
        return; // no display: standard error is all there is
    }
    let dialog = gtk::MessageDialog::new(
        None::<&gtk::Window>,
        gtk::DialogFlags::MODAL,
        gtk::MessageType::Error,
        gtk::ButtonsType::Close,
        "Ibid cannot start",
    );
    dialog.set_title("Ibid");
    dialog.set_secondary_text(Some(message));
    dialog.run();
    dialog.close();
}

#[cfg(not(target_os = "linux"))]
fn show_error_dialog(_message: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn library_from_argument_then_env_then_default() {
        assert_eq!(library_path(args(&["--library", "/a.sqlite"]), Some("/b".into())).unwrap(), PathBuf::from("/a.sqlite"));
        assert_eq!(library_path(args(&["--library=/a.sqlite"]), None).unwrap(), PathBuf::from("/a.sqlite"));
        assert_eq!(library_path(args(&["--automation", "--library", "/a"]), None).unwrap(), PathBuf::from("/a"));
        assert_eq!(library_path(args(&[]), Some("/b.sqlite".into())).unwrap(), PathBuf::from("/b.sqlite"));
        let default = library_path(args(&[]), Some("".into())).unwrap();
        assert!(default.ends_with("ibid/library.sqlite"), "{}", default.display());
        assert!(library_path(args(&["--library"]), None).is_err());
        assert!(library_path(args(&["--library="]), None).is_err());
    }

    #[test]
    fn only_app_pages_load_in_the_window() {
        let ok = |u: &str| is_app_url(&Url::parse(u).unwrap());
        assert!(ok("tauri://localhost/"));
        assert!(ok("tauri://localhost/index.html#/item/ABCD1234"));
        assert!(ok("http://tauri.localhost/"));
        assert!(ok("about:blank"));
        assert!(!ok("https://doi.org/10.1000/1"));
        assert!(!ok("http://localhost:1420/"));
        assert!(!ok("tauri://evil.example/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("data:text/html,hi"));
    }
}
