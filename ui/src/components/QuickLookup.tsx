// Quick lookup (Ctrl+K): a small palette over the library while writing.
// Typing searches at once, in the input event (answers to older keystrokes
// are dropped; an answer already had for the same words is reused); Enter
// copies the chosen work's citation in the Export dialog's style, or by
// citation key for Pandoc, LaTeX and Typst. A DOI, ISBN, arXiv id or PMID
// that is not in the library is looked up, added and copied in one go.
import { useRef, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { copyToClipboard, type ClipContent } from '../lib/clipboard';
import { errorLine } from '../lib/errors';
import { loadPrefs } from '../lib/exportPrefs';
import type { CitationFormat, Row } from '../lib/types';
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
}

export function QuickLookup({ call, onClose, onCopied, copy = copyToClipboard, pollMs = 150 }: QuickLookupProps) {
  const [q, setQ] = useState('');
  // The rows shown and the exact text they answer (the list's
  // `data-results-for`, set in the same render as the rows: what tests and
  // the palette benchmark wait for).
  const [shown, setShown] = useState<{ for: string; rows: Row[] }>({ for: '', rows: [] });
  const rows = shown.rows;
  const [active, setActive] = useState(0);
  const [format, setFormat] = useState<CitationFormat>(() => (localStorage.getItem(FORMAT_KEY) as CitationFormat | null) ?? 'text');
  const [status, setStatus] = useState<string | null>(null);
  const seq = useRef(0);
  /** Answers (or answers on the way) by trimmed query: a space, or a key typed again after a backspace, asks nothing new. */
  const answers = useRef(new Map<string, Promise<Row[]>>());

  /** Searches as the text changes: at once, in the input event (not after the next frame, as an effect would). */
  const lookup = (text: string) => {
    setQ(text);
    const n = ++seq.current;
    const query = text.trim();
    if (!query) {
      setShown({ for: text, rows: [] });
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
        setShown({ for: text, rows: r });
        setActive(0);
      })
      .catch(() => {
        if (n === seq.current) setShown({ for: text, rows: [] });
      });
  };

  const chooseFormat = (f: CitationFormat) => {
    setFormat(f);
    localStorage.setItem(FORMAT_KEY, f);
  };

  const copyKey = async (key: string) => {
    const prefs = loadPrefs();
    const base = { keys: [key], kind: 'citation' as const, style: prefs.style, ...(prefs.locale ? { locale: prefs.locale } : {}) };
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

  const enter = async () => {
    try {
      const row = rows[active];
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
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void enter();
    }
  };

  return (
    <Modal title="Cite" onClose={onClose} testid="quick-lookup">
      <input
        type="search"
        data-autofocus
        data-testid="quick-input"
        aria-label="Search the library, or paste a DOI"
        placeholder="Title, author, year… or a DOI"
        value={q}
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
            onClick={() => void copyKey(r.key).catch((e: unknown) => setStatus(errorLine(toApiError(e))))}
          >
            <span class="quick-title">{r.title ? <Markup html={r.title} /> : <span class="untitled">(no title)</span>}</span>
            <span class="quick-meta">
              {r.creators} {r.year ?? ''}
            </span>
          </li>
        ))}
      </ul>
      {!rows.length && q.trim() && looksLikeIdentifier(q) && <p class="hint">Enter: look it up, add it to the library and copy its citation.</p>}
      <label class="quick-format">
        Copy as{' '}
        <select data-testid="quick-format" value={format} onChange={(e) => chooseFormat((e.target as HTMLSelectElement).value as CitationFormat)}>
          {QUICK_FORMATS.map((f) => (
            <option key={f.id} value={f.id}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      {status && (
        <p class="hint" role="status" data-testid="quick-status">
          {status}
        </p>
      )}
    </Modal>
  );
}
