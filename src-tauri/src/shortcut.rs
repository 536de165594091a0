//! The system-wide shortcut that opens quick lookup from any program
//! (tauri-plugin-global-shortcut, registered here in Rust; the page gets no
//! permission of the plugin's own). It is kept with the library as the
//! setting [`SETTING`] (default [`DEFAULT`]; an empty value turns it off).
//! When pressed, the window is shown, unminimized and focused, then told by
//! the event [`EVENT`] to open the palette (`bridge.onQuickLookup` in the UI).
//!
//! Two commands of the desktop's own, each with its own permission like the
//! API's: `quick_lookup_shortcut` (what is set, and whether it works) and
//! `set_quick_lookup_shortcut` (an invalid or taken shortcut is refused with
//! `{code, message}` and the one before stays).

use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use ibid_api::{Api, ApiError};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Modifiers, Shortcut, ShortcutState};

use crate::commands::{blocking, AppState};
use crate::MAIN_WINDOW;

/// The library setting that holds the shortcut.
pub const SETTING: &str = "desktop.quick_lookup_shortcut";
/// Ctrl+Alt+K (⌘⌥K on macOS): the window's Ctrl+K, plus Alt from anywhere.
/// Not Ctrl+Alt+C: that is LibreOffice Writer's Insert Comment and Word's ©,
/// the programs one cites from.
pub const DEFAULT: &str = "CommandOrControl+Alt+K";
/// The event the window gets when the shortcut is pressed.
pub const EVENT: &str = "quick-lookup";

/// What Settings shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShortcutInfo {
    /// As set (`CommandOrControl+Alt+K`); empty: off.
    pub shortcut: String,
    /// What it is when never set.
    pub default: String,
    /// Whether it is registered now.
    pub active: bool,
    /// Why it is not, when it should be (taken by another program at start).
    pub error: Option<String>,
}

/// `set_quick_lookup_shortcut`'s argument.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SetShortcut {
    /// Modifiers and one key, `+` between: `CommandOrControl+Alt+K`,
    /// `Ctrl+Shift+Space`, `Super+F9`; empty turns it off.
    pub shortcut: String,
}

/// The shortcut as registered now.
#[derive(Default)]
pub struct ShortcutSlot(Mutex<Current>);

#[derive(Default)]
struct Current {
    text: String,
    registered: Option<Shortcut>,
    error: Option<String>,
}

impl ShortcutSlot {
    fn lock(&self) -> MutexGuard<'_, Current> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn info(&self) -> ShortcutInfo {
        let c = self.lock();
        ShortcutInfo { shortcut: c.text.clone(), default: DEFAULT.into(), active: c.registered.is_some(), error: c.error.clone() }
    }
}

fn error(code: &str, message: String) -> ApiError {
    ApiError { code: code.into(), message }
}

/// A shortcut from its text: `None` for off (empty). `invalid_shortcut` when
/// it does not parse, or has no Ctrl, Alt or Super (it would take a key or
/// Shift+key from every program).
pub fn parse(text: &str) -> Result<Option<Shortcut>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let shortcut = Shortcut::from_str(text)
        .map_err(|e| error("invalid_shortcut", format!("“{text}” is not a shortcut ({e}); write modifiers then one key, as {DEFAULT}")))?;
    if !shortcut.mods.intersects(Modifiers::CONTROL | Modifiers::ALT | Modifiers::SUPER) {
        return Err(error(
            "invalid_shortcut",
            format!("“{text}” has no Ctrl, Alt or Super (Command): it would take that key from every program; add one"),
        ));
    }
    Ok(Some(shortcut))
}

/// Shows, unminimizes and focuses the window, then tells it to open the palette.
fn open_quick_lookup<R: Runtime>(app: &AppHandle<R>) {
    crate::raise_window(app);
    if let Err(e) = app.emit_to(MAIN_WINDOW, EVENT, ()) {
        eprintln!("ibid-desktop: cannot open quick lookup: {e}");
    }
}

/// Registers `shortcut`; `shortcut_taken` when the system refuses it
/// (another program or the desktop has it).
fn register<R: Runtime>(app: &AppHandle<R>, shortcut: Shortcut, text: &str) -> Result<(), ApiError> {
    app.global_shortcut()
        .on_shortcut(shortcut, |app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                open_quick_lookup(app);
            }
        })
        .map_err(|e| error("shortcut_taken", format!("{text} cannot be used: another program or the desktop has it ({e}); choose another")))
}

/// At start: the library's shortcut (or the default), registered. When it
/// cannot be, the window opens all the same and Settings says why.
pub fn start<R: Runtime>(app: &AppHandle<R>, api: &Api) {
    let slot = app.state::<ShortcutSlot>();
    let text = match api.setting(SETTING) {
        Ok(Some(t)) => t,
        Ok(None) => DEFAULT.to_string(),
        Err(e) => {
            eprintln!("ibid-desktop: cannot read the quick-lookup shortcut: {}", e.message);
            DEFAULT.to_string()
        }
    };
    let mut current = slot.lock();
    current.text = text.trim().to_string();
    match parse(&text).and_then(|s| s.map(|s| register(app, s, text.trim()).map(|()| s)).transpose()) {
        Ok(registered) => current.registered = registered,
        Err(e) => {
            eprintln!("ibid-desktop: the quick-lookup shortcut is off: {}", e.message);
            current.error = Some(e.message);
        }
    }
}

/// Changes the shortcut: the new one is registered before the old one goes,
/// so a refusal keeps the old one working.
fn set<R: Runtime>(app: &AppHandle<R>, api: &Api, slot: &ShortcutSlot, text: &str) -> Result<(), ApiError> {
    let text = text.trim();
    let new = parse(text)?;
    let mut current = slot.lock();
    let old = current.registered;
    let same = matches!((old, new), (Some(a), Some(b)) if a.id() == b.id());
    if let (Some(s), false) = (new, same) {
        register(app, s, text)?;
    }
    if let Err(e) = api.set_setting(SETTING, Some(text)) {
        // Not kept: back to the old one.
        if let (Some(s), false) = (new, same) {
            let _ = app.global_shortcut().unregister(s);
        }
        return Err(e);
    }
    if let (Some(o), false) = (old, same) {
        if let Err(e) = app.global_shortcut().unregister(o) {
            eprintln!("ibid-desktop: cannot release the old quick-lookup shortcut: {e}");
        }
    }
    *current = Current { text: text.to_string(), registered: new, error: None };
    Ok(())
}

/// The shortcut that opens quick lookup from any program, and whether it works.
#[tauri::command]
pub async fn quick_lookup_shortcut(slot: tauri::State<'_, ShortcutSlot>) -> Result<ShortcutInfo, ApiError> {
    Ok(slot.info())
}

/// Sets it (empty: off); registering and releasing wait for the main thread,
/// so this runs on the blocking pool.
#[tauri::command]
pub async fn set_quick_lookup_shortcut<R: Runtime>(app: AppHandle<R>, args: SetShortcut) -> Result<ShortcutInfo, ApiError> {
    blocking(move || {
        let api: Arc<Api> = Arc::clone(&app.state::<AppState>().api);
        let slot = app.state::<ShortcutSlot>();
        set(&app, &api, &slot, &args.shortcut)?;
        Ok(slot.info())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_need_a_modifier_that_is_not_shift() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("  ").unwrap(), None);
        for ok in [DEFAULT, "Ctrl+Alt+K", "ctrl+shift+space", "Super+F9", "Alt+Shift+KeyJ", "CmdOrCtrl+Alt+Comma"] {
            assert!(parse(ok).unwrap().is_some(), "{ok}");
        }
        for (bad, why) in [("K", "no Ctrl"), ("Shift+K", "no Ctrl"), ("Ctrl+Alt", "not a shortcut"), ("Ctrl+Nope", "not a shortcut"), ("Ctrl+K+J", "not a shortcut"), ("Ctrl++", "not a shortcut")] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_shortcut", "{bad}");
            assert!(e.message.contains(why) && e.message.contains(bad), "{bad}: {}", e.message);
        }
    }
}
