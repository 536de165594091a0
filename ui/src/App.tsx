import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, toApiError, type Bridge } from './bridge';
import { coalesce, latestOnly } from './lib/async';
import { copyToClipboard } from './lib/clipboard';
import { errorLine, explain } from './lib/errors';
import { loadPrefs } from './lib/exportPrefs';
import { BACKGROUND_INDEX_MIN, KeyList } from './lib/keys';
import { RowCache } from './lib/rowcache';
import { plainText } from './lib/sanitize';
import * as S from './lib/selection';
import { importUndoneNote, UndoStack, type UndoEntry } from './lib/undo';
import type { AddJob, CollectionDto, CreatorDto, Detail, ImportResult, LibraryInfo, Merged, PickDto, Row, Scope, SortKey, TagDto } from './lib/types';
import { AddByIdentifierDialog, type AddDraft } from './components/AddByIdentifier';
import { DetailPane, type DetailActions } from './components/DetailPane';
import { DuplicatesView } from './components/Duplicates';
import { ConfirmDialog, ImportSummary, NewItemDialog } from './components/Dialogs';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ExportDialog, type ViewScope } from './components/ExportDialog';
import { ItemList } from './components/ItemList';
import { QuickLookup } from './components/QuickLookup';
import { SettingsDialog } from './components/SettingsDialog';
import { Sidebar, sameView, type View } from './components/Sidebar';

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  undo?: boolean;
}

type Dialog =
  | { kind: 'new' }
  | { kind: 'add-identifiers' }
  | { kind: 'quick-lookup' }
  | { kind: 'settings' }
  | { kind: 'export'; selection: string[] }
  /** `undo`: the import's Undo entry (none when it added nothing). */
  | { kind: 'import'; result: ImportResult; fileName: string; undo: UndoEntry | null }
  | { kind: 'confirm'; title: string; message: string; confirm: string; run(): void };

/** `open`: when the focus key is not in the new list, show it in the detail pane anyway. */
type Pending = { keys: string[]; focus: string | null; anchor: string | null; open?: boolean } | { index: number } | null;

interface Sort {
  key: SortKey;
  desc: boolean;
}

const EMPTY_KEYS = new KeyList('');
const SEARCH_LIMIT = 1000;
/** Selections up to this size survive a reload of the list (by key). */
const REMAP_LIMIT = 5000;
/** Copy citation / Copy bibliography entry take at most this many works (Export takes any number). */
const COPY_LIMIT = 1000;
/** Files Import takes (the backend also sniffs the text). */
const IMPORT_NAME = /\.(json|bib|bibtex|biblatex|ris|txt)$/i;

/** A file's text: UTF-8, refused (null) when it is not. */
async function readText(file: File): Promise<string | null> {
  const bytes =
    typeof file.arrayBuffer === 'function'
      ? await file.arrayBuffer()
      : await new Promise<ArrayBuffer>((resolve, reject) => {
          const r = new FileReader();
          r.onload = () => resolve(r.result as ArrayBuffer);
          r.onerror = () => reject(r.error);
          r.readAsArrayBuffer(file);
        });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function scopeOf(view: View, sort: Sort): Scope {
  const s: Scope = { sort: sort.key, desc: sort.desc };
  if (view.kind === 'trash') s.trash = true;
  if (view.kind === 'collection') s.collection = view.key;
  if (view.kind === 'tag') s.tag = view.name;
  return s;
}

function compareRows(a: Row, b: Row, key: SortKey): number {
  switch (key) {
    case 'title':
      return plainText(a.title).localeCompare(plainText(b.title), undefined, { sensitivity: 'base' });
    case 'creator':
      return a.creators.localeCompare(b.creators, undefined, { sensitivity: 'base' });
    case 'year':
      return (a.year ?? 99999) - (b.year ?? 99999);
    case 'type':
      return a.type.localeCompare(b.type);
    case 'added':
    case 'modified':
      return a.added - b.added;
  }
}

function isEditable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function App({ bridge }: { bridge: Bridge }) {
  const call = bridge.call.bind(bridge) as Bridge['call'];

  const [info, setInfo] = useState<LibraryInfo | null>(null);
  const [collections, setCollections] = useState<CollectionDto[]>([]);
  const [tags, setTags] = useState<TagDto[]>([]);
  const [view, setView] = useState<View>({ kind: 'library' });
  const [sort, setSort] = useState<Sort>({ key: 'title', desc: false });
  const [baseKeys, setBaseKeys] = useState<KeyList>(EMPTY_KEYS);
  const [query, setQuery] = useState('');
  const [searchRows, setSearchRows] = useState<Row[] | null>(null);
  /** The query whose results the list shows ('' for none): `data-results-for`, for tests and benchmarks. */
  const [resultsFor, setResultsFor] = useState('');
  const [searchSort, setSearchSort] = useState<Sort | null>(null);
  const [selection, setSelection] = useState<S.Selection>(S.EMPTY);
  const [detailStack, setDetailStack] = useState<string[]>([]);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [detailLoading, setDetailLoading] = useState(false);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [toast, setToast] = useState<Toast | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [listLoading, setListLoading] = useState(true);
  const [fileDrag, setFileDrag] = useState(false);
  /** Editors' picks (cite as you write) waiting for the palette, oldest first. */
  const [picks, setPicks] = useState<PickDto[]>([]);
  const [, setTick] = useState(0);
  /** Bumped when a merge of duplicates (or an import) was undone: the Duplicates view finds them again. */
  const [dupVersion, setDupVersion] = useState(0);

  const searchInput = useRef<HTMLInputElement>(null);
  const gridRef = useRef<HTMLDivElement | null>(null);
  const detailRef = useRef<HTMLElement | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const toastTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pendingSelect = useRef<Pending>(null);
  /** What the next list load (after a view or sort change) selects. */
  const nextLoad = useRef<'keep' | Pending>(null);
  /** Focus the title of this item once its detail shows (a new item). */
  const focusTitleOf = useRef<string | null>(null);
  /** A work to show in the detail pane although the list does not hold it. */
  const openAfterLoad = useRef<string | null>(null);
  /** The Add by identifier dialog's text and last job, kept while it is closed. */
  const addDraft = useRef<AddDraft | null>(null);
  const dialogRef = useRef<Dialog | null>(null);
  dialogRef.current = dialog;

  // ---- toasts and errors ----------------------------------------------------
  const showToast = useCallback((text: string, kind: Toast['kind'] = 'info', undo = false) => {
    if (toastTimer.current) clearTimeout(toastTimer.current);
    setToast({ id: Date.now(), text, kind, undo });
    if (kind === 'info') toastTimer.current = setTimeout(() => setToast(null), undo ? 10000 : 5000);
  }, []);
  const showError = useCallback((e: unknown) => showToast(errorLine(toApiError(e)), 'error'), [showToast]);

  const cache = useMemo(() => new RowCache((keys) => call('rows', { keys }), (e) => showError(e)), []);
  const [cacheVersion, setCacheVersion] = useState(0);
  useEffect(() => cache.subscribe(() => setCacheVersion(cache.version)), [cache]);

  const undo = useMemo(() => new UndoStack(), []);
  useEffect(() => undo.subscribe(() => setTick((t) => t + 1)), [undo]);

  // ---- the keys shown -------------------------------------------------------
  const viewKeys = useMemo(() => {
    if (!searchRows) return baseKeys;
    let rows = searchRows.filter((r) => baseKeys.has(r.key));
    if (searchSort) {
      rows = rows.slice().sort((a, b) => compareRows(a, b, searchSort.key) || a.key.localeCompare(b.key));
      if (searchSort.desc) rows.reverse();
    }
    return KeyList.fromKeys(rows.map((r) => r.key));
  }, [baseKeys, searchRows, searchSort]);

  useEffect(() => () => baseKeys.dispose(), [baseKeys]);

  // The latest state, for async code and global handlers.
  const latest = useRef({ viewKeys, selection, view, sort, query, detail, detailStack, collections });
  latest.current = { viewKeys, selection, view, sort, query, detail, detailStack, collections };

  const selectedKeys = useCallback((): string[] => {
    const { viewKeys: keys, selection: sel } = latest.current;
    const out: string[] = [];
    for (const i of S.selectedIndices(sel)) if (i < keys.count) out.push(keys.at(i));
    return out;
  }, []);

  /** Remembers the selection by key, to find it again in the next list. */
  const rememberSelection = () => {
    const { viewKeys: keys, selection: sel } = latest.current;
    if (S.selectedCount(sel) > REMAP_LIMIT) return { index: sel.focus };
    const k = (i: number) => (i >= 0 && i < keys.count ? keys.at(i) : null);
    return { keys: selectedKeys(), focus: k(sel.focus), anchor: k(sel.anchor) };
  };

  // When the shown keys change, carry the selection over.
  const prevKeys = useRef(viewKeys);
  useEffect(() => {
    if (prevKeys.current === viewKeys) return;
    prevKeys.current = viewKeys;
    const p = pendingSelect.current;
    pendingSelect.current = null;
    if (!p) setSelection(S.EMPTY);
    else if ('index' in p) setSelection(p.index >= 0 && viewKeys.count > 0 ? S.single(Math.min(p.index, viewKeys.count - 1)) : S.EMPTY);
    else {
      const sel = S.remap(p.keys, p.focus, p.anchor, (k) => viewKeys.indexOf(k));
      setSelection(sel.ranges.length ? sel : S.EMPTY);
      if (!sel.ranges.length && p.open && p.focus) openAfterLoad.current = p.focus;
    }
  }, [viewKeys]);

  // ---- loading --------------------------------------------------------------
  const listKeys = useMemo(() => latestOnly((scope: Scope) => call('list_keys', scope)), []);
  const loadList = useCallback(async (select: 'keep' | Pending) => {
    const { view: v, sort: s } = latest.current;
    try {
      const r = await listKeys(scopeOf(v, s));
      if (r.stale) return;
      pendingSelect.current = select === 'keep' ? rememberSelection() : select;
      const keys = new KeyList(r.value.keys, r.value.count);
      // Searches and selections look keys up: index a long list while idle.
      if (keys.count >= BACKGROUND_INDEX_MIN) keys.indexInBackground();
      setBaseKeys(keys);
      setLoadError(null);
    } catch (e) {
      const err = toApiError(e);
      setLoadError(err);
      if (err.code === 'not_found' && v.kind !== 'library') setView({ kind: 'library' });
    } finally {
      setListLoading(false);
    }
  }, []);

  const loadSide = useCallback(async () => {
    try {
      const [i, c, t] = await Promise.all([call('library_info', {}), call('collections', {}), call('tags', {})]);
      setInfo(i);
      setCollections(c);
      setTags(t);
    } catch (e) {
      setLoadError(toApiError(e));
    }
  }, []);

  const search = useMemo(() => latestOnly((q: string) => call('search', { q, limit: SEARCH_LIMIT })), []);
  const runSearch = useCallback(async (q: string, keepSelection: boolean) => {
    if (!q.trim()) {
      search.invalidate();
      pendingSelect.current = rememberSelection();
      setSearchRows(null);
      setResultsFor('');
      return;
    }
    try {
      const r = await search(q.trim());
      // Stale, or superseded by a keystroke waiting to be searched: not drawn.
      if (r.stale || searchSoon.waiting) return;
      cache.put(r.value);
      pendingSelect.current = keepSelection ? rememberSelection() : null;
      setSearchRows(r.value);
      setResultsFor(q);
    } catch (e) {
      showError(e);
    }
  }, []);
  // Search as you type: at once when no search is running, else once with the
  // newest text when it ends (no fixed debounce: it would cost most of the
  // 100 ms that a keystroke may take to show its results).
  const searchSoon = useMemo(() => coalesce((q: string) => runSearch(q, true)), []);

  /** After a change: the counts, the sidebar, the list (and the search). */
  const refresh = useCallback(async (opts: { keepSelection?: boolean; reloadRows?: boolean } = {}) => {
    if (opts.reloadRows) cache.clear();
    await Promise.all([loadSide(), loadList(opts.keepSelection ?? true ? 'keep' : pendingSelect.current)]);
    if (latest.current.query.trim()) await runSearch(latest.current.query, true);
  }, []);

  useEffect(() => {
    void loadSide();
  }, []);

  useEffect(() => {
    setListLoading(true);
    const next = nextLoad.current;
    nextLoad.current = null;
    void loadList(next);
  }, [view, sort]);

  // ---- the detail pane follows the selection ---------------------------------
  useEffect(() => {
    const n = S.selectedCount(selection);
    const key = n === 1 && selection.ranges[0][0] < viewKeys.count ? viewKeys.at(selection.ranges[0][0]) : null;
    const open = openAfterLoad.current;
    if (open && n === 0) {
      openAfterLoad.current = null;
      setDetailStack([open]);
      return;
    }
    setDetailStack((st) => (key ? (st.length === 1 && st[0] === key ? st : [key]) : st.length ? [] : st));
  }, [selection, viewKeys]);

  const currentKey = detailStack[detailStack.length - 1] ?? null;
  const getDetail = useMemo(() => latestOnly((key: string) => call('get_detail', { key })), []);
  const loadDetail = useCallback(async (key: string | null) => {
    if (!key) {
      getDetail.invalidate();
      setDetail(null);
      setDetailError(null);
      return;
    }
    setDetailLoading(true);
    try {
      const r = await getDetail(key);
      if (r.stale) return;
      setDetail(r.value);
      setDetailError(null);
    } catch (e) {
      const err = toApiError(e);
      setDetail(null);
      setDetailError(`${explain(err.code).title}: ${err.message}. ${explain(err.code).hint}`);
    } finally {
      setDetailLoading(false);
    }
  }, []);
  useEffect(() => {
    void loadDetail(currentKey);
  }, [currentKey]);
  useEffect(() => {
    if (detail && detail.key === focusTitleOf.current) {
      focusTitleOf.current = null;
      detailRef.current?.querySelector<HTMLElement>('[data-testid="value-title"]')?.focus();
    }
  }, [detail]);

  // ---- actions ---------------------------------------------------------------
  const refreshRows = async (keys: string[]) => {
    if (!keys.length) return;
    try {
      cache.put(await call('rows', { keys }));
    } catch {
      cache.invalidate(keys);
    }
  };

  const afterDetail = (d: Detail) => {
    if (latest.current.detailStack[latest.current.detailStack.length - 1] === d.key) setDetail(d);
    void refreshRows([d.key, ...d.children.map((c) => c.key)].filter((k) => cache.has(k)));
  };

  const trash = useCallback(async (keys: string[]) => {
    if (!keys.length) return;
    const focus = latest.current.selection.focus;
    try {
      const i = await call('trash', { keys });
      setInfo(i);
      const label = keys.length === 1 ? 'Moved 1 item to the Trash' : `Moved ${keys.length.toLocaleString()} items to the Trash`;
      undo.push({
        label,
        undo: async () => {
          setInfo(await call('restore', { keys }));
          await refresh({ keepSelection: true });
        },
      });
      showToast(label, 'info', true);
      pendingSelect.current = { index: focus };
      await refresh({ keepSelection: false });
    } catch (e) {
      showError(e);
    }
  }, []);

  const restore = useCallback(async (keys: string[]) => {
    if (!keys.length) return;
    try {
      setInfo(await call('restore', { keys }));
      showToast(keys.length === 1 ? 'Restored 1 item' : `Restored ${keys.length.toLocaleString()} items`);
      await refresh({ keepSelection: latest.current.view.kind !== 'trash' });
      void loadDetail(latest.current.detailStack[latest.current.detailStack.length - 1] ?? null);
    } catch (e) {
      showError(e);
    }
  }, []);

  const addToCollection = useCallback(async (c: CollectionDto, keys: string[]) => {
    try {
      setCollections(await call('add_to_collection', { collection: c.key, keys }));
      showToast(`Added ${keys.length === 1 ? '1 item' : `${keys.length.toLocaleString()} items`} to ${c.path}`);
      if (latest.current.view.kind === 'collection') await refresh();
      const cur = latest.current.detailStack[latest.current.detailStack.length - 1];
      if (cur && keys.includes(cur)) void loadDetail(cur);
    } catch (e) {
      showError(e);
    }
  }, []);

  const removeFromCollection = useCallback(async (keys: string[]) => {
    const v = latest.current.view;
    if (v.kind !== 'collection' || !keys.length) return;
    const c = latest.current.collections.find((x) => x.key === v.key);
    try {
      setCollections(await call('remove_from_collection', { collection: v.key, keys }));
      const label = `Removed ${keys.length === 1 ? '1 item' : `${keys.length.toLocaleString()} items`} from ${c?.path ?? 'the collection'}`;
      undo.push({
        label,
        undo: async () => {
          setCollections(await call('add_to_collection', { collection: v.key, keys }));
          await refresh();
        },
      });
      showToast(label, 'info', true);
      pendingSelect.current = { index: latest.current.selection.focus };
      await refresh({ keepSelection: false });
    } catch (e) {
      showError(e);
    }
  }, []);

  /** A merge of duplicates done: the counts and list follow, and Undo can put it back. */
  const merged = useCallback((m: Merged, label: string) => {
    undo.push({
      label,
      undo: async () => {
        await call('undo_merge', { batch: m.batch });
        setDupVersion((v) => v + 1);
        await loadSide();
        await refresh({ keepSelection: true });
      },
    });
    showToast(label, 'info', true);
    void loadSide();
    void refresh({ keepSelection: false });
  }, []);

  /** Undoes the last action (with `only`: only that one, if it is still the last). */
  const doUndo = useCallback(async (only?: UndoEntry) => {
    try {
      const e = await undo.undo(only);
      if (e) showToast(`Undone: ${e.label.charAt(0).toLowerCase()}${e.label.slice(1)}${e.note ? `. ${e.note}` : ''}`);
      else if (!only) showToast('Nothing to undo');
    } catch (e) {
      showError(e);
    }
  }, []);

  const openKey = useCallback((key: string) => {
    setDetailStack((st) => [...st, key]);
    queueMicrotask(() => detailRef.current?.focus());
  }, []);

  const detailActions: DetailActions = {
    async updateField(key, field, value) {
      try {
        const d = await call('update_field', { key, field, value });
        afterDetail(d);
        if (field === 'type') void refreshRows([key]);
        return null;
      } catch (e) {
        const err = toApiError(e);
        if (field === 'type') showError(err);
        return { message: err.code === 'invalid_input' ? err.message : errorLine(err) };
      }
    },
    async setCreators(key, creators: CreatorDto[]) {
      try {
        afterDetail(await call('set_creators', { key, creators }));
        return null;
      } catch (e) {
        const err = toApiError(e);
        return err.code === 'invalid_input' ? err.message : errorLine(err);
      }
    },
    async addTag(key, tag) {
      try {
        afterDetail(await call('retag', { key, add: [tag] }));
        setTags(await call('tags', {}));
        return null;
      } catch (e) {
        return errorLine(toApiError(e));
      }
    },
    async removeTag(key, tag) {
      try {
        afterDetail(await call('retag', { key, remove: [tag] }));
        const label = `Removed the tag “${tag}”`;
        undo.push({
          label,
          undo: async () => {
            afterDetail(await call('retag', { key, add: [tag] }));
            await refresh();
          },
        });
        showToast(label, 'info', true);
        await refresh();
      } catch (e) {
        showError(e);
      }
    },
    async addNote(key, body) {
      try {
        afterDetail(await call('add_note', { key, body }));
        return null;
      } catch (e) {
        return errorLine(toApiError(e));
      }
    },
    async pasteNotes(key, text) {
      try {
        await call('paste_notes', { key, text });
        await loadDetail(key);
        return null;
      } catch (e) {
        const err = toApiError(e);
        return err.code === 'invalid_input' ? err.message : errorLine(err);
      }
    },
    openKey,
    restore: (keys) => void restore(keys),
    trash: (keys) => void trash(keys),
    openView: (key) => setView({ kind: 'collection', key }),
    copy: (kind, keys) => void copyCitation(kind, keys),
  };

  const newItem = async (type: string, title: string): Promise<string | null> => {
    try {
      const d = await call('new_item', { type, title });
      const v = latest.current.view;
      if (v.kind === 'collection') await call('add_to_collection', { collection: v.key, keys: [d.key] });
      setDialog(null);
      setQuery('');
      searchSoon.cancel();
      search.invalidate();
      setSearchRows(null);
      setResultsFor('');
      setSearchSort(null);
      const select: Pending = { keys: [d.key], focus: d.key, anchor: d.key };
      focusTitleOf.current = d.key;
      if (v.kind === 'trash' || v.kind === 'tag') {
        nextLoad.current = select;
        setView({ kind: 'library' });
        void loadSide();
      } else {
        await Promise.all([loadSide(), loadList(select)]);
      }
      showToast('Item created: fill in its fields on the right');
      return null;
    } catch (e) {
      return errorLine(toApiError(e));
    }
  };

  /** Shows a work: the search cleared, selected in My Library (or the view holding it), in the detail pane. */
  const revealKey = async (key: string) => {
    setQuery('');
    searchSoon.cancel();
    search.invalidate();
    setSearchRows(null);
    setResultsFor('');
    setSearchSort(null);
    const select: Pending = { keys: [key], focus: key, anchor: key, open: true };
    const v = latest.current.view;
    if (v.kind !== 'library') {
      nextLoad.current = select;
      setView({ kind: 'library' });
      void loadSide();
    } else {
      await Promise.all([loadSide(), loadList(select)]);
    }
  };

  const openAddIdentifiers = () => {
    const d = dialogRef.current;
    if (d?.kind === 'add-identifiers') document.querySelector<HTMLElement>('[data-testid="add-identifiers-text"]')?.focus();
    else if (!d) setDialog({ kind: 'add-identifiers' });
  };

  const identifiersAdded = (job: AddJob) => {
    const added = job.results.filter((r) => r.outcome === 'added').length;
    if (added) void refresh({ keepSelection: true });
  };

  /**
   * The Undo of an import: the works it added go (with the containers only
   * they use), as if it had not happened; a work changed since goes to the
   * Trash instead (the toast says so). Then the counts and the list follow.
   */
  const importUndo = (keys: string[], fileName: string): UndoEntry => {
    const n = keys.length;
    const entry: UndoEntry = {
      label: `Imported ${n === 1 ? '1 item' : `${n.toLocaleString()} items`} from ${fileName}`,
      undo: async () => {
        const r = await call('undo_import', { keys });
        // Its summary, if it still shows, would tell of works no longer there.
        setDialog((d) => (d?.kind === 'import' && d.undo === entry ? null : d));
        setDupVersion((v) => v + 1);
        await refresh({ keepSelection: true });
        return importUndoneNote(r);
      },
    };
    return entry;
  };

  const importText = async (text: string, fileName: string) => {
    try {
      const result = await call('import_text', { text, name: fileName });
      const entry = result.added.length ? importUndo(result.added, fileName) : null;
      if (entry) undo.push(entry);
      setDialog({ kind: 'import', result, fileName, undo: entry });
      await refresh({ keepSelection: true, reloadRows: true });
    } catch (e) {
      showError(e);
    }
  };

  const importFile = async (file: File) => {
    let text: string | null;
    try {
      text = await readText(file);
    } catch {
      showToast(`Could not read ${file.name}. Check that the file is readable and try again.`, 'error');
      return;
    }
    if (text === null) {
      showToast(`${file.name} is not UTF-8 text. Import takes BibTeX, RIS or CSL-JSON saved as UTF-8: save it so and import it again.`, 'error');
      return;
    }
    await importText(text, file.name);
  };

  // ---- export and copy -------------------------------------------------------
  const openExport = () => {
    if (!dialogRef.current) setDialog({ kind: 'export', selection: selectedKeys() });
  };

  /** Copies a citation of the works, or their bibliography entries, in the Export dialog's style. */
  const copyCitation = useCallback(async (kind: 'citation' | 'bibliography', keys: string[]) => {
    const what = kind === 'citation' ? 'citation' : 'bibliography entry';
    if (!keys.length) {
      showToast(`Select one or more items to copy a ${what}.`, 'error');
      return;
    }
    if (keys.length > COPY_LIMIT) {
      showToast(`Select at most ${COPY_LIMIT.toLocaleString()} items to copy; for more, use Export (Ctrl+Shift+E).`, 'error');
      return;
    }
    const prefs = loadPrefs();
    const args = { keys, kind, style: prefs.style, ...(prefs.locale ? { locale: prefs.locale } : {}) };
    try {
      const c = await copyToClipboard(async () => {
        const [text, html] = await Promise.all([call('format_citation', { ...args, format: 'text' }), call('format_citation', { ...args, format: 'html' })]);
        return { text: text.text, html: html.text };
      });
      const shown = c.text.length > 160 ? `${c.text.slice(0, 160)}…` : c.text;
      showToast(`Copied (${prefs.styleTitle || prefs.style}): ${shown}`);
    } catch (e) {
      if (e instanceof Error && !('code' in e)) showToast(`Could not copy the ${what}: ${e.message}`, 'error');
      else showError(e);
    }
  }, []);

  const deleteCollection = (c: CollectionDto) => {
    setDialog({
      kind: 'confirm',
      title: 'Delete collection?',
      message: `Delete “${c.path}”${collections.some((x) => x.path.startsWith(`${c.path}/`)) ? ' and its subcollections' : ''}? The items stay in your library.`,
      confirm: 'Delete collection',
      run: async () => {
        try {
          setCollections(await call('delete_collection', { key: c.key }));
          const v = latest.current.view;
          if (v.kind === 'collection' && (v.key === c.key || !latest.current.collections.some((x) => x.key === v.key))) setView({ kind: 'library' });
          showToast(`Deleted the collection ${c.path}`);
          void loadSide();
        } catch (e) {
          showError(e);
        }
      },
    });
  };

  const createCollection = async (path: string) => {
    try {
      setCollections(await call('create_collection', { path }));
      return true;
    } catch (e) {
      showError(e);
      return false;
    }
  };

  const onSort = (key: SortKey) => {
    pendingSelect.current = rememberSelection();
    if (searchRows) {
      setSearchSort((s) => (s && s.key === key ? { key, desc: !s.desc } : { key, desc: false }));
      return;
    }
    nextLoad.current = 'keep';
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: false }));
  };

  const clearSearch = () => {
    setQuery('');
    searchSoon.cancel();
    setSearchSort(null);
    void runSearch('', true);
  };

  const changeView = (v: View) => {
    if (sameView(v, view)) return;
    nextLoad.current = null;
    setView(v);
    setDetailStack([]);
  };

  // ---- editors' picks (cite as you write) -------------------------------------
  // The window waits for picks all the time (a long poll: `next_pick` answers
  // when an editor asks, or after 25 s with none). A pick asking for the
  // selection is answered with it at once; otherwise the palette gathers works.
  useEffect(() => {
    let alive = true;
    void (async () => {
      while (alive) {
        try {
          const p = await call('next_pick', { wait_ms: 25_000 });
          if (!p) continue;
          const sel = p.selected ? selectedKeys() : [];
          if (sel.length) {
            const r = await call('answer_pick', { id: p.id, citations: sel.map((key) => ({ key })) });
            if (p.clipboard) await copyToClipboard(async () => ({ text: r.text }));
            showToast(`Sent to your editor: ${r.text.length > 160 ? `${r.text.slice(0, 160)}…` : r.text}`);
          } else {
            setPicks((q) => [...q, p]);
          }
        } catch (e) {
          const err = toApiError(e);
          // A backend without picks (or without the token for them): stop asking.
          if (['unknown_command', 'not_found', 'unauthorized', 'unsupported'].includes(err.code)) return;
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    })();
    return () => {
      alive = false;
    };
  }, []);
  // ---- the desktop's system-wide shortcut ------------------------------------
  // Pressed in any program: the window comes forward (the shell does that)
  // and quick lookup opens, in place of any other dialog.
  useEffect(
    () =>
      bridge.onQuickLookup(() => {
        if (dialogRef.current?.kind === 'quick-lookup') {
          document.querySelector<HTMLInputElement>('[data-testid="quick-input"]')?.focus();
          return;
        }
        setDialog({ kind: 'quick-lookup' });
      }),
    [bridge],
  );

  // ---- global keys -----------------------------------------------------------
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && !e.shiftKey && (e.key === 'k' || e.key === 'K')) {
        // Quick lookup: search and copy a citation while writing.
        if (dialogRef.current) return;
        e.preventDefault();
        setDialog({ kind: 'quick-lookup' });
      } else if (mod && !e.altKey && !e.shiftKey && e.key === ',') {
        if (dialogRef.current) return;
        e.preventDefault();
        setDialog({ kind: 'settings' });
      } else if (mod && !e.altKey && (e.key === 'f' || e.key === 'F')) {
        e.preventDefault();
        searchInput.current?.focus();
        searchInput.current?.select();
      } else if (mod && !e.shiftKey && (e.key === 'z' || e.key === 'Z')) {
        if (isEditable(e.target)) return;
        e.preventDefault();
        void doUndo();
      }
    };
    // Ctrl+Shift+A (before the list sees it: its Ctrl+A selects all), E, C and B.
    const onKeyCapture = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || !e.shiftKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'a') {
        e.preventDefault();
        e.stopPropagation();
        openAddIdentifiers();
      } else if (k === 'e' || k === 'c' || k === 'b') {
        if (dialogRef.current) return;
        e.preventDefault();
        e.stopPropagation();
        if (k === 'e') openExport();
        else void copyCitation(k === 'c' ? 'citation' : 'bibliography', selectedKeys());
      }
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keydown', onKeyCapture, true);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keydown', onKeyCapture, true);
    };
  }, []);

  // ---- render ----------------------------------------------------------------
  const selCount = S.selectedCount(selection);
  const currentCollection = view.kind === 'collection' ? collections.find((c) => c.key === view.key) : undefined;
  const scopeName =
    view.kind === 'library' ? 'My Library' : view.kind === 'trash' ? 'Trash' : view.kind === 'duplicates' ? 'Duplicates' : view.kind === 'tag' ? `Tag: ${view.name}` : currentCollection?.path ?? 'Collection';
  const exportView: ViewScope | null =
    view.kind === 'collection' && currentCollection
      ? { label: `Collection: ${currentCollection.path}`, scope: { collection: currentCollection.key }, name: currentCollection.name }
      : view.kind === 'tag'
        ? { label: `Tag: ${view.name}`, scope: { tag: view.name }, name: view.name }
        : null;
  const emptyLibrary = info !== null && info.count === 0 && info.trash_count === 0 && view.kind === 'library' && !query.trim() && !loadError;

  let listBody;
  if (loadError && viewKeys.count === 0) {
    const x = explain(loadError.code);
    listBody = (
      <div class="list-message" role="alert" data-testid="load-error">
        <h2>{x.title}</h2>
        <p>{loadError.message}</p>
        <p>{x.hint}</p>
        <button type="button" onClick={() => void refresh()}>
          Try again
        </button>
      </div>
    );
  } else if (emptyLibrary) {
    listBody = (
      <div class="list-message empty-library" data-testid="empty-library">
        <h2>Your library is empty</h2>
        <p>Start by adding works:</p>
        <ul>
          <li>
            <button type="button" class="primary" onClick={() => setDialog({ kind: 'new' })}>
              New item
            </button>{' '}
            type in a book, article or chapter by hand.
          </li>
          <li>
            <button type="button" onClick={() => setDialog({ kind: 'add-identifiers' })}>
              Add by identifier…
            </button>{' '}
            paste DOIs, ISBNs, arXiv or PubMed ids (or links holding them): Ibid looks the works up.
          </li>
          <li>
            <button type="button" onClick={() => fileInput.current?.click()}>
              Import…
            </button>{' '}
            add works from a BibTeX, RIS or CSL-JSON file, or drop the file on this window.
          </li>
        </ul>
      </div>
    );
  } else if (!listLoading && viewKeys.count === 0) {
    listBody = (
      <div class="list-message" data-testid="list-empty">
        {query.trim() ? (
          <p>
            Nothing in {scopeName} matches “{query.trim()}”. Try fewer or shorter words.
          </p>
        ) : view.kind === 'trash' ? (
          <p>The Trash is empty.</p>
        ) : view.kind === 'collection' ? (
          <p>This collection is empty. Drag items from My Library onto it in the sidebar.</p>
        ) : (
          <p>No items here.</p>
        )}
      </div>
    );
  } else {
    listBody = (
      <ItemList
        keys={viewKeys}
        cache={cache}
        cacheVersion={cacheVersion}
        selection={selection}
        onSelection={setSelection}
        sort={searchRows ? searchSort ?? sort : sort}
        sortActive={!searchRows || !!searchSort}
        onSort={onSort}
        onOpen={() => {
          const el = detailRef.current?.querySelector<HTMLElement>('[data-testid="value-title"]') ?? detailRef.current;
          el?.focus();
        }}
        onDelete={() => (view.kind === 'trash' ? undefined : void trash(selectedKeys()))}
        onEscape={() => latest.current.query && clearSearch()}
        dragKeys={selectedKeys}
        gridRef={gridRef}
        label={`Items in ${scopeName}`}
        scrollKey={`${JSON.stringify(view)}|${sort.key}|${sort.desc}|${searchRows ? 'search' : ''}|${JSON.stringify(searchSort)}`}
      />
    );
  }

  const top = undo.peek();

  return (
    <div
      class={`app${fileDrag ? ' file-drag' : ''}`}
      data-testid="app"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setFileDrag(true);
        }
      }}
      onDragLeave={(e) => {
        if (!e.relatedTarget) setFileDrag(false);
      }}
      onDrop={(e) => {
        setFileDrag(false);
        const files = e.dataTransfer?.files;
        if (!files || files.length === 0) return;
        e.preventDefault();
        const f = Array.from(files).find((x) => IMPORT_NAME.test(x.name)) ?? files[0];
        void importFile(f);
      }}
    >
      <header class="toolbar" role="toolbar" aria-label="Actions">
        <span class="brand">Ibid</span>
        <button type="button" data-testid="new-item" onClick={() => setDialog({ kind: 'new' })} title="Create an item by hand">
          New item
        </button>
        <button type="button" data-testid="add-by-identifier" onClick={openAddIdentifiers} title="Add works by DOI, ISBN, arXiv or PubMed id (Ctrl+Shift+A)" aria-keyshortcuts="Control+Shift+A">
          Add by identifier…
        </button>
        <button type="button" data-testid="import" onClick={() => fileInput.current?.click()} title="Import a BibTeX, RIS or CSL-JSON file (or drop it on the window)">
          Import…
        </button>
        <button type="button" data-testid="export" onClick={openExport} title="Export a bibliography, BibTeX, RIS or CSL-JSON (Ctrl+Shift+E)" aria-keyshortcuts="Control+Shift+E">
          Export…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,.bib,.bibtex,.biblatex,.ris,.txt,application/json,application/x-bibtex,application/x-research-info-systems,text/plain"
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="import-input"
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            const f = input.files?.[0];
            input.value = '';
            if (f) void importFile(f);
          }}
        />
        <button type="button" data-testid="settings" onClick={() => setDialog({ kind: 'settings' })} title="Settings: auto-exports, the quick-lookup shortcut (Ctrl+,)" aria-keyshortcuts="Control+Comma">
          Settings…
        </button>
        <span class="sep" />
        {view.kind === 'trash' ? (
          <button type="button" data-testid="restore" disabled={selCount === 0} onClick={() => void restore(selectedKeys())}>
            Restore
          </button>
        ) : (
          <button type="button" data-testid="trash" disabled={selCount === 0} onClick={() => void trash(selectedKeys())} title="Move to Trash (Delete)">
            Move to Trash
          </button>
        )}
        {view.kind === 'collection' && (
          <button type="button" data-testid="remove-from-collection" disabled={selCount === 0} onClick={() => void removeFromCollection(selectedKeys())}>
            Remove from collection
          </button>
        )}
        {view.kind !== 'trash' && collections.length > 0 && (
          <select
            aria-label="Add the selected items to a collection"
            data-testid="add-to-collection"
            disabled={selCount === 0}
            value=""
            onChange={(e) => {
              const el = e.target as HTMLSelectElement;
              const c = collections.find((x) => x.key === el.value);
              el.value = '';
              if (c) void addToCollection(c, selectedKeys());
            }}
          >
            <option value="">Add to collection…</option>
            {collections.map((c) => (
              <option value={c.key} key={c.key}>
                {c.path}
              </option>
            ))}
          </select>
        )}
        <button type="button" data-testid="undo" disabled={!top} onClick={() => void doUndo()} title={top ? `Undo: ${top.label} (Ctrl+Z)` : 'Nothing to undo'}>
          Undo
        </button>
      </header>

      <Sidebar
        info={info}
        collections={collections}
        tags={tags}
        view={view}
        onView={changeView}
        onDropKeys={(c, keys) => void addToCollection(c, keys)}
        onCreateCollection={createCollection}
        onDeleteCollection={deleteCollection}
      />

      {view.kind === 'duplicates' ? (
        <main class="list-pane duplicates-pane" aria-label="Duplicates">
          <div class="search-bar">
            <h1 class="scope-name" data-testid="scope-name">
              Duplicates
            </h1>
          </div>
          <DuplicatesView call={call} version={dupVersion} onMerged={merged} onMessage={(t) => showToast(t)} />
        </main>
      ) : (
      <main class="list-pane" aria-label={scopeName} data-results-for={resultsFor}>
        <div class="search-bar">
          <h1 class="scope-name" data-testid="scope-name">
            {scopeName}
          </h1>
          <input
            ref={searchInput}
            type="search"
            class="search"
            placeholder={`Search ${scopeName}  (Ctrl+F)`}
            aria-label={`Search ${scopeName}`}
            data-testid="search"
            value={query}
            onInput={(e) => {
              const q = (e.target as HTMLInputElement).value;
              setQuery(q);
              if (!q.trim()) {
                searchSoon.cancel();
                void runSearch('', true);
                setSearchSort(null);
              } else searchSoon(q);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                clearSearch();
                gridRef.current?.focus();
              } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
                e.preventDefault();
                searchSoon.flush();
                gridRef.current?.focus();
                if (latest.current.selection.focus < 0 && latest.current.viewKeys.count > 0) setSelection(S.single(0));
              }
            }}
          />
        </div>
        {listBody}
      </main>
      )}

      <ErrorBoundary what="this item" resetKey={currentKey}>
      <DetailPane
        detail={currentKey ? detail : null}
        loading={detailLoading}
        error={currentKey ? detailError : null}
        selectedCount={selCount}
        canBack={detailStack.length > 1}
        onBack={() => setDetailStack((st) => st.slice(0, -1))}
        actions={detailActions}
        bridge={bridge}
        collections={collections}
        paneRef={detailRef}
        onLeave={() => gridRef.current?.focus()}
        selectedKeys={selectedKeys}
      />
      </ErrorBoundary>

      <footer class="statusbar" data-testid="statusbar" aria-live="polite">
        <span data-testid="status-shown">{viewKeys.count.toLocaleString()} shown</span>
        <span data-testid="status-selected">{selCount.toLocaleString()} selected</span>
        <span data-testid="status-total">{info ? `${info.count.toLocaleString()} in library` : '…'}</span>
        <span data-testid="status-trash">{info ? `${info.trash_count.toLocaleString()} in Trash` : ''}</span>
        {query.trim() && searchRows && searchRows.length >= SEARCH_LIMIT && <span>Showing the best {SEARCH_LIMIT} matches: refine the search to see others.</span>}
      </footer>

      {toast && (
        <div class={`toast ${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'} data-testid="toast" key={toast.id}>
          <span class="toast-text">{toast.text}</span>
          {toast.undo && top && (
            <button type="button" data-testid="toast-undo" onClick={() => void doUndo()}>
              Undo
            </button>
          )}
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => setToast(null)}>
            ×
          </button>
        </div>
      )}

      {fileDrag && (
        <div class="drop-overlay" aria-hidden="true">
          Drop a BibTeX, RIS or CSL-JSON file to import it
        </div>
      )}

      {dialog?.kind === 'new' && <NewItemDialog onCreate={newItem} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'quick-lookup' && (
        <QuickLookup
          call={call}
          onClose={() => setDialog(null)}
          onCopied={(text) => {
            showToast(`Copied: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
            void refresh({ keepSelection: true });
          }}
        />
      )}
      {picks.length > 0 && (
        <QuickLookup
          key={picks[0].id}
          call={call}
          pick={picks[0]}
          onClose={() => setPicks((q) => q.slice(1))}
          onCopied={() => {}}
          onSent={(text) => {
            showToast(`Sent to your editor: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
            void refresh({ keepSelection: true });
          }}
        />
      )}
      {dialog?.kind === 'add-identifiers' && (
        <AddByIdentifierDialog
          call={call}
          draft={addDraft.current}
          onDraft={(d) => (addDraft.current = d)}
          onFinished={identifiersAdded}
          onOpen={(key) => {
            setDialog(null);
            void revealKey(key);
          }}
          onClose={() => {
            setDialog(null);
            // A job still running when closed may have added works already.
            if (addDraft.current?.job) void refresh({ keepSelection: true });
          }}
        />
      )}
      {dialog?.kind === 'export' && (
        <ExportDialog
          call={call}
          desktop={bridge.kind === 'tauri'}
          selection={dialog.selection}
          view={exportView}
          query={query}
          libraryCount={info?.count ?? null}
          onClose={() => setDialog(null)}
          onOpenUrl={(url) => void bridge.openUrl(url).catch(showError)}
          onDone={(m) => showToast(m)}
        />
      )}
      {dialog?.kind === 'settings' && <SettingsDialog call={call} desktop={bridge.kind === 'tauri'} onClose={() => setDialog(null)} onDone={(m) => showToast(m)} />}
      {dialog?.kind === 'import' && (
        <ImportSummary
          result={dialog.result}
          fileName={dialog.fileName}
          onUndo={
            dialog.undo
              ? () => {
                  const e = dialog.undo!;
                  setDialog(null);
                  void doUndo(e);
                }
              : undefined
          }
          onClose={() => {
            const e = dialog.undo;
            setDialog(null);
            // Closed without undoing: the toast keeps Undo at hand, as after a Move to Trash.
            if (e && undo.peek() === e) showToast(e.label, 'info', true);
          }}
        />
      )}
      {dialog?.kind === 'confirm' && (
        <ConfirmDialog title={dialog.title} message={dialog.message} confirm={dialog.confirm} onConfirm={dialog.run} onClose={() => setDialog(null)} />
      )}
    </div>
  );
}
