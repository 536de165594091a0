import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../src/App';
import type { Duplicates, DuplicateWork } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

const work = (key: string, title: string, extra: Partial<DuplicateWork> = {}): DuplicateWork => ({
  key,
  type: 'article-journal',
  title,
  creators: 'Smith',
  year: 2001,
  doi: null,
  container: null,
  added: 0,
  ...extra,
});

/** Two confident groups (one with a hostile title) and one to check. */
function groups(): Duplicates {
  return {
    groups: [
      {
        keys: ['AAAAAAA1', 'AAAAAAA2'],
        score: 1,
        confident: true,
        reasons: ['doi'],
        works: [
          work('AAAAAAA1', 'Cold War <i>Origins</i>', { doi: '10.1234/cwo', container: 'Diplomatic History' }),
          work('AAAAAAA2', 'COLD WAR ORIGINS', { doi: '10.1234/cwo' }),
        ],
      },
      {
        keys: ['BBBBBBB1', 'BBBBBBB2'],
        score: 0.923,
        confident: true,
        reasons: ['title'],
        works: [work('BBBBBBB1', 'Bad <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>split'), work('BBBBBBB2', 'Bad split')],
      },
      { keys: ['CCCCCCC1', 'CCCCCCC2'], score: 0.867, confident: false, reasons: ['title'], works: [work('CCCCCCC1', "Stalin's Cold War"), work('CCCCCCC2', "Stalin's cold war", { creators: '' })] },
    ],
    confident: 2,
    last_merge: null,
  };
}

/** A backend holding these groups: merging removes them, undo puts them back. */
function backend() {
  let current = groups();
  let count = 100;
  const merges: Duplicates[] = [];
  return recordingBridge(async (name, a) => {
    switch (name) {
      case 'library_info':
        return { path: 'x', count, trash_count: 0 };
      case 'list_keys':
        return { keys: '', count: 0 };
      case 'collections':
      case 'tags':
        return [];
      case 'find_duplicates':
        return structuredClone(current);
      case 'merge_duplicates': {
        merges.push(current);
        const keys = a.all_confident
          ? current.groups.filter((g) => g.confident).map((g) => g.keys)
          : (a.groups as { keys: string[] }[]).map((g) => g.keys);
        const gone = new Set(keys.map((k) => k.join(',')));
        const left = current.groups.filter((g) => !gone.has(g.keys.join(',')));
        const merged = keys.reduce((n, k) => n + k.length - 1, 0);
        count -= merged;
        current = { groups: left, confident: left.filter((g) => g.confident).length, last_merge: merges.length };
        return { batch: merges.length, groups: keys.length, merged, survivors: keys.map((k) => k[0]) };
      }
      case 'undo_merge': {
        const before = merges.pop()!;
        count += 2 * (current.groups.length < before.groups.length ? before.groups.length - current.groups.length : 0);
        current = before;
        return { batch: a.batch, groups: 1, restored: 1 };
      }
      case 'dismiss_duplicates':
        current = { ...current, groups: current.groups.filter((g) => g.keys.join(',') !== (a.keys as string[]).join(',')) };
        return { keys: a.keys };
      default:
        throw { code: 'not_found', message: name };
    }
  });
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));
afterEach(() => {
  delete (window as unknown as Record<string, unknown>).__pwned;
});

const $ = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const $$ = (id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

async function openDuplicates() {
  const b = backend();
  await act(() => render(<App bridge={b.bridge} />, root));
  await sleep(10);
  await act(() => $('view-duplicates')!.click());
  await sleep(10);
  return b;
}

describe('Duplicates view', () => {
  it('shows each group with its works, score and confident badge; titles are sanitized', async () => {
    const { calls } = await openDuplicates();
    expect(calls.filter((c) => c.name === 'find_duplicates')).toHaveLength(1);
    expect($('scope-name')!.textContent).toBe('Duplicates');
    expect($('duplicates-summary')!.textContent).toBe('3 groups of possible duplicates, 2 confident.');
    const gs = $$('duplicate-group');
    expect(gs.map((g) => g.getAttribute('data-keys'))).toEqual(['AAAAAAA1,AAAAAAA2', 'BBBBBBB1,BBBBBBB2', 'CCCCCCC1,CCCCCCC2']);
    expect(gs.map((g) => !!g.querySelector('[data-testid="confident"]'))).toEqual([true, true, false]);
    expect(gs[0].textContent).toContain('100%');
    expect(gs[0].textContent).toContain('same DOI');
    expect(gs[0].textContent).toContain('10.1234/cwo');
    expect(gs[0].textContent).toContain('Diplomatic History');
    expect(gs[0].querySelector('i')?.textContent).toBe('Origins');
    expect(gs[1].textContent).toContain('92%');
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('[onerror]')).toBeNull();
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
    expect($('merge-all-confident')!.textContent).toBe('Merge all 2 confident groups');
  });

  it('merges all confident groups at once, and Ctrl+Z undoes the merge', async () => {
    const { calls } = await openDuplicates();
    await act(() => $('merge-all-confident')!.click());
    await sleep(10);
    expect(calls.find((c) => c.name === 'merge_duplicates')!.args).toEqual({ all_confident: true });
    expect($$('duplicate-group').map((g) => g.getAttribute('data-keys'))).toEqual(['CCCCCCC1,CCCCCCC2']);
    expect($('merge-all-confident')).toBeNull();
    expect($('toast')!.textContent).toContain('Merged 2 confident groups (2 works merged away)');
    expect($('status-total')!.textContent).toBe('98 in library');
    await act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true }));
    });
    await sleep(10);
    expect(calls.find((c) => c.name === 'undo_merge')!.args).toEqual({ batch: 1 });
    for (let i = 0; i < 200 && $$('duplicate-group').length !== 3; i++) await sleep(10);
    expect($$('duplicate-group')).toHaveLength(3);
    expect($('toast')!.textContent).toContain('Undone: merged 2 confident groups');
  });

  it('merges one group keeping the work chosen, and marks another as not duplicates', async () => {
    const { calls } = await openDuplicates();
    const third = $$('duplicate-group')[2];
    await act(() => (third.querySelectorAll('input[type="radio"]')[1] as HTMLInputElement).click());
    await act(() => (third.querySelector('[data-testid="merge-group"]') as HTMLElement).click());
    await sleep(10);
    expect(calls.find((c) => c.name === 'merge_duplicates')!.args).toEqual({ groups: [{ keys: ['CCCCCCC1', 'CCCCCCC2'], survivor: 'CCCCCCC2' }] });
    expect($('undo')!.getAttribute('title')).toBe('Undo: Merged 2 duplicates (Ctrl+Z)');
    // Without a choice, the backend keeps the most complete record.
    await act(() => ($$('duplicate-group')[0].querySelector('[data-testid="merge-group"]') as HTMLElement).click());
    await sleep(10);
    expect(calls.filter((c) => c.name === 'merge_duplicates')[1].args).toEqual({ groups: [{ keys: ['AAAAAAA1', 'AAAAAAA2'] }] });
    await act(() => ($$('duplicate-group')[0].querySelector('[data-testid="dismiss-group"]') as HTMLElement).click());
    await sleep(10);
    expect(calls.find((c) => c.name === 'dismiss_duplicates')!.args).toEqual({ keys: ['BBBBBBB1', 'BBBBBBB2'] });
    expect($('duplicates-summary')!.textContent).toBe('No duplicates found.');
  });
});
