import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../src/App';
import type { Bridge } from '../src/bridge';
import { AddByIdentifierDialog, summarize, type AddDraft } from '../src/components/AddByIdentifier';
import type { AddJob, AddResult, Row } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

const res = (p: Partial<AddResult> & Pick<AddResult, 'identifier' | 'outcome'>): AddResult => ({
  input: p.identifier,
  key: null,
  title: null,
  code: null,
  message: null,
  ...p,
});

const ADDED = res({ identifier: 'doi:10.1007/978-981-13-8641-1_7', outcome: 'added', key: 'CHAPTER1', title: 'The Political and Economic Foundations of the <i>Sino-Soviet</i> Alliance' });
const PRESENT = res({ identifier: 'isbn:9789811386411', outcome: 'present', key: 'BOOK0001', title: 'A Short History of Sino-Soviet Relations, 1917–1991' });
const FAILED = res({ identifier: 'doi:10.9999/nope', outcome: 'failed', code: 'not_found', message: 'no DOI 10.9999/nope at Crossref' });
const ADDED2 = res({ identifier: 'arxiv:2101.00001', outcome: 'added', key: 'ARXIV001', title: 'Another Work' });

type Handler = (args: Record<string, unknown>) => unknown;

/** A fake backend: `add_job` answers the next of `states` at each poll (the last one repeats). */
function fakeBridge(states: AddJob[], extra: Record<string, Handler> = {}) {
  let polls = 0;
  const { bridge: b, calls } = recordingBridge((name, a) => {
    if (extra[name]) return extra[name](a);
    switch (name) {
      case 'add_identifiers':
        if (!String(a.text).trim() || /^no ids/.test(String(a.text))) throw { code: 'not_an_identifier', message: `no identifier found in "${a.text}"` };
        return { job: states[0].job, total: states[0].total };
      case 'add_job': {
        if (a.job !== states[0].job) throw { code: 'not_found', message: `no job ${a.job}` };
        const s = states[Math.min(polls, states.length - 1)];
        polls++;
        return structuredClone(s);
      }
      default:
        throw { code: 'not_found', message: name };
    }
  });
  return { bridge: b, calls, polls: () => calls.filter((c) => c.name === 'add_job').length };
}

const job = (done: number, total: number, results: AddResult[], finished = done === total): AddJob => ({ job: 'J1', total, done, finished, results });

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

const $ = <E extends Element = HTMLElement>(testid: string) => root.querySelector<E>(`[data-testid="${testid}"]`);
const $$ = (testid: string) => Array.from(root.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`));

async function type(text: string) {
  const ta = $<HTMLTextAreaElement>('add-identifiers-text')!;
  await act(() => {
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
async function clickAdd() {
  await act(() => {
    $('add-identifiers-add')!.click();
  });
}

interface Opts {
  draft?: AddDraft | null;
  onOpen?: (k: string) => void;
  onFinished?: (j: AddJob) => void;
  onClose?: () => void;
  onDraft?: (d: AddDraft) => void;
  pollMs?: number;
}
async function mount(bridge: Bridge, o: Opts = {}) {
  await act(() =>
    render(
      <AddByIdentifierDialog
        call={bridge.call.bind(bridge) as Bridge['call']}
        pollMs={o.pollMs ?? 10}
        draft={o.draft ?? null}
        onOpen={o.onOpen ?? (() => {})}
        onFinished={o.onFinished ?? (() => {})}
        onClose={o.onClose ?? (() => {})}
        onDraft={o.onDraft}
      />,
      root,
    ),
  );
}

describe('summarize', () => {
  it('counts each outcome, leaving out the zeros', () => {
    expect(summarize([ADDED, ADDED2, PRESENT, FAILED])).toBe('2 added, 1 already in the library, 1 failed');
    expect(summarize([PRESENT])).toBe('1 already in the library');
    expect(summarize([])).toBe('Nothing added');
  });
});

describe('Add by identifier dialog', () => {
  it('is a labelled dialog with a labelled text box', async () => {
    const { bridge } = fakeBridge([job(0, 1, [])]);
    await mount(bridge);
    const dlg = $('add-identifiers')!;
    expect(dlg.tagName).toBe('DIALOG');
    expect(document.getElementById(dlg.getAttribute('aria-labelledby')!)!.textContent).toBe('Add by identifier');
    const ta = $<HTMLTextAreaElement>('add-identifiers-text')!;
    expect(ta.labels?.[0]?.textContent).toMatch(/DOIs, ISBNs/);
  });

  it('shows progress as results arrive, then the summary; polling stops when finished', async () => {
    const states = [job(0, 4, []), job(1, 4, [ADDED]), job(3, 4, [ADDED, FAILED, PRESENT]), job(4, 4, [ADDED, FAILED, PRESENT, ADDED2])];
    const { bridge, calls, polls } = fakeBridge(states);
    const onFinished = vi.fn();
    const onDraft = vi.fn();
    await mount(bridge, { onFinished, onDraft, pollMs: 60 });
    const step = { interval: 2, timeout: 1000 };
    await type('https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7 and more');
    await clickAdd();
    expect(calls.find((c) => c.name === 'add_identifiers')!.args).toEqual({ text: 'https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7 and more' });
    const progress = () => root.querySelector('progress')!;
    expect(progress().max).toBe(4);
    expect($('add-progress-text')!.textContent).toBe('0 of 4');
    expect($('add-identifiers-add')!.hasAttribute('disabled')).toBe(true);
    expect($('add-summary')).toBeNull();

    // Poll by poll (the first poll answers at once).
    await vi.waitFor(() => expect($('add-progress-text')!.textContent).toBe('1 of 4'), step);
    expect(progress().value).toBe(1);
    expect($$('add-result').map((li) => li.dataset.outcome)).toEqual(['added']);
    await vi.waitFor(() => expect($('add-progress-text')!.textContent).toBe('3 of 4'), step);
    expect($('add-summary')).toBeNull();
    await vi.waitFor(() => expect($('add-progress-text')!.textContent).toBe('4 of 4'), step);
    const lines = $$('add-result');
    expect(lines.map((li) => li.dataset.outcome)).toEqual(['added', 'failed', 'present', 'added']);

    // added: the title through the sanitizer (its <i> kept), a button that opens it
    expect(lines[0].querySelector('.add-title i')!.textContent).toBe('Sino-Soviet');
    expect(lines[0].textContent).toMatch(/^Added/);
    expect(lines[0].dataset.key).toBe('CHAPTER1');
    // failed: the reason, with the code as data attribute and class
    expect(lines[1].dataset.code).toBe('not_found');
    expect(lines[1].classList.contains('code-not_found')).toBe(true);
    expect(lines[1].querySelector('[data-testid="add-reason"]')!.textContent).toBe('no DOI 10.9999/nope at Crossref');
    expect(lines[1].textContent).toContain('doi:10.9999/nope');
    // present
    expect(lines[2].textContent).toMatch(/Already in library/);
    expect(lines[2].textContent).toContain('A Short History of Sino-Soviet Relations');

    expect($('add-summary')!.textContent).toBe('2 added, 1 already in the library, 1 failed');
    expect($('add-summary')!.getAttribute('role')).toBe('status');
    expect(onFinished).toHaveBeenCalledTimes(1);
    expect(onFinished.mock.calls[0][0].results).toHaveLength(4);
    expect(onDraft).toHaveBeenLastCalledWith({ text: 'https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7 and more', job: 'J1' });
    expect($('add-identifiers-add')!.hasAttribute('disabled')).toBe(false);

    const n = polls();
    expect(n).toBe(4);
    await sleep(200);
    expect(polls()).toBe(n); // no more polls once finished
  });

  it('renders a hostile title inert', async () => {
    const evil = res({ identifier: 'doi:10.1/evil', outcome: 'added', key: 'EVIL0001', title: '<img src=x onerror=alert(1)>Evil <script>window.__pwned=1</script><i>ok</i>' });
    const { bridge } = fakeBridge([job(1, 1, [evil])]);
    await mount(bridge);
    await type('10.1/evil');
    await clickAdd();
    await vi.waitFor(() => expect($('add-summary')).not.toBeNull());
    const line = $$('add-result')[0];
    expect(line.querySelector('i')!.textContent).toBe('ok');
    expect(line.textContent).toContain('Evil');
    expect(root.querySelectorAll('img, script, [onerror]').length).toBe(0);
    expect(document.querySelectorAll('img').length).toBe(0);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('shows "no identifier found" inline, and starts no job', async () => {
    const { bridge, calls } = fakeBridge([job(0, 1, [])]);
    await mount(bridge);
    await type('no ids here');
    await clickAdd();
    await vi.waitFor(() => expect($('add-identifiers-error')).not.toBeNull());
    const err = $('add-identifiers-error')!;
    expect(err.textContent).toBe('no identifier found in "no ids here"');
    expect(err.dataset.code).toBe('not_an_identifier');
    expect(err.getAttribute('role')).toBe('alert');
    expect($('add-identifiers-text')!.getAttribute('aria-invalid')).toBe('true');
    expect(calls.some((c) => c.name === 'add_job')).toBe(false);
    expect($('add-progress')).toBeNull();
    // Typing again clears it.
    await type('10.1007/x');
    expect($('add-identifiers-error')).toBeNull();
  });

  it('an empty box asks the backend, which says no identifier', async () => {
    const { bridge } = fakeBridge([job(0, 1, [])]);
    await mount(bridge);
    await clickAdd();
    await vi.waitFor(() => expect($('add-identifiers-error')!.textContent).toBe('no identifier found in ""'));
  });

  it('Ctrl+Enter adds; clicking a title opens the work', async () => {
    const { bridge, calls } = fakeBridge([job(1, 1, [ADDED])]);
    const onOpen = vi.fn();
    await mount(bridge, { onOpen });
    await type('10.1007/978-981-13-8641-1_7');
    await act(() => {
      $('add-identifiers-text')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true }));
    });
    expect(calls.filter((c) => c.name === 'add_identifiers')).toHaveLength(1);
    await vi.waitFor(() => expect($('add-result-open')).not.toBeNull());
    await act(() => $('add-result-open')!.click());
    expect(onOpen).toHaveBeenCalledWith('CHAPTER1');
  });

  it('closing stops the polling of a job still running', async () => {
    const { bridge, polls } = fakeBridge([job(0, 3, [])]); // never finishes
    const onClose = vi.fn();
    await mount(bridge, { onClose });
    await type('10.1/a 10.1/b 10.1/c');
    await clickAdd();
    await vi.waitFor(() => expect(polls()).toBeGreaterThanOrEqual(3));
    await act(() => $('add-identifiers-close')!.click());
    expect(onClose).toHaveBeenCalledTimes(1);
    const n = polls();
    await sleep(60);
    expect(polls()).toBe(n);
  });

  it('unmounting stops the polling too; Escape (cancel) closes', async () => {
    const { bridge, polls } = fakeBridge([job(0, 3, [])]);
    const onClose = vi.fn();
    await mount(bridge, { onClose });
    await type('10.1/a');
    await clickAdd();
    await vi.waitFor(() => expect(polls()).toBeGreaterThanOrEqual(2));
    await act(() => {
      $('add-identifiers')!.dispatchEvent(new Event('cancel', { cancelable: true }));
    });
    expect(onClose).toHaveBeenCalledTimes(1);
    await act(() => render(null, root));
    const n = polls();
    await sleep(60);
    expect(polls()).toBe(n);
  });

  it('reopened, it shows the last job again (without announcing it as new); a vanished job is forgotten', async () => {
    const { bridge } = fakeBridge([job(2, 2, [ADDED, PRESENT])]);
    const onFinished = vi.fn();
    await mount(bridge, { draft: { text: 'the old text', job: 'J1' }, onFinished });
    await vi.waitFor(() => expect($$('add-result')).toHaveLength(2));
    expect($<HTMLTextAreaElement>('add-identifiers-text')!.value).toBe('the old text');
    expect($('add-summary')!.textContent).toBe('1 added, 1 already in the library');
    expect(onFinished).not.toHaveBeenCalled();
    await act(() => render(null, root));

    const onDraft = vi.fn();
    await mount(bridge, { draft: { text: 'x', job: 'GONE' }, onDraft });
    await vi.waitFor(() => expect(onDraft).toHaveBeenCalledWith({ text: 'x', job: null }));
    expect($('add-identifiers-error')).toBeNull();
  });

  // Regression (CI, 2026-11-30): reopened on a finished job, a new Add
  // still showed that job's summary until the new job had started, so the
  // summary a user (or the e2e test) saw was the previous job's.
  it('a new Add clears the previous job at once: its summary is not the new one', async () => {
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const { bridge } = fakeBridge([job(2, 2, [ADDED, PRESENT])], {
      add_identifiers: async () => {
        await started;
        return { job: 'J1', total: 2 };
      },
    });
    await mount(bridge, { draft: { text: 'the old text', job: 'J1' } });
    await vi.waitFor(() => expect($('add-summary')!.textContent).toBe('1 added, 1 already in the library'));
    await type('10.1007/978-981-13-8641-1_7');
    await clickAdd();
    // The backend has not answered yet: no summary and no old results.
    expect($('add-summary')).toBeNull();
    expect($$('add-result')).toHaveLength(0);
    expect($('add-identifiers-add')!.textContent).toBe('Adding…');
    await act(() => release());
    await vi.waitFor(() => expect($('add-summary')!.textContent).toBe('1 added, 1 already in the library'));
  });

  it('an error while polling shows inline and stops', async () => {
    const { bridge, polls } = fakeBridge([job(0, 1, [])], {
      add_job: () => {
        throw { code: 'database', message: 'database is locked' };
      },
    });
    await mount(bridge);
    await type('10.1/a');
    await clickAdd();
    await vi.waitFor(() => expect($('add-identifiers-error')).not.toBeNull());
    expect($('add-identifiers-error')!.textContent).toMatch(/database is locked/);
    expect($('add-identifiers-error')!.dataset.code).toBe('database');
    const n = polls();
    await sleep(40);
    expect(polls()).toBe(n);
    expect($('add-identifiers-add')!.hasAttribute('disabled')).toBe(false);
  });
});

describe('Add by identifier in the window', () => {
  const KEYS = ['AAAAAAAA', 'BBBBBBBB'];
  const row = (k: string): Row => ({ key: k, type: 'book', title: `Title ${k}`, creators: 'A', year: 2000, added: 0 });

  function appBridge(
    states = [job(0, 1, []), job(1, 1, [res({ identifier: 'doi:10.1/new', outcome: 'added', key: 'NEWWORK1', title: 'New <i>Work</i>' })])],
  ) {
    let keys = [...KEYS];
    const f = fakeBridge(states, {
      library_info: () => ({ path: 'x', count: keys.length, trash_count: 0 }),
      list_keys: () => ({ keys: keys.join(''), count: keys.length }),
      rows: (a) => (a.keys as string[]).map(row),
      collections: () => [],
      tags: () => [],
      search: () => [],
      get_detail: (a) => ({
        key: a.key,
        item: { type: 'book', title: `Title ${a.key}` },
        own: { type: 'book', title: `Title ${a.key}` },
        tags: [],
        collections: [],
        parent: null,
        children: [],
        notes: [],
        attachments: [],
        trashed: false,
      }),
      add_identifiers: () => {
        keys = [...keys, 'NEWWORK1'];
        return { job: 'J1', total: 1 };
      },
    });
    return f;
  }

  it('opens from the toolbar and with Ctrl+Shift+A; when done the list reloads and a title click selects the work', async () => {
    const { bridge, calls } = appBridge();
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    expect($('status-shown')!.textContent).toBe('2 shown');
    const btn = $('add-by-identifier')!;
    expect(btn.getAttribute('aria-keyshortcuts')).toBe('Control+Shift+A');
    await act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'A', ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true }));
    });
    expect($('add-identifiers')).not.toBeNull();
    await act(() => $('add-identifiers-close')!.click());
    expect($('add-identifiers')).toBeNull();
    await act(() => btn.click());
    expect($('add-identifiers')).not.toBeNull();

    const listLoads = () => calls.filter((c) => c.name === 'list_keys').length;
    const before = listLoads();
    await type('10.1/new');
    await clickAdd();
    await vi.waitFor(() => expect($('add-summary')?.textContent).toBe('1 added'));
    await vi.waitFor(() => expect($('status-shown')!.textContent).toBe('3 shown'));
    expect(listLoads()).toBeGreaterThan(before);

    await act(() => $('add-result-open')!.click());
    expect($('add-identifiers')).toBeNull();
    await vi.waitFor(() => expect($('status-selected')!.textContent).toBe('1 selected'));
    await vi.waitFor(() => expect(calls.some((c) => c.name === 'get_detail' && c.args.key === 'NEWWORK1')).toBe(true));

    // Reopened: the last results are still there.
    await act(() => $('add-by-identifier')!.click());
    await vi.waitFor(() => expect($$('add-result')).toHaveLength(1));
    expect($<HTMLTextAreaElement>('add-identifiers-text')!.value).toBe('10.1/new');
  });

  it('a work the list does not show (a book holding chapters) opens in the detail pane anyway', async () => {
    const { bridge, calls } = appBridge([job(1, 1, [res({ identifier: 'isbn:9789811386411', outcome: 'present', key: 'CONTAINR', title: 'The Book' })])]);
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    await act(() => $('add-by-identifier')!.click());
    await type('9789811386411');
    await clickAdd();
    await vi.waitFor(() => expect($('add-summary')?.textContent).toBe('1 already in the library'));
    await act(() => $('add-result-open')!.click());
    await vi.waitFor(() => expect(calls.some((c) => c.name === 'get_detail' && c.args.key === 'CONTAINR')).toBe(true));
    await vi.waitFor(() => expect($('detail-body')?.getAttribute('data-key')).toBe('CONTAINR'));
    expect($('status-selected')!.textContent).toBe('0 selected');
  });
});
