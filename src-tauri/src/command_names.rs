//! The Tauri commands this shell registers: one per `ibid_api::COMMANDS`
//! name. `build.rs` includes this file too, so every name here gets its own
//! `allow-<name>` permission; a test checks that this list, the registered
//! wrappers, the permissions and the capability all match `ibid_api::COMMANDS`
//! (and `DESKTOP_COMMAND_NAMES` the desktop's own commands).

pub const COMMAND_NAMES: &[&str] = &[
    "library_info",
    "list_keys",
    "rows",
    "search",
    "get_detail",
    "update_field",
    "set_creators",
    "retag",
    "tags",
    "collections",
    "create_collection",
    "add_to_collection",
    "remove_from_collection",
    "delete_collection",
    "trash",
    "restore",
    "new_item",
    "import_csl_json",
    "add_note",
    "attach",
    "add_identifiers",
    "add_job",
    "styles",
    "export",
    "save_export",
    "format_citation",
    "import_text",
    "cited_works",
    "cited_by",
    "paste_notes",
    "next_pick",
    "answer_pick",
    "auto_exports",
    "add_auto_export",
    "remove_auto_export",
    "find_duplicates",
    "merge_duplicates",
    "undo_merge",
    "dismiss_duplicates",
    "undo_import",
];

/// The desktop's own commands (not `ibid_api`'s): the quick-lookup shortcut
/// (`src/shortcut.rs`). Each gets its own permission too.
pub const DESKTOP_COMMAND_NAMES: &[&str] = &["quick_lookup_shortcut", "set_quick_lookup_shortcut"];
