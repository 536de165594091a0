// The "Cited works" and "Cited by" tabs of a work's detail: the citations a
// work makes (note by note, each with its locator and the work it points to)
// and the works that cite it.
import { useEffect, useState } from 'preact/hooks';
import type { Bridge } from '../bridge';
import { toApiError } from '../bridge';
import type { Citation, CitedWork, CitingWork } from '../lib/types';
import { Markup } from './Markup';

/** Loads `load()` whenever `key` changes; the newest answer wins. */
function useLoaded<T>(key: string, version: unknown, load: () => Promise<T>): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ key: string; data: T | null; error: string | null }>({ key, data: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ key, data: null, error: null });
    load().then(
      (data) => live && setState({ key, data, error: null }),
      (e) => live && setState({ key, data: null, error: toApiError(e).message }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, version]);
  return state.key === key ? state : { data: null, error: null };
}

function WorkLink({ work, openKey }: { work: CitedWork; openKey(key: string): void }) {
  const who = [work.creators, work.year ?? ''].filter(Boolean).join(', ');
  return (
    <span class="cited-work">
      <button type="button" class="link" data-testid="cited-work-link" data-key={work.key} onClick={() => openKey(work.key)}>
        <Markup html={work.title || work.key} />
      </button>
      {who && <span class="cited-who"> — {who}</span>}
      {!work.standalone && (
        <span class="badge" title="Known only as a cited work: not in your library's list">
          cited only
        </span>
      )}
    </span>
  );
}

const FORM_LABEL = { full: 'full', short: 'short form', ibid: 'ibid.' } as const;

/** "Paste notes or references": a text box whose content replaces the work's citations. */
function PasteNotes({ onPaste }: { onPaste(text: string): Promise<string | null> }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <button type="button" data-testid="paste-notes" onClick={() => setOpen(true)}>
        Paste notes or references…
      </button>
    );
  }
  const save = async () => {
    setBusy(true);
    const err = await onPaste(text);
    setBusy(false);
    if (err) setError(err);
    else {
      setOpen(false);
      setText('');
      setError(null);
    }
  };
  return (
    <div class="paste-notes" data-testid="paste-notes-editor">
      <textarea
        autoFocus
        rows={8}
        aria-label="Notes or references"
        placeholder={'Numbered notes (1. …, [1] …) or a reference list, one per line. They replace this item’s cited works.'}
        data-testid="paste-notes-input"
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
      />
      {error && (
        <p role="alert" data-testid="paste-notes-error">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="button" data-testid="paste-notes-save" disabled={busy || !text.trim()} onClick={() => void save()}>
          {busy ? 'Reading…' : 'Read notes'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The citations a work makes, grouped by note. */
export function CitedWorksTab({
  itemKey,
  version,
  bridge,
  openKey,
  onPaste,
}: {
  itemKey: string;
  version: unknown;
  bridge: Bridge;
  openKey(key: string): void;
  onPaste?(text: string): Promise<string | null>;
}) {
  const { data, error } = useLoaded<Citation[]>(itemKey, version, () => bridge.call('cited_works', { key: itemKey }));
  const paste = onPaste ? <PasteNotes onPaste={onPaste} /> : null;
  if (error) return <p role="alert">{error}</p>;
  if (!data) return <p class="hint">Loading…</p>;
  if (data.length === 0)
    return (
      <div data-testid="cited-works">
        <p class="hint">No cited works recorded for this item.</p>
        {paste}
      </div>
    );
  const distinct = new Set(data.map((c) => c.work?.key).filter(Boolean)).size;
  return (
    <div data-testid="cited-works">
      {paste}
      <p class="hint" data-testid="cited-summary">
        {data.length} citation{data.length === 1 ? '' : 's'} of {distinct} work{distinct === 1 ? '' : 's'}
      </p>
      <table class="cited-table">
        <thead>
          <tr>
            <th scope="col">Note</th>
            <th scope="col">Cited work</th>
            <th scope="col">Locator</th>
          </tr>
        </thead>
        <tbody>
          {data.map((c) => (
            <tr key={`${c.note ?? ''}-${c.position}`} data-testid="citation" data-note={c.note ?? ''} data-form={c.form} title={c.text}>
              <td class="num">{c.note ?? '—'}</td>
              <td>
                {c.work ? <WorkLink work={c.work} openKey={openKey} /> : <span class="unmatched">{c.text}</span>}
                {c.form !== 'full' && <span class="badge">{FORM_LABEL[c.form]}</span>}
              </td>
              <td data-testid="citation-locator">{c.locator ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The works that cite this one, each with the notes that do. */
export function CitedByTab({ itemKey, version, bridge, openKey }: { itemKey: string; version: unknown; bridge: Bridge; openKey(key: string): void }) {
  const { data, error } = useLoaded<CitingWork[]>(itemKey, version, () => bridge.call('cited_by', { key: itemKey }));
  if (error) return <p role="alert">{error}</p>;
  if (!data) return <p class="hint">Loading…</p>;
  if (data.length === 0) return <p class="hint">No work in the library cites this one.</p>;
  return (
    <ul class="cited-by" data-testid="cited-by">
      {data.map((w) => (
        <li key={w.work.key} data-testid="citing-work">
          <WorkLink work={w.work} openKey={openKey} />
          <ul class="cited-in">
            {w.citations.map((c, i) => (
              <li key={i} title={c.text} data-testid="cited-in">
                {c.note != null ? `note ${c.note}` : 'reference list'}
                {c.locator ? `, ${c.locator}` : ''}
                {c.form !== 'full' ? ` (${FORM_LABEL[c.form]})` : ''}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
