// Settings (toolbar button, Ctrl+,): the system-wide shortcut that opens
// quick lookup (desktop only), and the auto-exports — files kept in step
// with the library — with when each was last written and its last error.
import { useEffect, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { errorLine } from '../lib/errors';
import { ago, exactTime } from '../lib/time';
import type { AutoExport, ShortcutInfo } from '../lib/types';
import { Modal } from './Dialogs';

const FORMAT_LABELS: Record<AutoExport['format'], string> = {
  bibtex: 'BibTeX',
  biblatex: 'BibLaTeX',
  'csl-json': 'CSL-JSON',
  ris: 'RIS',
};

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform ?? '');

/** "CommandOrControl+Alt+KeyK" as a person reads it: "Ctrl+Alt+K" (⌘ on a Mac). */
export function prettyShortcut(s: string): string {
  return s
    .split('+')
    .map((t) => t.trim())
    .map((t) => {
      const u = t.toLowerCase();
      if (['commandorcontrol', 'commandorctrl', 'cmdorctrl', 'cmdorcontrol'].includes(u)) return IS_MAC ? 'Cmd' : 'Ctrl';
      if (u === 'control' || u === 'ctrl') return 'Ctrl';
      if (u === 'option' || u === 'alt') return IS_MAC ? 'Option' : 'Alt';
      if (u === 'command' || u === 'cmd') return 'Cmd';
      if (u === 'super') return IS_MAC ? 'Cmd' : 'Super';
      if (u === 'shift') return 'Shift';
      const m = /^(?:key|digit)(.)$/i.exec(t);
      return m ? m[1].toUpperCase() : t.length === 1 ? t.toUpperCase() : t;
    })
    .join('+');
}

/** The shortcut a key press makes, as the backend reads it; null while only modifiers are down. */
export function shortcutFromEvent(e: Pick<KeyboardEvent, 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey' | 'code'>): string | null {
  if (!e.code || /^(Control|Alt|Shift|Meta|OS)(Left|Right)?$/.test(e.code)) return null;
  const parts: string[] = [];
  if (IS_MAC ? e.metaKey : e.ctrlKey) parts.push('CommandOrControl');
  if (IS_MAC && e.ctrlKey) parts.push('Control');
  if (e.altKey) parts.push('Alt');
  if (e.shiftKey) parts.push('Shift');
  if (!IS_MAC && e.metaKey) parts.push('Super');
  parts.push(e.code.replace(/^(Key|Digit)/, ''));
  return parts.join('+');
}

export interface SettingsProps {
  call: Bridge['call'];
  /** Whether this is the desktop app (the system-wide shortcut exists only there). */
  desktop: boolean;
  onClose(): void;
  /** Said after a change ("No longer kept in step: …"). */
  onDone(message: string): void;
  /** Now, in unix milliseconds (tests pass their own clock). */
  now?: () => number;
}

function ShortcutSection({ call, onDone }: { call: Bridge['call']; onDone(message: string): void }) {
  const [info, setInfo] = useState<ShortcutInfo | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Answers to changes so far (`data-answers`: tests wait for the next one). */
  const [answers, setAnswers] = useState(0);

  useEffect(() => {
    call('quick_lookup_shortcut', {})
      .then((i) => {
        setInfo(i);
        setText(i.shortcut);
      })
      .catch((e: unknown) => setError(errorLine(toApiError(e))));
  }, []);

  const apply = async (shortcut: string) => {
    setBusy(true);
    setError(null);
    try {
      const i = await call('set_quick_lookup_shortcut', { shortcut });
      setInfo(i);
      setText(i.shortcut);
      onDone(i.shortcut ? `Quick lookup from any program: ${prettyShortcut(i.shortcut)}` : 'The system-wide quick-lookup shortcut is off');
    } catch (e) {
      setError(errorLine(toApiError(e)));
    } finally {
      setBusy(false);
      setAnswers((n) => n + 1);
    }
  };

  return (
    <>
      <p>
        {info === null ? (
          'Loading…'
        ) : info.shortcut ? (
          <>
            Press{' '}
            <kbd data-testid="shortcut-current" data-shortcut={info.shortcut}>
              {prettyShortcut(info.shortcut)}
            </kbd>{' '}
            in any program to bring Ibid forward with quick lookup open.
          </>
        ) : (
          <span data-testid="shortcut-current" data-shortcut="">
            Off: no system-wide shortcut.
          </span>
        )}
      </p>
      {info?.error && (
        <p class="settings-error" role="alert" data-testid="shortcut-not-active">
          Not working now: {info.error}
        </p>
      )}
      <form
        class="shortcut-form"
        data-answers={answers}
        onSubmit={(e) => {
          e.preventDefault();
          void apply(text);
        }}
      >
        <label>
          Shortcut{' '}
          <input
            data-testid="shortcut-input"
            value={text}
            spellcheck={false}
            placeholder={info?.default ?? 'CommandOrControl+Alt+K'}
            aria-describedby="shortcut-help"
            aria-invalid={error ? true : undefined}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              // Pressing a combination with Ctrl, Alt or Super records it.
              if (!(e.ctrlKey || e.altKey || e.metaKey)) return;
              const s = shortcutFromEvent(e);
              if (!s) return;
              e.preventDefault();
              e.stopPropagation();
              setText(s);
            }}
          />
        </label>
        <button type="submit" class="primary" disabled={busy || !text.trim()} data-testid="shortcut-save">
          Use
        </button>
        <button type="button" disabled={busy || !info || info.shortcut === info.default} onClick={() => info && void apply(info.default)} data-testid="shortcut-default">
          Default
        </button>
        <button type="button" disabled={busy || !info?.shortcut} onClick={() => void apply('')} data-testid="shortcut-off">
          Turn off
        </button>
      </form>
      <p class="hint" id="shortcut-help">
        Press the keys in the box, or type them: modifiers then one key, e.g. {info?.default ?? 'CommandOrControl+Alt+K'}. In this window Ctrl+K always opens it.
      </p>
      {error && (
        <p class="settings-error" role="alert" data-testid="shortcut-error">
          {error}
        </p>
      )}
    </>
  );
}

export function SettingsDialog({ call, desktop, onClose, onDone, now = Date.now }: SettingsProps) {
  const [exports, setExports] = useState<AutoExport[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [, setTick] = useState(0);

  useEffect(() => {
    call('auto_exports', {})
      .then(setExports)
      .catch((e: unknown) => setLoadError(errorLine(toApiError(e))));
    // "written 3 minutes ago" moves on while the dialog is open.
    const t = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);

  const remove = async (path: string) => {
    try {
      setExports(await call('remove_auto_export', { path }));
      onDone(`No longer kept in step (the file stays): ${path}`);
    } catch (e) {
      setLoadError(errorLine(toApiError(e)));
    }
  };

  const t = now();
  return (
    <Modal title="Settings" onClose={onClose} testid="settings-dialog">
      <section class="settings-section" aria-labelledby="settings-shortcut">
        <h3 id="settings-shortcut">Quick lookup from any program</h3>
        {desktop ? (
          <ShortcutSection call={call} onDone={onDone} />
        ) : (
          <p class="hint" data-testid="shortcut-unavailable">
            Not available in the browser: the system-wide shortcut needs the Ibid desktop app. Here, Ctrl+K opens quick lookup in this page.
          </p>
        )}
      </section>
      <section class="settings-section" aria-labelledby="settings-auto-exports">
        <h3 id="settings-auto-exports">Auto-exports</h3>
        <p class="hint">
          Files kept in step with the library: after every change, the works that changed are written again. Add one with{' '}
          <code>ibid auto-export add --format bibtex --path refs.bib</code>.
        </p>
        {loadError && (
          <p class="settings-error" role="alert" data-testid="auto-exports-error">
            {loadError}
          </p>
        )}
        {exports === null && !loadError && <p>Loading…</p>}
        {exports?.length === 0 && <p data-testid="auto-exports-none">No file is kept in step yet.</p>}
        {exports && exports.length > 0 && (
          <ul class="auto-exports" data-testid="auto-exports">
            {exports.map((a) => (
              <li key={a.path} data-testid="auto-export" data-path={a.path}>
                <div class="auto-export-head">
                  <span class="auto-export-path" data-testid="auto-export-path">
                    {a.path}
                  </span>
                  <button type="button" onClick={() => void remove(a.path)} data-testid="auto-export-remove" aria-label={`Stop keeping ${a.path} in step`}>
                    Remove
                  </button>
                </div>
                <div class="auto-export-meta">
                  <span data-testid="auto-export-format">{FORMAT_LABELS[a.format] ?? a.format}</span>
                  {' · '}
                  <span data-testid="auto-export-scope">{a.scope}</span>
                  {' · '}
                  <span data-testid="auto-export-entries">{a.entries === null ? 'no entries yet' : `${a.entries.toLocaleString()} ${a.entries === 1 ? 'entry' : 'entries'}`}</span>
                  {' · '}
                  {a.written_at === null ? (
                    <span data-testid="auto-export-written">never written</span>
                  ) : (
                    <time data-testid="auto-export-written" dateTime={new Date(a.written_at).toISOString()} title={exactTime(a.written_at)}>
                      written {ago(a.written_at, t)}
                    </time>
                  )}
                </div>
                {a.last_error && (
                  <p class="settings-error" role="alert" data-testid="auto-export-error">
                    Last refresh failed: {a.last_error}
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="buttons">
        <button type="button" data-autofocus onClick={onClose} data-testid="settings-close">
          Close
        </button>
      </div>
    </Modal>
  );
}
