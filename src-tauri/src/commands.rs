//! One thin Tauri command per `ibid_api` command.
//!
//! The UI calls `invoke(name, { args })`; Tauri deserializes `args` into the
//! command's DTO, the wrapper runs the blocking core call on the blocking
//! thread pool, and the result (or an [`ApiError`] `{code, message}`) goes
//! back as JSON. No logic lives here: everything is in `ibid_api::Api`.

use std::sync::Arc;

use ibid_api::{
    AddAutoExport, AddIdentifiers, AddJob, AddNote, AddStarted, AnswerPick, Api, ApiError, Attach, AutoExportDto, AutoExportPath, Citation, CitationArgs, CitingWork,
    CollectionDto, CollectionItems, CollectionPath, Detail, Dismissed, Duplicates, ExportArgs, Exported, FieldEdit, Formatted, ImportFile, ImportResult, ImportText, ImportUndone, JobArgs, KeyArgs, KeyList,
    KeysArgs, LibraryInfo, MergeDuplicates, MergeUndone, Merged, NewItem, NextPick, PasteNotes, PickAnswered, PickDto, Retag, Row, SaveExport,
    Saved, Scope, SearchArgs, SetCreators, StyleList, TagDto, UndoMerge,
};

/// The state every command shares: the open library. `Api` locks its
/// connection inside each call, so no lock is held across an `.await` here.
pub struct AppState {
    pub api: Arc<Api>,
}

/// Runs a blocking core call off the async runtime's worker threads.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(ApiError { code: "internal".into(), message: format!("the command stopped unexpectedly: {e}") })
    })
}

use crate::shortcut;

/// `api { name(ArgsDto) -> ResultDto; or name() -> ResultDto; … }` for each
/// API command: generates `async fn name(state, args)` calling
/// `Api::name(args)`; `desktop { module::name, … }` adds the desktop's own
/// commands (written by hand there). Also the lists of registered names, and
/// the invoke handler with all of them.
macro_rules! commands {
    (
        api { $( $name:ident ( $($args:ty)? ) -> $out:ty; )* }
        desktop { $( $dmod:ident :: $dname:ident ),* $(,)? }
    ) => {
        $(
            #[tauri::command]
            pub async fn $name(
                state: tauri::State<'_, AppState>,
                $(args: $args,)?
            ) -> Result<$out, ApiError> {
                let api = Arc::clone(&state.api);
                blocking(move || {
                    let out = api.$name($(std::convert::identity::<$args>(args))?);
                    // After a change, the auto-exports follow it (in the
                    // background: the answer does not wait for them).
                    if out.is_ok() {
                        api.command_done(stringify!($name));
                    }
                    out
                })
                .await
            }
        )*

        /// The names of the API commands [`handler`] registers.
        #[cfg(test)]
        pub const REGISTERED: &[&str] = &[$(stringify!($name)),*];

        /// The names of the desktop's own commands [`handler`] registers.
        #[cfg(test)]
        pub const REGISTERED_DESKTOP: &[&str] = &[$(stringify!($dname)),*];

        /// The invoke handler with every command.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* $($dmod::$dname),*]
        }
    };
}

commands! {
    api {
    library_info() -> LibraryInfo;
    list_keys(Scope) -> KeyList;
    rows(KeysArgs) -> Vec<Row>;
    search(SearchArgs) -> Vec<Row>;
    get_detail(KeyArgs) -> Detail;
    update_field(FieldEdit) -> Detail;
    set_creators(SetCreators) -> Detail;
    retag(Retag) -> Detail;
    tags() -> Vec<TagDto>;
    collections() -> Vec<CollectionDto>;
    create_collection(CollectionPath) -> Vec<CollectionDto>;
    add_to_collection(CollectionItems) -> Vec<CollectionDto>;
    remove_from_collection(CollectionItems) -> Vec<CollectionDto>;
    delete_collection(KeyArgs) -> Vec<CollectionDto>;
    trash(KeysArgs) -> LibraryInfo;
    restore(KeysArgs) -> LibraryInfo;
    new_item(NewItem) -> Detail;
    import_csl_json(ImportText) -> ImportResult;
    add_note(AddNote) -> Detail;
    attach(Attach) -> Detail;
    add_identifiers(AddIdentifiers) -> AddStarted;
    add_job(JobArgs) -> AddJob;
    styles() -> StyleList;
    export(ExportArgs) -> Exported;
    save_export(SaveExport) -> Saved;
    format_citation(CitationArgs) -> Formatted;
    import_text(ImportFile) -> ImportResult;
    cited_works(KeyArgs) -> Vec<Citation>;
    cited_by(KeyArgs) -> Vec<CitingWork>;
    paste_notes(PasteNotes) -> Vec<Citation>;
    next_pick(NextPick) -> Option<PickDto>;
    answer_pick(AnswerPick) -> PickAnswered;
    auto_exports() -> Vec<AutoExportDto>;
    add_auto_export(AddAutoExport) -> AutoExportDto;
    remove_auto_export(AutoExportPath) -> Vec<AutoExportDto>;
    find_duplicates() -> Duplicates;
    merge_duplicates(MergeDuplicates) -> Merged;
    undo_merge(UndoMerge) -> MergeUndone;
    dismiss_duplicates(KeysArgs) -> Dismissed;
    undo_import(KeysArgs) -> ImportUndone;
    }
    desktop {
        shortcut::quick_lookup_shortcut,
        shortcut::set_quick_lookup_shortcut,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::{REGISTERED, REGISTERED_DESKTOP};
    use crate::command_names::{COMMAND_NAMES, DESKTOP_COMMAND_NAMES};

    fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        names.into_iter().map(str::to_string).collect()
    }

    fn api_commands() -> BTreeSet<String> {
        let api = set(ibid_api::COMMANDS.iter().copied());
        assert_eq!(api.len(), ibid_api::COMMANDS.len(), "ibid_api::COMMANDS has a name twice");
        api
    }

    /// Every API command has a registered Tauri wrapper, and no wrapper calls
    /// a command the API does not list.
    #[test]
    fn every_api_command_has_a_wrapper() {
        assert_eq!(set(REGISTERED.iter().copied()), api_commands(), "commands! in src/commands.rs vs ibid_api::COMMANDS");
        assert_eq!(REGISTERED.len(), ibid_api::COMMANDS.len(), "a wrapper is registered twice");
    }

    /// The desktop's own commands are registered, listed for build.rs, and
    /// none of them shadows an API command.
    #[test]
    fn every_desktop_command_is_listed() {
        assert_eq!(set(REGISTERED_DESKTOP.iter().copied()), set(DESKTOP_COMMAND_NAMES.iter().copied()), "desktop {{ … }} in commands! vs DESKTOP_COMMAND_NAMES");
        for name in DESKTOP_COMMAND_NAMES {
            assert!(!ibid_api::COMMANDS.contains(name), "{name} is an API command too");
        }
    }

    /// Every command (the API's and the desktop's own) gets its own
    /// permission from build.rs (which reads `command_names.rs`), and
    /// tauri-build wrote it.
    #[test]
    fn every_api_command_has_a_permission() {
        assert_eq!(set(COMMAND_NAMES.iter().copied()), api_commands(), "src/command_names.rs vs ibid_api::COMMANDS");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("permissions/autogenerated");
        for name in ibid_api::COMMANDS.iter().chain(DESKTOP_COMMAND_NAMES) {
            let file = dir.join(format!("{name}.toml"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("no permission file {} for {name}: {e}", file.display()));
            let id = format!("identifier = \"allow-{}\"", name.replace('_', "-"));
            assert!(text.contains(&id), "{} does not define {id}", file.display());
        }
    }

    /// The main window's capability grants exactly one `allow-<command>` per
    /// command, from the opener only opening paths and URLs, and from the
    /// event system only listening (the quick-lookup shortcut's event).
    #[test]
    fn capability_grants_exactly_the_commands() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
        let cap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(cap["windows"], serde_json::json!(["main"]), "the capability is for the main window only");
        let mut app = BTreeSet::new();
        let mut plugin = BTreeSet::new();
        for p in cap["permissions"].as_array().expect("permissions is a list") {
            let id = p.as_str().or_else(|| p["identifier"].as_str()).expect("a permission has an identifier");
            match id.split_once(':') {
                Some(_) => plugin.insert(id.to_string()),
                None => app.insert(id.to_string()),
            };
        }
        let expected: BTreeSet<String> =
            ibid_api::COMMANDS.iter().chain(DESKTOP_COMMAND_NAMES).map(|n| format!("allow-{}", n.replace('_', "-"))).collect();
        assert_eq!(app, expected);
        assert_eq!(plugin, set(["opener:allow-open-path", "opener:allow-open-url", "core:event:allow-listen", "core:event:allow-unlisten"]));
    }
}
