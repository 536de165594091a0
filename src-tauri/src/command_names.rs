//! The Tauri commands this shell registers: one per `ibid_api::COMMANDS`
//! name. `build.rs` includes this file too, so every name here gets its own
//! `allow-<name>` permission; a test checks that this list, the registered
//! wrappers, the permissions and the capability all match `ibid_api::COMMANDS`.

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
];
