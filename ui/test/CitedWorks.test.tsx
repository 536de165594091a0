import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../src/bridge';
import { CitedByTab, CitedWorksTab } from '../src/components/CitedWorks';
import type { Citation, CitingWork } from '../src/lib/types';
import { mountPointEachTest } from './mount';

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

const HEINZIG = { key: 'HEINZIG1', type: 'book', title: 'The Soviet Union and <i>Communist China</i>', creators: 'Heinzig', year: 2004, standalone: false };
const HOSTILE = { key: 'HOSTILE1', type: 'article-journal', title: 'Bad <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>title', creators: 'X', year: null, standalone: true };

const CITATIONS: Citation[] = [
  { note: 7, position: 0, form: 'full', locator: 'p. 178', text: 'Dieter Heinzig, The Soviet Union and Communist China … p. 178.', work: HEINZIG },
  { note: 10, position: 0, form: 'short', locator: 'pp. 174–230', text: 'Heinzig, The Soviet Union and Communist China, pp. 174–230.', work: HEINZIG },
  { note: 11, position: 0, form: 'ibid', locator: 'p. 5', text: 'Ibid., p. 5.', work: HOSTILE },
  { note: 12, position: 0, form: 'full', locator: null, text: 'An unmatched reference.', work: null },
];

function fakeBridge(answers: Record<string, unknown>, calls: string[]): Bridge {
  return {
    kind: 'http',
    canOpenFiles: false,
    openPath: async () => {},
    onQuickLookup: () => () => {},
    openUrl: async () => {},
    async call(name, args) {
      calls.push(`${name} ${JSON.stringify(args)}`);
      if (name in answers) return structuredClone(answers[name]) as never;
      throw { code: 'not_found', message: `no ${name}` };
    },
  };
}

describe('Cited works and Cited by tabs', () => {
  let root!: HTMLElement;
  mountPointEachTest((el) => (root = el));
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__pwned;
  });

  it('lists citations in note order with locator, form and a link to each cited work; markup stays inert', async () => {
    const calls: string[] = [];
    const opened: string[] = [];
    const b = fakeBridge({ cited_works: CITATIONS }, calls);
    await act(() => {
      render(<CitedWorksTab itemKey="CHAPTER1" version={1} bridge={b} openKey={(k) => opened.push(k)} />, root);
    });
    await sleep(0);
    expect(calls).toEqual(['cited_works {"key":"CHAPTER1"}']);
    const rows = [...root.querySelectorAll('[data-testid="citation"]')];
    expect(rows.map((r) => r.getAttribute('data-note'))).toEqual(['7', '10', '11', '12']);
    expect(rows.map((r) => r.getAttribute('data-form'))).toEqual(['full', 'short', 'ibid', 'full']);
    expect(rows.map((r) => r.querySelector('[data-testid="citation-locator"]')!.textContent)).toEqual(['p. 178', 'pp. 174–230', 'p. 5', '']);
    expect(root.querySelector('[data-testid="cited-summary"]')!.textContent).toBe('4 citations of 2 works');
    expect(rows[0].textContent).toContain('cited only');
    expect(rows[0].querySelector('i')?.textContent).toBe('Communist China');
    expect(rows[3].textContent).toContain('An unmatched reference.');
    // The hostile title: no script element, no event handler survives.
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('[onerror]')).toBeNull();
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
    (rows[1].querySelector('[data-testid="cited-work-link"]') as HTMLButtonElement).click();
    expect(opened).toEqual(['HEINZIG1']);
  });

  it('shows each citing work once with the notes that cite it, and errors as text', async () => {
    const by: CitingWork[] = [
      {
        work: { key: 'CHAPTER1', type: 'chapter', title: 'The Political and Economic Foundations', creators: 'Shen', year: 2020, standalone: true },
        citations: [
          { note: 7, form: 'full', locator: 'pp. 41–43', text: '…' },
          { note: 13, form: 'short', locator: 'p. 101', text: '…' },
        ],
      },
    ];
    const calls: string[] = [];
    await act(() => {
      render(<CitedByTab itemKey="GONCHAR1" version={1} bridge={fakeBridge({ cited_by: by }, calls)} openKey={() => {}} />, root);
    });
    await sleep(0);
    expect([...root.querySelectorAll('[data-testid="citing-work"]')].length).toBe(1);
    expect([...root.querySelectorAll('[data-testid="cited-in"]')].map((e) => e.textContent)).toEqual(['note 7, pp. 41–43', 'note 13, p. 101 (short form)']);

    await act(() => {
      render(<CitedByTab itemKey="MISSING1" version={1} bridge={fakeBridge({}, calls)} openKey={() => {}} />, root);
    });
    await sleep(0);
    expect(root.querySelector('[role="alert"]')!.textContent).toBe('no cited_by');
  });
});
