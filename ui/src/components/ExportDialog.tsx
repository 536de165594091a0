// Export: which works (the library, the selection, the collection or tag on
// show, a search), in which format (a bibliography in a CSL style, BibTeX,
// BibLaTeX, RIS, CSL-JSON), with a live preview of the first few works.
// Save writes a file (the desktop: through the backend, to a path; the
// browser: a download); Copy puts the whole export on the clipboard. The
// format, style and language are remembered for next time and for Copy
// citation / Copy bibliography entry.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { copyToClipboard } from '../lib/clipboard';
import { errorLine } from '../lib/errors';
import { FORMATS, fileName, formatInfo, loadPrefs, savePrefs, type ExportPrefs } from '../lib/exportPrefs';
import type { AutoExport, ExportArgs, ExportFormat, ExportScope, Exported, StyleDto } from '../lib/types';
import { Modal } from './Dialogs';
import { BibliographyView } from './Markup';

/** Works in the preview. */
export const PREVIEW_LIMIT = 5;
/** Milliseconds of quiet before the preview is asked for. */
export const PREVIEW_DELAY = 150;
const DIR_KEY = 'ibid.export.dir';
/** The formats a file kept in step (an auto-export) can have. */
const AUTO_FORMATS: ExportFormat[] = ['bibtex', 'biblatex', 'csl-json', 'ris'];

export type ScopeKind = 'library' | 'selection' | 'view' | 'search';

/** The collection or tag on show: a scope of its own. */
export interface ViewScope {
  label: string;
  scope: ExportScope;
  /** For the file name. */
  name: string;
}

export interface ExportDialogProps {
  call: Bridge['call'];
  /** In the desktop app Save writes to a path through the backend; in a browser it downloads. */
  desktop: boolean;
  /** The selected works' keys, in list order. */
  selection: string[];
  view: ViewScope | null;
  /** The search box's text (the default of the search scope). */
  query: string;
  libraryCount: number | null;
  onClose(): void;
  /** A link in the HTML preview. */
  onOpenUrl(url: string): void;
  /** Saved or copied: a message for the status toast. */
  onDone(message: string): void;
  /** Browser downloads (tests replace it). */
  download?(name: string, blob: Blob): void;
  previewDelay?: number;
}

function browserDownload(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function remembered(key: string, fallback: string): string {
  try {
    return localStorage.getItem(key) || fallback;
  } catch {
    return fallback;
  }
}

function remember(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export function ExportDialog(p: ExportDialogProps) {
  const [prefs, setPrefs] = useState<ExportPrefs>(loadPrefs);
  const [scopeKind, setScopeKind] = useState<ScopeKind>(p.selection.length > 1 ? 'selection' : p.view ? 'view' : 'library');
  const [searchText, setSearchText] = useState(p.query.trim());
  const [styles, setStyles] = useState<StyleDto[]>([]);
  const [locales, setLocales] = useState<string[]>([]);
  const [styleFilter, setStyleFilter] = useState('');
  const [preview, setPreview] = useState<Exported | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewBusy, setPreviewBusy] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Desktop: the path being asked for, and whether it exists. */
  const [savePath, setSavePath] = useState<string | null>(null);
  const [exists, setExists] = useState(false);
  /** Desktop: keep the saved file in step with the library (an auto-export). */
  const [keep, setKeep] = useState(false);
  const previewGen = useRef(0);
  const pathInput = useRef<HTMLInputElement>(null);

  const info = formatInfo(prefs.format);
  // Auto-exports write UTF-8: not with LaTeX accents.
  const canKeep = AUTO_FORMATS.includes(prefs.format) && !((prefs.format === 'bibtex' || prefs.format === 'biblatex') && prefs.latex);
  const update = (change: Partial<ExportPrefs>) => {
    setPrefs((old) => {
      const next = { ...old, ...change };
      savePrefs(next);
      return next;
    });
  };

  useEffect(() => {
    let live = true;
    p.call('styles', {}).then(
      (s) => {
        if (!live) return;
        setStyles(s.styles);
        setLocales(s.locales);
      },
      (e) => live && setError(errorLine(toApiError(e))),
    );
    return () => {
      live = false;
    };
  }, []);

  const scope = useMemo((): ExportScope | null => {
    switch (scopeKind) {
      case 'library':
        return {};
      case 'selection':
        return p.selection.length ? { keys: p.selection } : null;
      case 'view':
        return p.view ? p.view.scope : null;
      case 'search':
        return searchText.trim() ? { search: searchText.trim() } : null;
    }
  }, [scopeKind, searchText]);

  const scopeName =
    scopeKind === 'selection' ? 'Selected items' : scopeKind === 'view' && p.view ? p.view.name : scopeKind === 'search' ? `Search ${searchText.trim()}` : 'My Library';

  const args = useMemo((): ExportArgs | null => {
    if (!scope) return null;
    const a: ExportArgs = { scope, format: prefs.format };
    if (info.styled) {
      a.style = prefs.style;
      if (prefs.locale) a.locale = prefs.locale;
    }
    if ((prefs.format === 'bibtex' || prefs.format === 'biblatex') && prefs.latex) a.latex = true;
    return a;
  }, [scope, prefs, info]);

  // The preview: the first few works, once the choices have been still for a moment.
  useEffect(() => {
    const gen = ++previewGen.current;
    if (!args) {
      setPreview(null);
      setPreviewError(null);
      setPreviewBusy(false);
      return;
    }
    setPreviewBusy(true);
    const t = setTimeout(async () => {
      try {
        const r = await p.call('export', { ...args, limit: PREVIEW_LIMIT });
        if (gen !== previewGen.current) return;
        setPreview(r);
        setPreviewError(null);
      } catch (e) {
        if (gen !== previewGen.current) return;
        setPreview(null);
        setPreviewError(errorLine(toApiError(e)));
      } finally {
        if (gen === previewGen.current) setPreviewBusy(false);
      }
    }, p.previewDelay ?? PREVIEW_DELAY);
    return () => clearTimeout(t);
  }, [args]);

  const shownStyles = useMemo(() => {
    const f = styleFilter.trim().toLowerCase();
    const list = (f ? styles.filter((s) => s.id.toLowerCase().includes(f) || s.title.toLowerCase().includes(f)) : styles)
      .slice()
      .sort((a, b) => (a.title || a.id).localeCompare(b.title || b.id, undefined, { sensitivity: 'base' }));
    // The chosen style stays in the list (and selected) whatever the filter.
    const chosen = styles.find((s) => s.id === prefs.style) ?? { id: prefs.style, title: prefs.style };
    return list.some((s) => s.id === chosen.id) ? list : [chosen, ...list];
  }, [styles, styleFilter, prefs.style]);

  // The chosen style in view in its list (when the list arrives or is filtered).
  const styleSelect = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    const sel = styleSelect.current;
    const opt = sel && sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex] : null;
    if (opt && typeof opt.scrollIntoView === 'function') opt.scrollIntoView({ block: 'nearest' });
  }, [shownStyles]);

  const whole = async (): Promise<Exported> => {
    if (!args) throw { code: 'invalid_input', message: 'choose what to export' };
    return p.call('export', args);
  };

  const save = async () => {
    if (!args || busy) return;
    setError(null);
    if (p.desktop) {
      setExists(false);
      setSavePath(`${remembered(DIR_KEY, '~/')}${fileName(scopeName, prefs.format)}`);
      queueMicrotask(() => {
        pathInput.current?.focus();
        pathInput.current?.select();
      });
      return;
    }
    setBusy(true);
    try {
      const r = await whole();
      const name = fileName(scopeName, prefs.format);
      (p.download ?? browserDownload)(name, new Blob([r.text], { type: `${info.mime};charset=utf-8` }));
      p.onDone(`Exported ${plural(r.count, 'work')} as ${name}`);
      p.onClose();
    } catch (e) {
      setError(errorLine(toApiError(e)));
    } finally {
      setBusy(false);
    }
  };

  const saveTo = async (overwrite: boolean) => {
    if (!args || busy || !savePath) return;
    const path = savePath.trim();
    setBusy(true);
    setError(null);
    try {
      if (keep && canKeep) {
        const r = await p.call('add_auto_export', { path, format: prefs.format as AutoExport['format'], scope: args.scope ?? {}, overwrite });
        p.onDone(`Saved ${plural(r.entries ?? 0, 'work')} to ${r.path}; kept in step with the library from now on`);
      } else {
        const r = await p.call('save_export', { ...args, path, overwrite });
        p.onDone(`Saved ${plural(r.count, 'work')} to ${r.path}`);
      }
      const slash = path.lastIndexOf('/');
      if (slash >= 0) remember(DIR_KEY, path.slice(0, slash + 1));
      p.onClose();
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'exists') setExists(true);
      else setError(err.code === 'invalid_input' ? err.message : errorLine(err));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!args || busy) return;
    setBusy(true);
    setError(null);
    let count = 0;
    try {
      await copyToClipboard(async () => {
        const r = await whole();
        count = r.count;
        return prefs.format === 'html' ? { text: r.text, html: r.text } : { text: r.text };
      });
      p.onDone(`Copied ${plural(count, 'work')} (${info.label})`);
    } catch (e) {
      setError(e instanceof Error && !('code' in e) ? `Could not copy: ${e.message}` : errorLine(toApiError(e)));
    } finally {
      setBusy(false);
    }
  };

  let previewBody;
  if (!args) {
    previewBody = <p class="hint">{scopeKind === 'search' ? 'Type what to search for.' : 'Nothing to export.'}</p>;
  } else if (previewError) {
    previewBody = (
      <div class="field-error" role="alert" data-testid="export-preview-error">
        {previewError}
      </div>
    );
  } else if (preview && preview.shown === 0) {
    previewBody = <p class="hint">No works in this scope.</p>;
  } else if (preview && prefs.format === 'html') {
    previewBody = <BibliographyView html={preview.text} onLink={p.onOpenUrl} testid="export-preview-html" />;
  } else if (preview) {
    previewBody = <pre class="export-preview-text">{preview.text}</pre>;
  }

  return (
    <Modal title="Export" onClose={p.onClose} testid="export-dialog">
      <form
        class="form export-form"
        onSubmit={(e) => {
          e.preventDefault();
          // Enter saves only in the path box (not in the search or filter boxes).
          if (savePath !== null) void saveTo(exists);
        }}
      >
        <fieldset class="export-scope" data-testid="export-scope">
          <legend>Works</legend>
          <label class="radio">
            <input type="radio" name="export-scope" value="library" checked={scopeKind === 'library'} onChange={() => setScopeKind('library')} data-testid="export-scope-library" />
            My Library{p.libraryCount !== null ? ` (${p.libraryCount.toLocaleString()})` : ''}
          </label>
          <label class="radio">
            <input
              type="radio"
              name="export-scope"
              value="selection"
              disabled={!p.selection.length}
              checked={scopeKind === 'selection'}
              onChange={() => setScopeKind('selection')}
              data-testid="export-scope-selection"
            />
            Selected items ({p.selection.length.toLocaleString()})
          </label>
          {p.view && (
            <label class="radio">
              <input type="radio" name="export-scope" value="view" checked={scopeKind === 'view'} onChange={() => setScopeKind('view')} data-testid="export-scope-view" />
              {p.view.label}
            </label>
          )}
          <label class="radio search-scope">
            <input type="radio" name="export-scope" value="search" checked={scopeKind === 'search'} onChange={() => setScopeKind('search')} data-testid="export-scope-search" />
            Search:
            <input
              type="search"
              aria-label="Export the works this search finds"
              data-testid="export-search"
              value={searchText}
              onInput={(e) => {
                setSearchText((e.target as HTMLInputElement).value);
                setScopeKind('search');
              }}
            />
          </label>
        </fieldset>

        <label>
          Format
          <select data-autofocus data-testid="export-format" value={prefs.format} onChange={(e) => update({ format: (e.target as HTMLSelectElement).value as ExportFormat })}>
            {FORMATS.map((f) => (
              <option value={f.id} key={f.id}>
                {f.label}
              </option>
            ))}
          </select>
        </label>

        {info.styled ? (
          <div class="export-style">
            <label>
              Citation style
              <input
                type="search"
                placeholder="Filter styles"
                aria-label="Filter the citation styles"
                data-testid="export-style-filter"
                value={styleFilter}
                onInput={(e) => setStyleFilter((e.target as HTMLInputElement).value)}
              />
            </label>
            <select
              size={6}
              ref={styleSelect}
              aria-label="Citation style"
              data-testid="export-style"
              value={prefs.style}
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                update({ style: id, styleTitle: styles.find((s) => s.id === id)?.title ?? '' });
              }}
            >
              {shownStyles.map((s) => (
                <option value={s.id} key={s.id} title={s.id}>
                  {s.title || s.id}
                </option>
              ))}
            </select>
            <label>
              Language
              <select data-testid="export-locale" value={prefs.locale} onChange={(e) => update({ locale: (e.target as HTMLSelectElement).value })}>
                <option value="">The style’s own</option>
                {(locales.includes(prefs.locale) || !prefs.locale ? locales : [prefs.locale, ...locales]).map((l) => (
                  <option value={l} key={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </div>
        ) : prefs.format === 'bibtex' || prefs.format === 'biblatex' ? (
          <label class="checkbox">
            <input type="checkbox" checked={prefs.latex} data-testid="export-latex" onChange={(e) => update({ latex: (e.target as HTMLInputElement).checked })} />
            LaTeX accents ({'{\\\'e}'}) instead of UTF-8
          </label>
        ) : null}

        <div class="export-preview" data-testid="export-preview" aria-live="polite" aria-busy={previewBusy ? 'true' : undefined} data-busy={previewBusy ? 'true' : undefined}>
          <div class="export-preview-head" data-testid="export-preview-count">
            {preview && args && !previewError
              ? preview.count > preview.shown
                ? `Preview: the first ${preview.shown} of ${plural(preview.count, 'work')}`
                : `Preview: ${plural(preview.count, 'work')}`
              : 'Preview'}
          </div>
          {previewBody}
        </div>

        {savePath !== null && (
          <div class="export-path">
            <label>
              Save to (a full path; ~/ is your home folder)
              <input
                ref={pathInput}
                data-testid="export-path"
                value={savePath}
                spellcheck={false}
                onInput={(e) => {
                  setSavePath((e.target as HTMLInputElement).value);
                  setExists(false);
                }}
              />
            </label>
            {canKeep && (
              <label class="checkbox">
                <input type="checkbox" checked={keep} data-testid="export-keep" onChange={(e) => setKeep((e.target as HTMLInputElement).checked)} />
                Keep this file updated: written again after every change (an auto-export; see Settings)
              </label>
            )}
            {exists && (
              <p class="field-error" role="alert" data-testid="export-exists">
                That file exists. Replace it, or change the name.
              </p>
            )}
          </div>
        )}

        {error && (
          <div class="field-error" role="alert" data-testid="export-error">
            {error}
          </div>
        )}

        <div class="buttons">
          <button type="button" onClick={p.onClose} data-testid="export-close">
            Close
          </button>
          <button type="button" disabled={!args || busy} onClick={() => void copy()} data-testid="export-copy" title="Copy the whole export to the clipboard">
            Copy
          </button>
          {savePath === null ? (
            <button type="button" class="primary" disabled={!args || busy} onClick={() => void save()} data-testid="export-save">
              Save…
            </button>
          ) : (
            <button type="submit" class={exists ? 'danger' : 'primary'} disabled={!args || busy || !savePath.trim()} data-testid="export-save-to">
              {exists ? 'Replace' : 'Save'}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
