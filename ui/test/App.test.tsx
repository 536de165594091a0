import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../src/App';
import type { Bridge } from '../src/bridge';
import type { Row } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const KEYS = Array.from({ length: 30 }, (_, i) => `K${String(i).padStart(7, '0')}`);
const row = (k: string): Row => ({ key: k, type: 'book', title: `Title ${k}`, creators: 'A', year: 2000, added: 0 });
const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

function fakeBridge(searchDelay: (q: string) => number, searchResult: (q: string) => string[]) {
  const { bridge: b, calls } = recordingBridge(async (name, a) => {
    switch (name) {
      case 'library_info':
        return { path: 'x', count: KEYS.length, trash_count: 0 };
      case 'list_keys':
        return { keys: KEYS.join(''), count: KEYS.length };
      case 'rows':
        return (a.keys as string[]).map(row);
      case 'collections':
      case 'tags':
        return [];
      case 'search': {
        const q = a.q as string;
        await new Promise((r) => setTimeout(r, searchDelay(q)));
        return searchResult(q).map(row);
      }
      default:
        throw { code: 'not_found', message: name };
    }
  });
  return { bridge: b, calls };
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));
afterEach(() => {
  vi.useRealTimers();
});

const shown = () => root.querySelector('[data-testid="status-shown"]')!.textContent;
async function typeSearch(value: string) {
  const input = root.querySelector<HTMLInputElement>('[data-testid="search"]')!;
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('App with a fake backend', () => {
  it('lists the scope keys and fetches only visible rows', async () => {
    const { bridge, calls } = fakeBridge(() => 0, () => []);
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    expect(shown()).toBe('30 shown');
    const asked = calls.filter((c) => c.name === 'rows').flatMap((c) => (c.args as { keys: string[] }).keys);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.length).toBeLessThan(30);
    expect(root.querySelectorAll('[data-testid="row"]').length).toBe(asked.length);
  });

  it('searches at once, collapses keys typed meanwhile, and ignores superseded or stale answers', async () => {
    const { bridge, calls } = fakeBridge(
      (q) => (q === 'sin' ? 200 : 30),
      (q) => (q === 's' ? KEYS.slice(0, 20) : q === 'sin' ? KEYS.slice(0, 10) : KEYS.slice(0, 2)),
    );
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    const searches = () => calls.filter((c) => c.name === 'search').map((c) => (c.args as { q: string }).q);
    await typeSearch('s');
    expect(searches()).toEqual(['s']); // at once: no fixed debounce
    await typeSearch('si');
    await typeSearch('sin');
    expect(searches()).toEqual(['s']); // one search in flight: the next keys wait, collapsed
    await sleep(60); // "s" answers, superseded (not drawn); "sin" is sent, slow
    expect(searches()).toEqual(['s', 'sin']);
    expect(shown()).toBe('30 shown');
    await typeSearch('sino');
    await sleep(20);
    expect(searches()).toEqual(['s', 'sin']); // "sino" waits for "sin"…
    const input = root.querySelector<HTMLInputElement>('[data-testid="search"]')!;
    await act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    });
    expect(searches()).toEqual(['s', 'sin', 'sino']); // …unless Enter sends it now
    await sleep(60); // "sino" answers first
    expect(shown()).toBe('2 shown');
    expect(root.querySelector('main')!.getAttribute('data-results-for')).toBe('sino');
    await sleep(200); // the stale "sin" answer arrives, and is dropped
    expect(shown()).toBe('2 shown');
    expect(searches()).toEqual(['s', 'sin', 'sino']);
    // Escape clears the search: the whole scope again
    await act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    });
    await sleep(10);
    expect(shown()).toBe('30 shown');
    expect(input.value).toBe('');
  });

  it('shows a clear message when the backend cannot be reached', async () => {
    const bridge: Bridge = {
      kind: 'http',
      canOpenFiles: false,
      openPath: async () => {},
      onQuickLookup: () => () => {},
      openUrl: async () => {},
      call: async () => {
        throw { code: 'network', message: 'cannot reach Ibid: Failed to fetch' };
      },
    };
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    const msg = root.querySelector('[data-testid="load-error"]')!.textContent!;
    expect(msg).toMatch(/Cannot reach Ibid/);
    expect(msg).toMatch(/ibid serve/);
  });
});
