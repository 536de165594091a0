// The DTOs of crates/ibid-api (serde names). Keep in step with that file.

export interface LibraryInfo {
  path: string;
  count: number;
  trash_count: number;
  /** Opened read-only (a read-only disk or file): writes fail with `read_only`. */
  read_only: boolean;
}

export type SortKey = 'title' | 'creator' | 'year' | 'added' | 'modified' | 'type';

export interface Scope {
  sort?: SortKey;
  desc?: boolean;
  trash?: boolean;
  collection?: string;
  tag?: string;
}

export interface KeyList {
  /** Every key of the scope, 8 characters each, concatenated. */
  keys: string;
  count: number;
}

export interface Row {
  key: string;
  type: string;
  title: string;
  creators: string;
  year: number | null;
  /** Unix milliseconds. */
  added: number;
}

export interface LinkedWork {
  key: string;
  type: string;
  title: string;
}

export interface Note {
  key: string;
  body: string;
}

export interface Attachment {
  key: string;
  path: string;
  sha256: string;
  size: number;
}

export type CslName = { family?: string; given?: string; literal?: string; [k: string]: unknown };
export type CslValue = string | number | string[] | CslName[] | { [k: string]: unknown };
export type CslItem = Record<string, CslValue>;

export interface Detail {
  key: string;
  item: CslItem;
  own: CslItem;
  tags: string[];
  collections: string[];
  parent: LinkedWork | null;
  children: LinkedWork[];
  notes: Note[];
  attachments: Attachment[];
  trashed: boolean;
  /** Citations this work makes (its notes or reference list). */
  cites: number;
  /** Works that cite this one. */
  cited_by: number;
}

/** A work at the other end of a citation. */
export interface CitedWork {
  key: string;
  type: string;
  /** May carry publisher markup: render through the sanitizer. */
  title: string;
  creators: string;
  year: number | null;
  /** In the library's list; false for a work known only as cited. */
  standalone: boolean;
}

/** One citation a work makes, in note order. */
export interface Citation {
  note: number | null;
  position: number;
  form: 'full' | 'short' | 'ibid';
  locator: string | null;
  text: string;
  work: CitedWork | null;
}

/** A work that cites another, with each place it does. */
export interface CitingWork {
  work: CitedWork;
  citations: { note: number | null; form: 'full' | 'short' | 'ibid'; locator: string | null; text: string }[];
}

export interface CreatorDto {
  role: string;
  family?: string | null;
  given?: string | null;
  literal?: string | null;
}

export interface TagDto {
  name: string;
  count: number;
}

export interface CollectionDto {
  key: string;
  name: string;
  path: string;
  parent: string | null;
  count: number;
}

export interface ImportResult {
  added: string[];
  failed: { item: number; message: string }[];
}

/** `undo_import`: what became of the works an import added. */
export interface ImportUndone {
  /** Deleted as imported, with the containers (a chapter's book) no other work uses. */
  removed: number;
  /** Changed since the import (edited, tagged, noted…): moved to the Trash instead. */
  trashed: string[];
  /** Merged since into another work: left as they are. */
  kept: string[];
  /** No longer in the library. */
  missing: number;
}

/** `add_identifiers`: a background job resolving the identifiers found in the text. */
export interface AddJobStarted {
  job: string;
  total: number;
}

export type AddOutcome = 'added' | 'present' | 'failed';

/** One identifier's outcome (results arrive in completion order). */
export interface AddResult {
  /** The text it was found as (a URL, a bare DOI, an ISBN…). */
  input: string;
  /** Normalized: "doi:10.1007/…", "isbn:978…", "arxiv:2101.00001", "pmid:123". */
  identifier: string;
  outcome: AddOutcome;
  /** The work added, or the one already in the library. */
  key: string | null;
  title: string | null;
  /** Why it failed (error code and message), for `failed`. */
  code: string | null;
  message: string | null;
}

export interface AddJob {
  job: string;
  total: number;
  done: number;
  finished: boolean;
  results: AddResult[];
}

/** `styles`: every CSL style (by id) and locale the backend renders with. */
export interface StyleDto {
  id: string;
  title: string;
}

export interface StyleList {
  styles: StyleDto[];
  locales: string[];
}

export type ExportFormat = 'csl-json' | 'bibtex' | 'biblatex' | 'ris' | 'text' | 'html' | 'markdown' | 'rtf';

/** Which works an export covers: at most one field; none = the whole library. */
export interface ExportScope {
  keys?: string[];
  /** A collection's key (or path). */
  collection?: string;
  tag?: string;
  search?: string;
  /** What this work (by key) cites. */
  cited_by?: string;
}

export interface ExportArgs {
  scope?: ExportScope;
  format: ExportFormat;
  /** Style id, default "apa" (text, html, markdown, rtf). */
  style?: string;
  /** Default: the style's. */
  locale?: string;
  /** BibTeX/BibLaTeX with LaTeX accents instead of UTF-8. */
  latex?: boolean;
  /** Only the first N works (a preview). */
  limit?: number;
}

export interface Exported {
  /** The file's text; for html, entries escaped by the renderer (still sanitized before showing). */
  text: string;
  /** Works in the scope. */
  count: number;
  /** Works in `text`. */
  shown: number;
}

export interface SaveExportArgs extends ExportArgs {
  /** Absolute, or starting with ~/. */
  path: string;
  /** Replace an existing file (else the error code `exists`). */
  overwrite?: boolean;
}

/** How a citation is written: in a style (text, HTML, RTF), or by citation key. */
export type CitationFormat = 'text' | 'html' | 'rtf' | 'pandoc' | 'latex' | 'typst';

export interface CitationArgs {
  keys: string[];
  style?: string;
  locale?: string;
  kind: 'citation' | 'bibliography';
  format: CitationFormat;
}

/** One file kept in step with the library (`ibid auto-export add`), as Settings lists it. */
export interface AutoExport {
  /** Absolute. */
  path: string;
  format: 'bibtex' | 'biblatex' | 'csl-json' | 'ris';
  /** Which works, as one line: "My Library", "Collection: Cold War/Korea", "Tag: to-read"… */
  scope: string;
  /** Works in the file at the last write; null: never written. */
  entries: number | null;
  /** When the last refresh that wrote it started, unix milliseconds; null: never. */
  written_at: number | null;
  /** Why the last refresh failed; null once one succeeds. */
  last_error: string | null;
}

/** The system-wide quick-lookup shortcut (desktop only). */
export interface ShortcutInfo {
  /** As set, e.g. "CommandOrControl+Alt+K"; empty: off. */
  shortcut: string;
  default: string;
  /** Registered now. */
  active: boolean;
  /** Why it is not, when it should be. */
  error: string | null;
}

/** One work of a duplicate group. `title` may carry markup: render through the sanitizer. */
export interface DuplicateWork {
  key: string;
  type: string;
  title: string;
  creators: string;
  year: number | null;
  doi: string | null;
  container: string | null;
  added: number;
}

export interface DuplicateGroup {
  /** Oldest first: what `merge_duplicates` and `dismiss_duplicates` take. */
  keys: string[];
  /** 0–1: the weakest link between the group's works. */
  score: number;
  /** Merged by "Merge all confident groups". */
  confident: boolean;
  /** What matched: "doi", "isbn", "title". */
  reasons: string[];
  works: DuplicateWork[];
}

export interface Duplicates {
  /** Confident groups first, then by score. */
  groups: DuplicateGroup[];
  confident: number;
  /** The merge Undo would undo. */
  last_merge: number | null;
}

export interface Merged {
  batch: number;
  groups: number;
  merged: number;
  survivors: string[];
}

/** An error as it crosses the boundary: callers match on `code`. */
export interface ApiErrorShape {
  code: string;
  message: string;
}

/** Arguments and results of every command, by name. */
export interface Commands {
  library_info: [Record<string, never>, LibraryInfo];
  list_keys: [Scope, KeyList];
  rows: [{ keys: string[] }, Row[]];
  search: [{ q: string; limit?: number }, Row[]];
  get_detail: [{ key: string }, Detail];
  update_field: [{ key: string; field: string; value: string }, Detail];
  set_creators: [{ key: string; creators: CreatorDto[] }, Detail];
  retag: [{ key: string; add?: string[]; remove?: string[] }, Detail];
  tags: [Record<string, never>, TagDto[]];
  collections: [Record<string, never>, CollectionDto[]];
  create_collection: [{ path: string }, CollectionDto[]];
  add_to_collection: [{ collection: string; keys: string[] }, CollectionDto[]];
  remove_from_collection: [{ collection: string; keys: string[] }, CollectionDto[]];
  delete_collection: [{ key: string }, CollectionDto[]];
  trash: [{ keys: string[] }, LibraryInfo];
  restore: [{ keys: string[] }, LibraryInfo];
  new_item: [{ type: string; title: string; fields?: [string, string][] }, Detail];
  import_csl_json: [{ text: string }, ImportResult];
  add_note: [{ key: string; body: string }, Detail];
  attach: [{ key: string; path: string }, Detail];
  add_identifiers: [{ text: string }, AddJobStarted];
  add_job: [{ job: string }, AddJob];
  styles: [Record<string, never>, StyleList];
  export: [ExportArgs, Exported];
  save_export: [SaveExportArgs, { path: string; count: number }];
  format_citation: [CitationArgs, { text: string }];
  /** BibTeX, BibLaTeX, RIS or CSL-JSON text; the format sniffed unless given; `name` for messages. */
  import_text: [{ text: string; format?: string; name?: string }, ImportResult];
  /** Undoes an import (its `added` keys): the library as before it; works changed since go to the Trash. */
  undo_import: [{ keys: string[] }, ImportUndone];
  cited_works: [{ key: string }, Citation[]];
  cited_by: [{ key: string }, CitingWork[]];
  /** Numbered notes or a reference list (one per line); replaces the work's citations. */
  paste_notes: [{ key: string; text: string }, Citation[]];
  auto_exports: [Record<string, never>, AutoExport[]];
  /** Keeps a file in step from now on (written at once; `exists` unless `overwrite`). */
  add_auto_export: [{ path: string; format: AutoExport['format']; scope?: ExportScope; overwrite?: boolean }, AutoExport];
  /** Stops keeping the file in step (the file stays); the auto-exports left. */
  remove_auto_export: [{ path: string }, AutoExport[]];
  /** Candidate duplicate groups over the whole library. */
  find_duplicates: [Record<string, never>, Duplicates];
  /** Merges the groups given (each with its chosen survivor, else the most complete), or every confident group: one Undo. */
  merge_duplicates: [{ groups?: { keys: string[]; survivor?: string }[]; all_confident?: boolean }, Merged];
  /** Undoes a merge (by default the latest): every work, field, tag, note, attachment, citation and collection as it was. */
  undo_merge: [{ batch?: number }, { batch: number; groups: number; restored: number }];
  /** Marks a group as not duplicates: not offered again. */
  dismiss_duplicates: [{ keys: string[] }, { keys: string[] }];
  /** Desktop only (not over HTTP): the system-wide shortcut that opens quick lookup. */
  quick_lookup_shortcut: [Record<string, never>, ShortcutInfo];
  /** Desktop only: sets it (empty: off); `invalid_shortcut` or `shortcut_taken` keep the old one. */
  set_quick_lookup_shortcut: [{ shortcut: string }, ShortcutInfo];
  /** Waits up to `wait_ms` for an editor's pick (cite as you write); `null` when none came. */
  next_pick: [{ wait_ms?: number }, PickDto | null];
  /** The works chosen for a pick (`null`: the palette was closed); the text the editor got. */
  answer_pick: [{ id: number; citations: PickedCitation[] | null }, { text: string }];
}

/** An editor asking the writer to pick works (Better BibTeX's CAYW). */
export interface PickDto {
  id: number;
  /** The format the editor asked for (`pandoc`, `latex`…). */
  format: string;
  /** Answer with the works selected in the list, without the palette. */
  selected: boolean;
  /** Also copy the answer. */
  clipboard: boolean;
}

/** One picked work (by item key) and what the writer added to it. */
export interface PickedCitation {
  key: string;
  locator?: string;
  prefix?: string;
  suffix?: string;
  suppress_author?: boolean;
}

export type CommandName = keyof Commands;
export type ArgsOf<N extends CommandName> = Commands[N][0];
export type ResultOf<N extends CommandName> = Commands[N][1];
