// The Duplicates view (issue 8): the library's candidate duplicate groups,
// each with its works, score and a confident badge; merge one group (keeping
// the work chosen, else the most complete), merge every confident group at
// once, or mark a group as not duplicates. A merge goes on the app's undo
// stack (Ctrl+Z, the Undo button and the toast's Undo).
import { useEffect, useState } from 'preact/hooks';
import { toApiError, type Bridge } from '../bridge';
import { errorLine } from '../lib/errors';
import type { DuplicateGroup, Duplicates, Merged } from '../lib/types';
import { Markup } from './Markup';

interface Props {
  call: Bridge['call'];
  /** Bumped by the app when the library changed elsewhere (an Undo): the groups are found again. */
  version: number;
  /** After a merge: the app refreshes its counts and list and pushes the Undo. */
  onMerged(m: Merged, label: string): void;
  onMessage(text: string): void;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

const REASON: Record<string, string> = { doi: 'same DOI', isbn: 'same ISBN', title: 'title, year and creator' };

export function DuplicatesView(p: Props) {
  const [data, setData] = useState<Duplicates | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The chosen survivor of each group, by the group's first key. */
  const [keep, setKeep] = useState<Record<string, string>>({});

  const load = async () => {
    try {
      setError(null);
      setData(await p.call('find_duplicates', {}));
    } catch (e) {
      setError(errorLine(toApiError(e)));
    }
  };
  useEffect(() => {
    void load();
  }, [p.version]);

  const run = async (f: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    try {
      await f();
    } catch (e) {
      setError(errorLine(toApiError(e)));
    } finally {
      setBusy(false);
    }
  };

  const mergeGroup = (g: DuplicateGroup) =>
    run(async () => {
      const survivor = keep[g.keys[0]];
      const m = await p.call('merge_duplicates', { groups: [survivor ? { keys: g.keys, survivor } : { keys: g.keys }] });
      p.onMerged(m, `Merged ${plural(g.keys.length, 'duplicate')}`);
      await load();
    });

  const mergeConfident = () =>
    run(async () => {
      const m = await p.call('merge_duplicates', { all_confident: true });
      p.onMerged(m, `Merged ${plural(m.groups, 'confident group')} (${plural(m.merged, 'work')} merged away)`);
      await load();
    });

  const dismiss = (g: DuplicateGroup) =>
    run(async () => {
      await p.call('dismiss_duplicates', { keys: g.keys });
      p.onMessage('Marked as not duplicates: this group will not be offered again');
      await load();
    });

  if (error && !data) {
    return (
      <div class="list-message" role="alert" data-testid="duplicates-error">
        <p>{error}</p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </div>
    );
  }
  if (!data) {
    return (
      <div class="list-message" role="status" data-testid="duplicates-loading">
        <p>Looking for duplicates in the whole library…</p>
      </div>
    );
  }
  return (
    <div class="duplicates" data-testid="duplicates" aria-busy={busy}>
      <div class="duplicates-head">
        <p data-testid="duplicates-summary">
          {data.groups.length === 0
            ? 'No duplicates found.'
            : `${plural(data.groups.length, 'group')} of possible duplicates, ${data.confident.toLocaleString()} confident.`}
        </p>
        {data.confident > 0 && (
          <button type="button" class="primary" data-testid="merge-all-confident" disabled={busy} onClick={() => void mergeConfident()}>
            Merge all {plural(data.confident, 'confident group')}
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="duplicate-groups" aria-label="Duplicate groups">
        {data.groups.map((g) => {
          const id = g.keys[0];
          const chosen = keep[id];
          return (
            <li class="duplicate-group" key={g.keys.join(',')} data-testid="duplicate-group" data-keys={g.keys.join(',')}>
              <div class="duplicate-group-head">
                <span class="score" title="How alike the least alike two works of the group are">
                  {Math.round(g.score * 100)}%
                </span>
                {g.confident ? (
                  <span class="badge confident" data-testid="confident">
                    confident
                  </span>
                ) : (
                  <span class="badge check">check</span>
                )}
                <span class="reasons">{g.reasons.map((r) => REASON[r] ?? r).join(', ')}</span>
                <span class="sep" />
                <button type="button" data-testid="merge-group" disabled={busy} onClick={() => void mergeGroup(g)} title="Merge into the work chosen (else the most complete); Undo puts everything back">
                  Merge
                </button>
                <button type="button" data-testid="dismiss-group" disabled={busy} onClick={() => void dismiss(g)}>
                  Not duplicates
                </button>
              </div>
              <table class="duplicate-works">
                <thead>
                  <tr>
                    <th scope="col">Keep</th>
                    <th scope="col">Title</th>
                    <th scope="col">Creators</th>
                    <th scope="col">Year</th>
                    <th scope="col">DOI</th>
                    <th scope="col">In</th>
                  </tr>
                </thead>
                <tbody>
                  {g.works.map((w) => (
                    <tr key={w.key} data-testid="duplicate-work" data-key={w.key}>
                      <td>
                        <input
                          type="radio"
                          name={`keep-${id}`}
                          aria-label={`Keep ${w.key}`}
                          checked={chosen === w.key}
                          onChange={() => setKeep({ ...keep, [id]: w.key })}
                        />
                      </td>
                      <td>
                        <Markup html={w.title} class="title" />
                        <span class="type"> {w.type}</span>
                      </td>
                      <td>{w.creators}</td>
                      <td>{w.year ?? ''}</td>
                      <td>{w.doi ?? ''}</td>
                      <td>{w.container ? <Markup html={w.container} /> : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {!chosen && <p class="hint">Merging keeps the most complete record unless you choose one.</p>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
