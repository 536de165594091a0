// Issue 9: Undo of an import, with a fake backend: the summary's "Undo
// import", the toast's Undo once it is closed, Ctrl+Z; `undo_import` gets
// exactly the keys the import added.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { App } from '../src/App';
import type { ImportUndone, Row } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));
const row = (k: string): Row => ({ key: k, type: 'book', title: `Title ${k}`, creators: 'A', year: 2000, added: 0 });

/** A library of three works; the import adds `adds`; `undo_import` answers `undone`. */
function backend(adds: string[], undone: (keys: string[]) => ImportUndone) {
  let keys = ['OLD00001', 'OLD00002', 'OLD00003'];
  return recordingBridge(async (name, a) => {
    switch (name) {
      case 'library_info':
        return { path: 'x', count: keys.length, trash_count: 0 };
      case 'list_keys':
        return { keys: keys.join(''), count: keys.length };
      case 'rows':
        return (a.keys as string[]).map(row);
      case 'collections':
      case 'tags':
        return [];
      case 'import_text':
        keys = [...keys, ...adds];
        return { added: adds, failed: [] };
      case 'undo_import': {
        const gone = a.keys as string[];
        keys = keys.filter((k) => !gone.includes(k));
        return undone(gone);
      }
      default:
        throw { code: 'not_found', message: name };
    }
  });
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

const $ = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

async function importFile(name: string, text: string) {
  const input = root.querySelector<HTMLInputElement>('[data-testid="import-input"]')!;
  Object.defineProperty(input, 'files', { value: [new File([text], name, { type: 'application/x-bibtex' })], configurable: true });
  await act(() => {
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await sleep(20);
}

describe('issue 9: Undo of an import', () => {
  it("issue 9: the summary's Undo import takes back exactly the works it added; the list and counts follow", async () => {
    const { bridge, calls } = backend(['NEW00001', 'NEW00002'], (keys) => ({ removed: keys.length, trashed: [], kept: [], missing: 0 }));
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    await importFile('refs.bib', '@book{a, title={A}}');
    expect($('import-added')!.textContent).toBe('Added 2 items from refs.bib.');
    expect($('status-total')!.textContent).toBe('5 in library');
    expect($('undo')!.getAttribute('title')).toBe('Undo: Imported 2 items from refs.bib (Ctrl+Z)');

    await act(() => $('import-undo')!.click());
    await sleep(20);
    expect(calls.filter((c) => c.name === 'undo_import').map((c) => c.args)).toEqual([{ keys: ['NEW00001', 'NEW00002'] }]);
    expect($('import-summary')).toBeNull();
    expect($('toast')!.textContent).toContain('Undone: imported 2 items from refs.bib');
    expect($('status-total')!.textContent).toBe('3 in library');
    expect($('status-shown')!.textContent).toBe('3 shown');
    expect(($('undo') as HTMLButtonElement).disabled).toBe(true);
  });

  it('issue 9: closed with OK, the toast offers Undo and Ctrl+Z takes the import back; works changed since are said to be in the Trash', async () => {
    const { bridge, calls } = backend(['NEW00001', 'NEW00002', 'NEW00003'], () => ({ removed: 2, trashed: ['NEW00002'], kept: [], missing: 0 }));
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    await importFile('wrong.ris', 'TY  - BOOK\nER  - \n');
    await act(() => $('import-close')!.click());
    expect($('import-summary')).toBeNull();
    expect($('toast')!.textContent).toContain('Imported 3 items from wrong.ris');
    expect($('toast-undo')).not.toBeNull();

    await act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true }));
    });
    await sleep(20);
    expect(calls.filter((c) => c.name === 'undo_import').map((c) => c.args)).toEqual([{ keys: ['NEW00001', 'NEW00002', 'NEW00003'] }]);
    expect($('toast')!.textContent).toContain('Undone: imported 3 items from wrong.ris. 1 item changed since the import was moved to the Trash.');
    expect($('status-total')!.textContent).toBe('3 in library');
  });

  it('issue 9: an import that added nothing offers no Undo', async () => {
    const { bridge } = backend([], () => ({ removed: 0, trashed: [], kept: [], missing: 0 }));
    await act(() => render(<App bridge={bridge} />, root));
    await sleep(20);
    await importFile('dupes.bib', '@book{a, title={A}}');
    expect($('import-added')!.textContent).toBe('Added 0 items from dupes.bib.');
    expect($('import-undo')).toBeNull();
    expect(($('undo') as HTMLButtonElement).disabled).toBe(true);
  });
});
