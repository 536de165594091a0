// Quick lookup (Ctrl+K): a small palette over the library while writing.
// Typing searches at once, in the input event (answers to older keystrokes
// are dropped; an answer already had for the same words is reused); Enter
// copies the chosen work's citation in the Export dialog's style, or by
// citation key for Pandoc, LaTeX and Typst. A DOI, ISBN, arXiv id or PMID
// that is not in the library is looked up, added and copied in one go.
//
// With a `pick` (an editor's "cite as you write" request, Better BibTeX's
// /better-bibtex/cayw) it gathers works instead: Enter adds the highlighted
// work (each with an optional page, prefix, suffix or "year only"), Enter
// on an empty search or Ctrl+Enter sends them to the editor, in the format
// it asked for; closing sends nothing (the editor gets an empty answer).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { copyToClipboard, type ClipContent } from '../lib/clipboard';
import { errorLine } from '../lib/errors';
import { loadPrefs, savePrefs } from '../lib/exportPrefs';
import type { CitationFormat, PickDto, PickedCitation, Row, StyleDto } from '../lib/types';
import { Modal } from './Dialogs';
import { Markup } from './Markup';

export const QUICK_FORMATS: { id: CitationFormat; label: string }[] = [
  { id: 'text', label: 'Text (with rich text for word processors)' },
  { id: 'rtf', label: 'RTF' },
  { id: 'pandoc', label: 'Pandoc [@key]' },
  { id: 'latex', label: 'LaTeX \\cite{key}' },
  { id: 'typst', label: 'Typst @key' },
];

const FORMAT_KEY = 'ibid.quick.format';
const LIMIT = 8;
/** Answers kept while the palette is open. */
const ANSWERS_KEPT = 64;

/** Something `add_identifiers` can look up: a DOI (bare, doi: or a doi.org link), an ISBN, an arXiv id or a PMID. */
export function looksLikeIdentifier(s: string): boolean {
  const t = s.trim();
  return (
    /^(doi:\s*|https?:\/\/(dx\.)?doi\.org\/)?10\.\d{4,9}\/\S+$/i.test(t) ||
    /^(isbn:?\s*)?(97[89][\d-]{10,14}|[\d-]{9,12}[\dXx])$/i.test(t) ||
    /^arxiv:\s*\S+$/i.test(t) ||
    /^pmid:\s*\d+$/i.test(t)
  );
}

export interface QuickLookupProps {
  call: Bridge['call'];
  onClose(): void;
  /** Said after a copy ("Copied: (Shen, 2020)"). */
  onCopied(what: string): void;
  /** Copies to the clipboard (tests pass their own). */
  copy?: (get: () => Promise<ClipContent>) => Promise<ClipContent>;
  /** Milliseconds between polls of a lookup job. */
  pollMs?: number;
  /** An editor's pick: gather works for it instead of copying one. */
  pick?: PickDto;
  /** Said after the picked works were sent (with the text the editor got). */
  onSent?(text: string): void;
}

/** A work gathered for a pick, with its title to show. */
type Gathered = PickedCitation & { title: string };

export function QuickLookup({ call, onClose, onCopied, copy = copyToClipboard, pollMs = 150, pick, onSent }: QuickLookupProps) {
  // The text typed is the input's own (not state): a keystroke renders
  // nothing; the palette renders once, when the answer for it comes.
  const text = useRef('');
  const input = useRef<HTMLInputElement>(null);
  // The rows shown and the exact text they answer (the list's
  // `data-results-for`, set in the same render as the rows: what tests and
  // the palette benchmark wait for).
  const [shown, setShown] = useState<{ for: string; rows: Row[] }>({ for: '', rows: [] });
  const rows = shown.rows;
  const [active, setActive] = useState(0);
  const [format, setFormat] = useState<CitationFormat>(() => (localStorage.getItem(FORMAT_KEY) as CitationFormat | null) ?? 'text');
  const [status, setStatus] = useState<string | null>(null);
  const [gathered, setGathered] = useState<Gathered[]>([]);
  /** The style for text and RTF: the Export dialog's, and changing it here changes it there. */
  const [style, setStyle] = useState(() => loadPrefs().style);
  const [styles, setStyles] = useState<StyleDto[]>([]);
  const seq = useRef(0);
  const answered = useRef(false);
  /** Answers (or answers on the way) by trimmed query: a space, or a key typed again after a backspace, asks nothing new. */
  const answers = useRef(new Map<string, Promise<Row[]>>());

  /** Searches as the text changes: at once, in the input event (not after the next frame, as an effect would). */
  const lookup = (typed: string) => {
    text.current = typed;
    if (input.current && input.current.value !== typed) input.current.value = typed;
    const n = ++seq.current;
    const query = typed.trim();
    if (!query) {
      setShown({ for: typed, rows: [] });
      return;
    }
    const known = answers.current;
    let answer = known.get(query);
    if (!answer) {
      answer = call('search', { q: query, limit: LIMIT });
      known.set(query, answer);
      if (known.size > ANSWERS_KEPT) known.delete(known.keys().next().value!);
      answer.catch(() => known.get(query) === answer && known.delete(query));
    }
    answer
      .then((r) => {
        if (n !== seq.current) return; // a later keystroke's answer counts
        setShown({ for: typed, rows: r });
        setActive(0);
      })
      .catch(() => {
        if (n === seq.current) setShown({ for: typed, rows: [] });
      });
  };

  useEffect(() => {
    if (pick) return;
    call('styles', {}).then(
      (r) => setStyles(r.styles),
      () => setStyles([]),
    );
  }, []);

  const chooseStyle = (id: string) => {
    setStyle(id);
    savePrefs({ ...loadPrefs(), style: id, styleTitle: styles.find((s) => s.id === id)?.title ?? '' });
  };

  const chooseFormat = (f: CitationFormat) => {
    setFormat(f);
    localStorage.setItem(FORMAT_KEY, f);
  };

  const copyKey = async (key: string) => {
    const prefs = loadPrefs();
    const base = { keys: [key], kind: 'citation' as const, style, ...(prefs.locale ? { locale: prefs.locale } : {}) };
    const c = await copy(async () => {
      if (format === 'text') {
        const [text, html] = await Promise.all([call('format_citation', { ...base, format: 'text' }), call('format_citation', { ...base, format: 'html' })]);
        return { text: text.text, html: html.text };
      }
      return { text: (await call('format_citation', { ...base, format })).text };
    });
    onCopied(c.text);
    onClose();
  };

  /** Looks an identifier up, adds it, and gives its key. */
  const addIdentifier = async (text: string): Promise<string> => {
    setStatus(`Looking up ${text}…`);
    const started = await call('add_identifiers', { text });
    for (;;) {
      const job = await call('add_job', { job: started.job });
      if (job.finished) {
        const r = job.results[0];
        if (!r || !r.key) throw new Error(r?.message ?? 'nothing was found');
        return r.key;
      }
      await new Promise((res) => setTimeout(res, pollMs));
    }
  };

  /** Adds a work to the pick (once), and clears the search for the next. */
  const gather = (key: string, title: string) => {
    setGathered((g) => (g.some((c) => c.key === key) ? g : [...g, { key, title }]));
    lookup('');
    setStatus(null);
  };

  const edit = (i: number, change: Partial<PickedCitation>) => setGathered((g) => g.map((c, j) => (j === i ? { ...c, ...change } : c)));

  /** Sends the gathered works (or `null`: nothing) to the waiting editor. */
  const answer = async (citations: PickedCitation[] | null) => {
    if (!pick || answered.current) return;
    answered.current = true;
    try {
      const sent = citations?.map(({ key, locator, prefix, suffix, suppress_author }) => ({
        key,
        ...(locator?.trim() ? { locator: locator.trim() } : {}),
        ...(prefix?.trim() ? { prefix: prefix.trim() } : {}),
        ...(suffix?.trim() ? { suffix: suffix.trim() } : {}),
        ...(suppress_author ? { suppress_author } : {}),
      }));
      const r = await call('answer_pick', { id: pick.id, citations: sent ?? null });
      if (citations && pick.clipboard) await copy(async () => ({ text: r.text }));
      if (citations) onSent?.(r.text);
      onClose();
    } catch (e) {
      answered.current = false;
      const err = toApiError(e);
      if (err.code === 'not_found' && !citations) return onClose();
      setStatus(errorLine(err));
    }
  };

  const send = async () => {
    const row = rows[active];
    const all = gathered.length || !row ? gathered : [{ key: row.key, title: row.title }];
    if (!all.length) return setStatus('Nothing picked yet: find a work and press Enter to add it.');
    await answer(all);
  };

  const close = () => {
    if (pick) void answer(null);
    else onClose();
  };

  const enter = async () => {
    const q = text.current;
    try {
      const row = rows[active];
      if (pick) {
        if (row) return gather(row.key, row.title);
        if (looksLikeIdentifier(q)) return gather(await addIdentifier(q.trim()), q.trim());
        if (!q.trim()) return await send();
        return setStatus('No match: type part of a title or an author, or paste a DOI.');
      }
      if (row) return await copyKey(row.key);
      if (looksLikeIdentifier(q)) return await copyKey(await addIdentifier(q.trim()));
      setStatus('Nothing to cite: type part of a title, an author, or paste a DOI.');
    } catch (e) {
      setStatus(e instanceof Error && !('code' in e) ? e.message : errorLine(toApiError(e)));
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, Math.max(rows.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && pick && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void enter();
    } else if (e.key === 'Escape') {
      // Closes the palette here rather than through the dialog's cancel:
      // WebKit's search field keeps Escape to itself (the desktop window).
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };

  // The format and style pickers (80 styles) do not change as one types:
  // kept out of the render an answer causes.
  const formatPicker = useMemo(
    () =>
      !pick && (
        <label class="quick-format">
          Copy as{' '}
          <select data-testid="quick-format" value={format} onChange={(e) => chooseFormat((e.target as HTMLSelectElement).value as CitationFormat)}>
            {QUICK_FORMATS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
          {(format === 'text' || format === 'rtf') && (
            <>
              {' in '}
              <select data-testid="quick-style" aria-label="Citation style" value={style} onChange={(e) => chooseStyle((e.target as HTMLSelectElement).value)}>
                {!styles.some((s) => s.id === style) && <option value={style}>{loadPrefs().styleTitle || style}</option>}
                {styles.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.title}
                  </option>
                ))}
              </select>
            </>
          )}
        </label>
      ),
    [pick, format, style, styles],
  );

  return (
    <Modal title={pick ? `Cite in your editor (${pick.format})` : 'Cite'} onClose={close} testid="quick-lookup">
      <input
        type="search"
        data-autofocus
        data-testid="quick-input"
        spellcheck={false}
        autoComplete="off"
        aria-label="Search the library, or paste a DOI"
        placeholder="Title, author, year… or a DOI"
        ref={input}
        onInput={(e) => lookup((e.target as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
      />
      <ul class="quick-results" role="listbox" aria-label="Matches" data-testid="quick-results" data-results-for={shown.for}>
        {rows.map((r, i) => (
          <li
            key={r.key}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            data-testid="quick-row"
            onMouseEnter={() => setActive(i)}
            onClick={() => (pick ? gather(r.key, r.title) : void copyKey(r.key).catch((e: unknown) => setStatus(errorLine(toApiError(e)))))}
          >
            <span class="quick-title">{r.title ? <Markup html={r.title} /> : <span class="untitled">(no title)</span>}</span>
            <span class="quick-meta">
              {r.creators} {r.year ?? ''}
            </span>
          </li>
        ))}
      </ul>
      {!rows.length && shown.for.trim() && looksLikeIdentifier(shown.for) && (
        <p class="hint">{pick ? 'Enter: look it up, add it to the library and to this citation.' : 'Enter: look it up, add it to the library and copy its citation.'}</p>
      )}
      {pick && (
        <>
          <ol class="picked" data-testid="picked" aria-label="Works in this citation">
            {gathered.map((c, i) => (
              <li key={c.key} data-testid="picked-work">
                <span class="quick-title">{c.title ? <Markup html={c.title} /> : <span class="untitled">(no title)</span>}</span>
                <input aria-label="Prefix" placeholder="see" size={6} value={c.prefix ?? ''} onInput={(e) => edit(i, { prefix: (e.target as HTMLInputElement).value })} />
                <input
                  aria-label="Page or other locator"
                  data-testid="picked-locator"
                  placeholder="page"
                  size={8}
                  value={c.locator ?? ''}
                  onInput={(e) => edit(i, { locator: (e.target as HTMLInputElement).value })}
                />
                <input aria-label="Suffix" placeholder="suffix" size={8} value={c.suffix ?? ''} onInput={(e) => edit(i, { suffix: (e.target as HTMLInputElement).value })} />
                <label title="Cite the year only (the author is named in the text)">
                  <input type="checkbox" checked={!!c.suppress_author} onChange={(e) => edit(i, { suppress_author: (e.target as HTMLInputElement).checked })} /> year only
                </label>
                <button type="button" aria-label="Remove from this citation" onClick={() => setGathered((g) => g.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </li>
            ))}
          </ol>
          <p class="hint">Enter adds a work; Enter on an empty search (or Ctrl+Enter) sends the citation to your editor; Esc sends nothing.</p>
          <button type="button" data-testid="pick-send" disabled={!gathered.length} onClick={() => void send()}>
            Send {gathered.length === 1 ? '1 work' : `${gathered.length} works`} to the editor
          </button>
        </>
      )}
      {formatPicker}
      {status && (
        <p class="hint" role="status" data-testid="quick-status">
          {status}
        </p>
      )}
    </Modal>
  );
}
