import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { QuickLookup, looksLikeIdentifier } from '../src/components/QuickLookup';
import type { ClipContent } from '../src/lib/clipboard';
import type { PickDto, Row } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest } from './mount';

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));
const row = (key: string, title: string): Row => ({ key, type: 'book', title, creators: 'Shen', year: 2020, added: 0 });

/** A fake backend: search by substring (slower for shorter queries, so answers can arrive out of order); citations name their key and format. */
function fakeBridge(rows: Row[]) {
  return recordingBridge(async (name, a) => {
    switch (name) {
      case 'search': {
        const q = String(a.q).toLowerCase();
        await new Promise((r) => setTimeout(r, Math.max(0, 40 - q.length * 10)));
        return rows.filter((r) => r.title.toLowerCase().includes(q));
      }
      case 'format_citation':
        return { text: `${a.format}:${(a.keys as string[]).join(',')}` };
      case 'styles':
        return { styles: [{ id: 'american-psychological-association', title: 'APA' }, { id: 'chicago-author-date', title: 'Chicago (author-date)' }] };
      case 'answer_pick':
        return { text: JSON.stringify(a.citations) };
      case 'add_identifiers':
        return { job: 'add-1', total: 1 };
      case 'add_job':
        return { job: 'add-1', total: 1, done: 1, finished: true, results: [{ input: a.job, identifier: 'doi:10.1/x', outcome: 'added', key: 'NEWWORK1', title: 'New', code: null, message: null }] };
      default:
        throw { code: 'not_found', message: name };
    }
  });
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

async function open(rows: Row[], pick?: PickDto) {
  const { bridge, calls } = fakeBridge(rows);
  const copied: ClipContent[] = [];
  const said: string[] = [];
  let closed = false;
  const sent: string[] = [];
  const copy = async (get: () => Promise<ClipContent>) => {
    const c = await get();
    copied.push(c);
    return c;
  };
  await act(() =>
    render(
      <QuickLookup call={bridge.call} copy={copy} pollMs={1} pick={pick} onClose={() => (closed = true)} onCopied={(t) => said.push(t)} onSent={(t) => sent.push(t)} />,
      root,
    ),
  );
  const input = root.querySelector<HTMLInputElement>('[data-testid="quick-input"]')!;
  const type = async (v: string) => {
    await act(() => {
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  };
  const key = async (k: string, init: KeyboardEventInit = {}) => {
    await act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, ...init }));
    });
  };
  return { calls, copied, said, sent, type, key, closed: () => closed };
}

describe('Quick lookup', () => {
  it('searches as you type, keeps only the latest answer, and Enter copies the chosen citation', async () => {
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance'), row('SINO0002', 'Sino-Soviet Relations'), row('KOREA001', 'The Korean War')]);
    // "s" answers last (slowest): its answer must not replace "sino sov"'s.
    await q.type('s');
    await q.type('sino-sov');
    await sleep(60);
    const titles = () => [...root.querySelectorAll('[data-testid="quick-row"] .quick-title')].map((e) => e.textContent);
    expect(titles()).toEqual(['The Sino-Soviet Alliance', 'Sino-Soviet Relations']);
    await q.key('ArrowDown');
    await q.key('Enter');
    await sleep(10);
    // Text: plain and rich (HTML) for word processors, in the Export dialog's style.
    expect(q.copied).toEqual([{ text: 'text:SINO0002', html: 'html:SINO0002' }]);
    expect(q.calls.find((c) => c.name === 'format_citation')!.args).toMatchObject({ keys: ['SINO0002'], kind: 'citation', style: 'american-psychological-association' });
    expect(q.closed()).toBe(true);
  });

  it("names on the list the exact text whose answer it shows (data-results-for: the palette benchmark waits for it)", async () => {
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance'), row('KOREA001', 'The Korean War')]);
    const list = () => root.querySelector('[data-testid="quick-results"]')!;
    const titles = () => [...root.querySelectorAll('[data-testid="quick-row"] .quick-title')].map((e) => e.textContent);
    expect(list().getAttribute('data-results-for')).toBe('');
    // "s" answers after "sino " (slower): the list never names "s", and names the text as typed, space included.
    await q.type('s');
    await q.type('sino ');
    await sleep(60);
    expect(list().getAttribute('data-results-for')).toBe('sino ');
    expect(titles()).toEqual(['The Sino-Soviet Alliance']);
    expect(q.calls.filter((c) => c.name === 'search').map((c) => c.args.q)).toEqual(['s', 'sino']);
    await q.type('no such work');
    await sleep(50);
    expect(list().getAttribute('data-results-for')).toBe('no such work');
    expect(titles()).toEqual([]);
    await q.type('');
    expect(list().getAttribute('data-results-for')).toBe('');
  });

  it('asks nothing new for a space or a key typed again after a backspace: the answer for the same words is reused at once', async () => {
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance'), row('SING0001', 'Singing in the Cold War')]);
    const list = () => root.querySelector('[data-testid="quick-results"]')!;
    const titles = () => [...root.querySelectorAll('[data-testid="quick-row"] .quick-title')].map((e) => e.textContent);
    const searches = () => q.calls.filter((c) => c.name === 'search').map((c) => c.args.q);
    await q.type('sin');
    await sleep(50);
    await q.type('sino');
    await sleep(50);
    expect(searches()).toEqual(['sin', 'sino']);
    // A space: the same words, answered without a search, in the same turn.
    await q.type('sino ');
    expect(list().getAttribute('data-results-for')).toBe('sino ');
    expect(titles()).toEqual(['The Sino-Soviet Alliance']);
    // Backspace to "sin", then "sino" again: both known.
    await q.type('sin');
    expect(list().getAttribute('data-results-for')).toBe('sin');
    expect(titles()).toEqual(['The Sino-Soviet Alliance', 'Singing in the Cold War']);
    await q.type('sino');
    expect(list().getAttribute('data-results-for')).toBe('sino');
    expect(searches()).toEqual(['sin', 'sino']);
    // Words typed while their answer is on the way share it.
    await q.type('s');
    await q.type('s ');
    await sleep(60);
    expect(searches()).toEqual(['sin', 'sino', 's']);
    expect(list().getAttribute('data-results-for')).toBe('s ');
  });

  it('sends the search in the input event itself, not after the next frame', async () => {
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance')]);
    const input = root.querySelector<HTMLInputElement>('[data-testid="quick-input"]')!;
    input.value = 'sino';
    input.dispatchEvent(new Event('input', { bubbles: true })); // no act(): nothing rendered or flushed yet
    expect(q.calls.filter((c) => c.name === 'search').map((c) => c.args.q)).toEqual(['sino']);
    await sleep(50);
    expect(root.querySelector('[data-testid="quick-results"]')!.getAttribute('data-results-for')).toBe('sino');
  });

  it('asks again after a failed search', async () => {
    let fail = true;
    const { bridge, calls } = recordingBridge(async (name) => {
      if (name !== 'search') throw { code: 'not_found', message: name };
      if (fail) throw { code: 'internal', message: 'busy' };
      return [row('SINO0001', 'The Sino-Soviet Alliance')];
    });
    await act(() => render(<QuickLookup call={bridge.call} onClose={() => {}} onCopied={() => {}} />, root));
    const input = root.querySelector<HTMLInputElement>('[data-testid="quick-input"]')!;
    const type = (v: string) =>
      act(() => {
        input.value = v;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
    await type('sino');
    await sleep(10);
    expect(root.querySelector('[data-testid="quick-results"]')!.getAttribute('data-results-for')).toBe('sino');
    expect(root.querySelectorAll('[data-testid="quick-row"]').length).toBe(0);
    fail = false;
    await type('sin');
    await type('sino');
    await sleep(10);
    expect(root.querySelectorAll('[data-testid="quick-row"]').length).toBe(1);
    expect(calls.filter((c) => c.name === 'search').length).toBe(3);
  });

  it('copies by citation key for Pandoc, and looks up, adds and copies a DOI not in the library', async () => {
    const q = await open([]);
    const select = root.querySelector<HTMLSelectElement>('[data-testid="quick-format"]')!;
    await act(() => {
      select.value = 'pandoc';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await q.type('doi:10.1007/978-981-13-8641-1_7');
    await sleep(50);
    expect(root.querySelectorAll('[data-testid="quick-row"]').length).toBe(0);
    await q.key('Enter');
    await sleep(20);
    expect(q.calls.map((c) => c.name)).toContain('add_identifiers');
    expect(q.calls.find((c) => c.name === 'add_identifiers')!.args).toEqual({ text: 'doi:10.1007/978-981-13-8641-1_7' });
    expect(q.copied).toEqual([{ text: 'pandoc:NEWWORK1' }]);
    expect(q.said).toEqual(['pandoc:NEWWORK1']);
    expect(localStorage.getItem('ibid.quick.format')).toBe('pandoc');
  });

  it('says so when there is nothing to cite', async () => {
    const q = await open([]);
    await q.type('no such work');
    await sleep(50);
    await q.key('Enter');
    await sleep(5);
    expect(root.querySelector('[data-testid="quick-status"]')!.textContent).toContain('Nothing to cite');
    expect(q.copied).toEqual([]);
  });

  it('Escape in the search box closes the palette', async () => {
    const q = await open([]);
    await q.type('sino');
    await q.key('Escape');
    expect(q.closed()).toBe(true);
  });

  it('knows identifiers from words', () => {
    for (const id of ['10.1007/978-981-13-8641-1_7', 'doi:10.1000/xyz', 'https://doi.org/10.1000/xyz', '9789811386411', 'arXiv:2101.00001', 'PMID: 31452104']) {
      expect(looksLikeIdentifier(id), id).toBe(true);
    }
    for (const words of ['sino soviet', 'cold war 1949', 'Heinzig']) expect(looksLikeIdentifier(words), words).toBe(false);
  });

  it("gathers works for an editor's pick, each with its page, and sends them (issue 7, CAYW)", async () => {
    const pick: PickDto = { id: 7, format: 'pandoc', selected: false, clipboard: true };
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance'), row('KOREA001', 'The Korean War')], pick);
    expect(root.textContent).toContain('Cite in your editor (pandoc)');
    expect(root.querySelector('[data-testid="quick-format"]')).toBeNull();
    await q.type('korean');
    await sleep(50);
    await q.key('Enter');
    expect(q.closed()).toBe(false);
    const locator = root.querySelector<HTMLInputElement>('[data-testid="picked-locator"]')!;
    await act(() => {
      locator.value = ' 178 ';
      locator.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await q.type('sino');
    await sleep(50);
    await q.key('Enter');
    await q.key('Enter'); // twice: the search is empty now, so this sends
    await sleep(10);
    expect(q.calls.filter((c) => c.name === 'answer_pick').map((c) => c.args)).toEqual([
      { id: 7, citations: [{ key: 'KOREA001', locator: '178' }, { key: 'SINO0001' }] },
    ]);
    const text = JSON.stringify([{ key: 'KOREA001', locator: '178' }, { key: 'SINO0001' }]);
    expect(q.sent).toEqual([text]);
    expect(q.copied).toEqual([{ text }]); // the editor asked for the clipboard too
    expect(q.closed()).toBe(true);
  });

  it('Ctrl+Enter sends the highlighted work; closing the palette sends nothing (issue 7, CAYW)', async () => {
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance')], { id: 8, format: 'latex', selected: false, clipboard: false });
    await q.type('sino');
    await sleep(50);
    await q.key('Enter', { ctrlKey: true });
    await sleep(10);
    expect(q.calls.find((c) => c.name === 'answer_pick')!.args).toEqual({ id: 8, citations: [{ key: 'SINO0001' }] });
    expect(q.copied).toEqual([]);

    await act(() => render(null, root)); // the App shows each pick in a palette of its own
    const closed = await open([], { id: 9, format: 'pandoc', selected: false, clipboard: true });
    // Escape: the browser cancels the <dialog>.
    await act(() => {
      root.querySelector('dialog')!.dispatchEvent(new Event('cancel', { cancelable: true }));
    });
    await sleep(10);
    expect(closed.calls.filter((c) => c.name === 'answer_pick').map((c) => c.args)).toEqual([{ id: 9, citations: null }]);
    expect(closed.sent).toEqual([]);
    expect(closed.closed()).toBe(true);
  });

  it('copies in the style chosen in the palette, which the Export dialog then uses too', async () => {
    localStorage.removeItem('ibid.quick.format'); // text, where a style applies
    const q = await open([row('SINO0001', 'The Sino-Soviet Alliance')]);
    await sleep(5);
    const style = root.querySelector<HTMLSelectElement>('[data-testid="quick-style"]')!;
    expect([...style.options].map((o) => o.textContent)).toEqual(['APA', 'Chicago (author-date)']);
    await act(() => {
      style.value = 'chicago-author-date';
      style.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await q.type('sino');
    await sleep(50);
    await q.key('Enter');
    await sleep(10);
    expect(q.calls.filter((c) => c.name === 'format_citation').map((c) => c.args.style)).toEqual(['chicago-author-date', 'chicago-author-date']);
    expect(JSON.parse(localStorage.getItem('ibid.export')!)).toMatchObject({ style: 'chicago-author-date', styleTitle: 'Chicago (author-date)' });
  });
});
