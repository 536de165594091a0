// "Add by identifier": paste DOIs (bare, doi: or any URL holding one), ISBNs,
// arXiv ids, PMIDs, or a whole page of text; the backend finds the
// identifiers, resolves them in the background (`add_identifiers`), and this
// dialog polls the job (`add_job`) for progress and one line per identifier.
import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { errorLine } from '../lib/errors';
import type { AddJob, AddResult } from '../lib/types';
import { Modal } from './Dialogs';
import { Markup } from './Markup';

/** What the dialog shows again when it is reopened: the text, and the last job. */
export interface AddDraft {
  text: string;
  job: string | null;
}

export interface AddByIdentifierProps {
  call: Bridge['call'];
  onClose(): void;
  /** Select (or open) a work of the results in the list. */
  onOpen(key: string): void;
  /** A job finished: the list should show the new works. */
  onFinished(job: AddJob): void;
  /** Remembers the text and the job, to show them when the dialog is reopened. */
  onDraft?(draft: AddDraft): void;
  draft?: AddDraft | null;
  /** Milliseconds between polls of a running job. */
  pollMs?: number;
}

export const POLL_MS = 150;

const OUTCOME_LABEL: Record<AddResult['outcome'], string> = {
  added: 'Added',
  present: 'Already in library',
  failed: 'Failed',
};

/** "2 added, 1 already in the library, 1 failed" (the parts that are not zero). */
export function summarize(results: AddResult[]): string {
  const n = (o: AddResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const parts: string[] = [];
  if (n('added')) parts.push(`${n('added')} added`);
  if (n('present')) parts.push(`${n('present')} already in the library`);
  if (n('failed')) parts.push(`${n('failed')} failed`);
  return parts.length ? parts.join(', ') : 'Nothing added';
}

/** An error code as a CSS class name. */
const codeClass = (code: string | null) => (code ? `code-${code.replace(/[^A-Za-z0-9_-]/g, '_')}` : '');

export function AddByIdentifierDialog({ call, onClose, onOpen, onFinished, onDraft, draft, pollMs = POLL_MS }: AddByIdentifierProps) {
  const [text, setText] = useState(draft?.text ?? '');
  const [job, setJob] = useState<AddJob | null>(null);
  const [running, setRunning] = useState(false);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  /** Bumped to stop the polling loop in flight (a new job, close, unmount). */
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const jobId = useRef<string | null>(draft?.job ?? null);
  const textRef = useRef(text);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const stopPolling = () => {
    generation.current++;
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };

  const draftChanged = () => onDraft?.({ text: textRef.current, job: jobId.current });

  /** Polls `add_job` until it is finished, or until stopped. */
  const poll = async (id: string, resumed: boolean) => {
    stopPolling();
    const mine = generation.current;
    setRunning(true);
    for (;;) {
      let j: AddJob;
      try {
        j = await call('add_job', { job: id });
      } catch (e) {
        if (mine !== generation.current) return;
        setRunning(false);
        const err = toApiError(e);
        // A job from an earlier opening may be gone: just start afresh.
        if (resumed && err.code === 'not_found') {
          jobId.current = null;
          draftChanged();
        } else setError({ code: err.code, message: errorLine(err) });
        return;
      }
      if (mine !== generation.current) return;
      setJob(j);
      if (j.finished) {
        setRunning(false);
        if (!resumed) onFinished(j);
        return;
      }
      // Once something is still running, its end is news again.
      resumed = false;
      await new Promise<void>((r) => {
        timer.current = setTimeout(() => {
          timer.current = null;
          r();
        }, pollMs);
      });
      if (mine !== generation.current) return;
    }
  };

  useEffect(() => {
    if (draft?.job) void poll(draft.job, true);
    return stopPolling;
  }, []);

  const submit = async () => {
    if (running || starting) return;
    setError(null);
    // The previous job's results (and a resumed job's poll) make way for
    // the new one at once: its summary must not read as this job's.
    stopPolling();
    setJob(null);
    setStarting(true);
    try {
      const started = await call('add_identifiers', { text: textRef.current });
      jobId.current = started.job;
      draftChanged();
      setJob({ job: started.job, total: started.total, done: 0, finished: false, results: [] });
      setStarting(false);
      void poll(started.job, false);
    } catch (e) {
      setStarting(false);
      const err = toApiError(e);
      setError({ code: err.code, message: err.code === 'not_an_identifier' || err.code === 'invalid_input' ? err.message : errorLine(err) });
      textarea.current?.focus();
    }
  };

  const close = () => {
    stopPolling();
    onClose();
  };

  const results = job?.results ?? [];
  const busy = running || starting;

  return (
    <Modal title="Add by identifier" onClose={close} testid="add-identifiers">
      <form
        class="form add-identifiers"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label for="add-identifiers-text">DOIs, ISBNs, arXiv ids or PubMed ids: one or many, or a whole page of text</label>
        <textarea
          id="add-identifiers-text"
          ref={textarea}
          data-autofocus
          rows={5}
          spellcheck={false}
          data-testid="add-identifiers-text"
          value={text}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'add-identifiers-error' : 'add-identifiers-hint'}
          placeholder={'10.1007/978-981-13-8641-1_7\nhttps://link.springer.com/chapter/…\n978-981-13-8641-1\narXiv:2101.00001'}
          onInput={(e) => {
            textRef.current = (e.target as HTMLTextAreaElement).value;
            setText(textRef.current);
            if (error) setError(null);
            draftChanged();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        {error ? (
          <div id="add-identifiers-error" class={`field-error ${codeClass(error.code)}`} role="alert" data-testid="add-identifiers-error" data-code={error.code}>
            {error.message}
          </div>
        ) : (
          <p id="add-identifiers-hint" class="hint">
            Publisher and doi.org links work too. Ctrl+Enter adds.
          </p>
        )}

        {job && (
          <div class="add-progress" data-testid="add-progress">
            <progress max={Math.max(job.total, 1)} value={job.done} aria-label="Identifiers looked up" />
            <span data-testid="add-progress-text">
              {job.done} of {job.total}
            </span>
          </div>
        )}

        {results.length > 0 && (
          <ol class="add-results" data-testid="add-results" aria-label="Results">
            {results.map((r, i) => (
              <li
                key={`${i}:${r.identifier}`}
                class={`add-result ${r.outcome} ${codeClass(r.code)}`}
                data-testid="add-result"
                data-outcome={r.outcome}
                data-identifier={r.identifier}
                data-code={r.code ?? undefined}
                data-key={r.key ?? undefined}
              >
                <span class="add-outcome">{OUTCOME_LABEL[r.outcome]}</span>
                {r.outcome === 'failed' ? (
                  <span class="add-what">
                    <span class="add-identifier" title={r.input}>
                      {r.identifier || r.input}
                    </span>
                    <span class="add-reason" data-testid="add-reason">
                      {r.message ?? r.code ?? 'failed'}
                    </span>
                  </span>
                ) : (
                  <span class="add-what">
                    {r.key ? (
                      <button type="button" class="link add-title" data-testid="add-result-open" title={`Show it in the list (${r.identifier})`} onClick={() => onOpen(r.key!)}>
                        <Markup html={r.title || r.identifier} />
                      </button>
                    ) : (
                      <Markup class="add-title" html={r.title || r.identifier} />
                    )}
                    <span class="add-identifier">{r.identifier}</span>
                  </span>
                )}
              </li>
            ))}
          </ol>
        )}

        <div class="buttons">
          {job?.finished && (
            <span class="add-summary" role="status" data-testid="add-summary">
              {summarize(results)}
            </span>
          )}
          <button type="button" onClick={close} data-testid="add-identifiers-close">
            Close
          </button>
          <button type="submit" class="primary" disabled={busy} data-testid="add-identifiers-add">
            {busy ? 'Adding…' : 'Add'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
