import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../src/App';
import type { Bridge } from '../src/bridge';
import { ExportDialog, PREVIEW_LIMIT, type ExportDialogProps } from '../src/components/ExportDialog';
import { PREFS_KEY, fileName, loadPrefs } from '../src/lib/exportPrefs';
import { sanitizeBibliography } from '../src/lib/sanitize';
import type { ExportArgs, Row } from '../src/lib/types';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

/** A blob's text (jsdom's Blob has no text()). */
const blobText = (b: Blob) =>
  new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error);
    r.readAsText(b);
  });

const STYLES = {
  styles: [
    { id: 'american-psychological-association', title: 'APA Style 7th edition' },
    { id: 'chicago-author-date', title: 'Chicago Manual of Style 17th edition (author-date)' },
    { id: 'ieee', title: 'IEEE' },
    { id: 'springer-link', title: 'Springer Link (chapters and books)' },
  ],
  locales: ['de-DE', 'en-GB', 'en-US'],
};

const HOSTILE =
  '<div class="csl-bib-body">\n  <div class="csl-entry">Shen, Z. (2020). <i>A Short History</i>. ' +
  '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 1"><svg onload="window.__pwned = 1"></svg>' +
  '<a href="javascript:window.__pwned = 1">bad link</a> <a href="https://doi.org/10.1007/978-981-13-8641-1_7" onclick="window.__pwned = 1">https://doi.org/10.1007/978-981-13-8641-1_7</a> ' +
  '<span style="font-variant:small-caps">Palgrave</span><iframe src="https://evil.example"></iframe><div style="background:url(https://evil.example/x)">x</div></div>\n</div>\n';

type Handler = (args: Record<string, unknown>) => unknown;

function fakeBridge(extra: Record<string, Handler> = {}, kind: Bridge['kind'] = 'http') {
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  const b: Bridge = {
    kind,
    canOpenFiles: kind === 'tauri',
    openPath: async () => {},
    onQuickLookup: () => () => {},
    openUrl: vi.fn(async () => {}),
    async call(name, args) {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ name, args: a });
      if (extra[name]) return extra[name](a) as never;
      switch (name) {
        case 'styles':
          return STYLES as never;
        case 'export': {
          const e = a as unknown as ExportArgs;
          const n = e.limit ? Math.min(e.limit, 13) : 13;
          const text =
            e.format === 'html'
              ? HOSTILE
              : e.format === 'bibtex'
                ? '@incollection{shen2020political,\n  title = {The Political}\n}\n'
                : `${e.format} in ${e.style ?? '-'}${e.locale ? `/${e.locale}` : ''}: Shen, Z. (2020).\n`;
          return { text, count: 13, shown: n } as never;
        }
        default:
          throw { code: 'not_found', message: name };
      }
    },
  };
  return { bridge: b, calls, exports: () => calls.filter((c) => c.name === 'export').map((c) => c.args as unknown as ExportArgs) };
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));
beforeEach(() => {
  localStorage.clear();
  delete (window as { __pwned?: unknown }).__pwned;
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const $ = <E extends Element = HTMLElement>(testid: string) => root.querySelector<E>(`[data-testid="${testid}"]`);

async function change(testid: string, value: string) {
  const el = $<HTMLSelectElement | HTMLInputElement>(testid)!;
  await act(() => {
    el.value = value;
    el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  });
}

async function mount(bridge: Bridge, p: Partial<ExportDialogProps> = {}) {
  const props: ExportDialogProps = {
    call: bridge.call.bind(bridge) as Bridge['call'],
    desktop: bridge.kind === 'tauri',
    selection: [],
    view: null,
    query: '',
    libraryCount: 13,
    onClose: () => {},
    onOpenUrl: (u) => void bridge.openUrl(u),
    onDone: () => {},
    previewDelay: 5,
    ...p,
  };
  await act(() => render(<ExportDialog {...props} />, root));
  await sleep(30);
  return props;
}

/** A clipboard that records what was written (text and HTML), as the async API does. */
function fakeClipboard() {
  const written: Record<string, string>[] = [];
  class FakeItem {
    constructor(readonly parts: Record<string, Promise<Blob> | Blob>) {}
  }
  const clipboard = {
    writeText: vi.fn(async (t: string) => void written.push({ 'text/plain': t })),
    write: vi.fn(async (items: FakeItem[]) => {
      const out: Record<string, string> = {};
      for (const [type, blob] of Object.entries(items[0].parts)) out[type] = await blobText(await blob);
      written.push(out);
    }),
  };
  vi.stubGlobal('ClipboardItem', FakeItem);
  Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
  return { written, clipboard };
}

describe('sanitizeBibliography', () => {
  it('keeps the renderer’s markup and http(s) links, drops everything active', () => {
    const out = sanitizeBibliography(HOSTILE);
    const box = document.createElement('div');
    box.innerHTML = out;
    expect(box.querySelector('script, img, svg, iframe, [onerror], [onload], [onclick], [style]')).toBeNull();
    expect(box.querySelector('i')!.textContent).toBe('A Short History');
    expect(box.querySelector('span.sc')!.textContent).toBe('Palgrave');
    const links = Array.from(box.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null, 'https://doi.org/10.1007/978-981-13-8641-1_7']);
    expect(out).not.toMatch(/javascript:|evil\.example|__pwned/);
  });
});

describe('Export dialog', () => {
  it('loads the styles, previews the first works of the library in the remembered style', async () => {
    localStorage.setItem(PREFS_KEY, JSON.stringify({ format: 'text', style: 'springer-link', locale: 'en-GB' }));
    const { bridge, exports } = fakeBridge();
    await mount(bridge);
    expect(exports()).toEqual([{ scope: {}, format: 'text', style: 'springer-link', locale: 'en-GB', limit: PREVIEW_LIMIT }]);
    expect($('export-preview')!.querySelector('pre')!.textContent).toBe('text in springer-link/en-GB: Shen, Z. (2020).\n');
    expect($('export-preview-count')!.textContent).toBe('Preview: the first 5 of 13 works');
    expect($<HTMLSelectElement>('export-style')!.value).toBe('springer-link');
    expect($<HTMLSelectElement>('export-locale')!.value).toBe('en-GB');
  });

  it('renders an HTML preview only through the sanitizer: no script, no img onerror', async () => {
    const { bridge, exports } = fakeBridge();
    await mount(bridge);
    await change('export-format', 'html');
    await sleep(30);
    expect(exports().at(-1)).toMatchObject({ format: 'html', style: 'american-psychological-association', limit: PREVIEW_LIMIT });
    const box = $('export-preview-html')!;
    expect(box.querySelector('script, img, svg, iframe, [onerror], [onload], [onclick], [style]')).toBeNull();
    expect(box.innerHTML).not.toMatch(/onerror|javascript:|__pwned/);
    expect(box.querySelector('i')!.textContent).toBe('A Short History');
    expect((window as { __pwned?: unknown }).__pwned).toBeUndefined();
    // A link opens outside (through the bridge), never in the window.
    const link = box.querySelector<HTMLAnchorElement>('a[href^="https:"]')!;
    await act(() => link.click());
    expect(bridge.openUrl).toHaveBeenCalledWith('https://doi.org/10.1007/978-981-13-8641-1_7');
  });

  it('follows the format, the style filter, the language and the scope; remembers the choices', async () => {
    const { bridge, exports } = fakeBridge();
    await mount(bridge, { selection: ['AAAAAAAA', 'BBBBBBBB'], view: { label: 'Tag: cold war', scope: { tag: 'cold war' }, name: 'cold war' }, query: 'korea' });
    // Two or more selected: the selection is the default scope.
    expect(exports().at(-1)!.scope).toEqual({ keys: ['AAAAAAAA', 'BBBBBBBB'] });
    await change('export-style-filter', 'spring');
    const options = Array.from($<HTMLSelectElement>('export-style')!.options).map((o) => o.value);
    expect(options).toEqual(['american-psychological-association', 'springer-link']); // the chosen style stays
    await change('export-style', 'springer-link');
    await change('export-locale', 'de-DE');
    await sleep(30);
    expect(exports().at(-1)).toMatchObject({ format: 'text', style: 'springer-link', locale: 'de-DE' });
    expect(loadPrefs()).toMatchObject({ style: 'springer-link', styleTitle: 'Springer Link (chapters and books)', locale: 'de-DE' });

    await act(() => $<HTMLInputElement>('export-scope-view')!.click());
    await sleep(30);
    expect(exports().at(-1)!.scope).toEqual({ tag: 'cold war' });
    await act(() => $<HTMLInputElement>('export-scope-search')!.click());
    await sleep(30);
    expect(exports().at(-1)!.scope).toEqual({ search: 'korea' });
    // A blank search exports nothing (it is not the whole library).
    const n = exports().length;
    await change('export-search', '  ');
    await sleep(30);
    expect(exports().length).toBe(n);
    expect($<HTMLButtonElement>('export-save')!.disabled).toBe(true);

    await act(() => $<HTMLInputElement>('export-scope-library')!.click());
    await change('export-format', 'bibtex');
    await sleep(30);
    const last = exports().at(-1)!;
    expect(last).toEqual({ scope: {}, format: 'bibtex', limit: PREVIEW_LIMIT });
    expect($('export-preview')!.querySelector('pre')!.textContent).toMatch(/^@incollection\{shen2020political,/);
    expect($('export-style')).toBeNull();
    await act(() => $<HTMLInputElement>('export-latex')!.click());
    await sleep(30);
    expect(exports().at(-1)).toMatchObject({ format: 'bibtex', latex: true });
    expect(loadPrefs()).toMatchObject({ format: 'bibtex', latex: true });
  });

  it('asks for the preview once the choices are still, and shows only the newest answer', async () => {
    let slow = true;
    const { bridge, exports } = fakeBridge({
      export: async (a) => {
        const e = a as unknown as ExportArgs;
        if (slow && e.style === 'ieee') await new Promise((r) => setTimeout(r, 80));
        return { text: `preview in ${e.style}`, count: 13, shown: 5 };
      },
    });
    await mount(bridge, { previewDelay: 20 });
    const before = exports().length;
    await change('export-style', 'ieee');
    await change('export-style', 'chicago-author-date');
    await sleep(40);
    expect(exports().length).toBe(before + 1); // debounced: only the last choice
    expect($('export-preview')!.textContent).toMatch(/preview in chicago-author-date/);
    slow = true;
    await change('export-style', 'ieee');
    await sleep(30); // ieee asked, slow
    await change('export-style', 'american-psychological-association');
    await sleep(150); // apa answers first; the late ieee answer is dropped
    expect($('export-preview')!.textContent).toMatch(/preview in american-psychological-association/);
  });

  it('shows a render error in the preview', async () => {
    const { bridge } = fakeBridge({
      export: () => {
        throw { code: 'unknown_locale', message: 'unknown locale "xx"' };
      },
    });
    await mount(bridge);
    expect($('export-preview-error')!.textContent).toMatch(/Unknown language: unknown locale "xx"/);
  });

  it('browser: Save downloads the whole export with a file name', async () => {
    const { bridge, exports } = fakeBridge();
    const download = vi.fn();
    const onDone = vi.fn();
    const onClose = vi.fn();
    await mount(bridge, { download, onDone, onClose, view: { label: 'Collection: Cold War/Korea', scope: { collection: 'COLKEY01' }, name: 'Korea' } });
    await change('export-format', 'bibtex');
    await act(() => $<HTMLInputElement>('export-scope-view')!.click());
    await sleep(30);
    await act(() => $<HTMLButtonElement>('export-save')!.click());
    await sleep(10);
    expect(exports().at(-1)).toEqual({ scope: { collection: 'COLKEY01' }, format: 'bibtex' }); // no limit
    expect(download).toHaveBeenCalledTimes(1);
    const [name, blob] = download.mock.calls[0] as [string, Blob];
    expect(name).toBe('Korea.bib');
    expect(await blobText(blob)).toMatch(/^@incollection/);
    expect(onDone).toHaveBeenCalledWith('Exported 13 works as Korea.bib');
    expect(onClose).toHaveBeenCalled();
  });

  it('desktop: Save asks for a path, and asks before replacing a file', async () => {
    let exists = true;
    const saves: Record<string, unknown>[] = [];
    const { bridge } = fakeBridge(
      {
        save_export: (a) => {
          saves.push(a);
          if (exists && !a.overwrite) throw { code: 'exists', message: `${a.path} exists; replace it?` };
          return { path: String(a.path).replace('~', '/home/me'), count: 13 };
        },
      },
      'tauri',
    );
    const onDone = vi.fn();
    await mount(bridge, { onDone });
    await act(() => $<HTMLButtonElement>('export-save')!.click());
    expect($<HTMLInputElement>('export-path')!.value).toBe('~/My Library.txt');
    await change('export-path', '~/refs/lib.txt');
    await act(() => $<HTMLButtonElement>('export-save-to')!.click());
    await sleep(10);
    expect(saves[0]).toEqual({ scope: {}, format: 'text', style: 'american-psychological-association', path: '~/refs/lib.txt', overwrite: false });
    expect($('export-exists')).not.toBeNull();
    expect($('export-save-to')!.textContent).toBe('Replace');
    await act(() => $<HTMLButtonElement>('export-save-to')!.click());
    await sleep(10);
    expect(saves[1]).toMatchObject({ path: '~/refs/lib.txt', overwrite: true });
    expect(onDone).toHaveBeenCalledWith('Saved 13 works to /home/me/refs/lib.txt');
    expect(localStorage.getItem('ibid.export.dir')).toBe('~/refs/');
  });

  it('desktop: "Keep this file updated" saves it as an auto-export (BibTeX, BibLaTeX, CSL-JSON, RIS; not with LaTeX accents)', async () => {
    const kept: Record<string, unknown>[] = [];
    const { bridge, calls } = fakeBridge(
      {
        add_auto_export: (a) => {
          kept.push(a);
          return { path: String(a.path).replace('~', '/home/me'), format: a.format, scope: 'Tag: Korea', entries: 13, written_at: 1, last_error: null };
        },
      },
      'tauri',
    );
    const onDone = vi.fn();
    await mount(bridge, { onDone, view: { label: 'Tag: Korea', scope: { tag: 'Korea' }, name: 'Korea' } });
    await act(() => $<HTMLButtonElement>('export-save')!.click());
    expect($('export-keep')).toBeNull(); // a bibliography in a style is not kept in step
    await change('export-format', 'bibtex');
    await act(() => {
      const latex = $<HTMLInputElement>('export-latex')!;
      latex.checked = true;
      latex.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect($('export-keep')).toBeNull(); // auto-exports write UTF-8
    await act(() => {
      const latex = $<HTMLInputElement>('export-latex')!;
      latex.checked = false;
      latex.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await act(() => {
      const keep = $<HTMLInputElement>('export-keep')!;
      keep.checked = true;
      keep.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await change('export-path', '~/thesis/korea.bib');
    await act(() => $<HTMLButtonElement>('export-save-to')!.click());
    await sleep(10);
    expect(kept).toEqual([{ path: '~/thesis/korea.bib', format: 'bibtex', scope: { tag: 'Korea' }, overwrite: false }]);
    expect(calls.some((c) => c.name === 'save_export')).toBe(false);
    expect(onDone).toHaveBeenCalledWith('Saved 13 works to /home/me/thesis/korea.bib; kept in step with the library from now on');
  });

  it('Copy puts the whole export on the clipboard (HTML as rich text too)', async () => {
    const { written } = fakeClipboard();
    const { bridge } = fakeBridge();
    const onDone = vi.fn();
    await mount(bridge, { onDone });
    await change('export-format', 'html');
    await sleep(30);
    await act(() => $<HTMLButtonElement>('export-copy')!.click());
    await sleep(50);
    expect(written).toEqual([{ 'text/plain': HOSTILE, 'text/html': HOSTILE }]);
    expect(onDone).toHaveBeenCalledWith('Copied 13 works (Bibliography: HTML)');
  });

  it('file names are safe', () => {
    expect(fileName('Cold War/Korea: "1950"', 'ris')).toBe('Cold War-Korea- -1950-.ris');
    expect(fileName('..', 'csl-json')).toBe('export.json');
    expect(fileName('My Library', 'markdown')).toBe('My Library.md');
  });
});

// ---- in the window: Export, Copy citation, Copy bibliography entry, Import ---------

const KEYS = ['CHAPTER1', 'BOOK0001', 'ARTICLE1'];
const row = (k: string): Row => ({ key: k, type: 'book', title: `Title ${k}`, creators: 'Shen', year: 2020, added: 0 });

function appBridge() {
  const fake = fakeBridge({
    library_info: () => ({ path: 'x', count: KEYS.length, trash_count: 0 }),
    list_keys: () => ({ keys: KEYS.join(''), count: KEYS.length }),
    rows: (a) => (a.keys as string[]).map(row),
    collections: () => [],
    tags: () => [],
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
    format_citation: (a) => {
      const keys = a.keys as string[];
      if (a.kind === 'citation') return { text: a.format === 'html' ? `(<i>Shen</i>, 2020)` : `(Shen, 2020)` };
      return { text: keys.map((k) => `Entry ${k} in ${a.style}${a.format === 'html' ? ' <i>html</i>' : ''}`).join('\n') };
    },
    import_text: (a) => ({ added: ['NEWKEY01', 'NEWKEY02'], failed: [{ item: 2, message: `entry "broken" (line 9): expected ",": ${a.name}` }] }),
  });
  return fake;
}

async function mountApp(bridge: Bridge) {
  await act(() => render(<App bridge={bridge} />, root));
  await sleep(20);
}

async function key(k: string, init: KeyboardEventInit = {}) {
  await act(() => {
    window.dispatchEvent(new KeyboardEvent('keydown', { key: k, ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true, ...init }));
  });
  await sleep(50);
}

async function clickRow(i: number, init: MouseEventInit = {}) {
  const rows = root.querySelectorAll<HTMLElement>('[data-testid="row"]');
  await act(() => {
    rows[i].dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, ...init }));
  });
  await sleep(10);
}

describe('Copy citation and bibliography entry', () => {
  it('Ctrl+Shift+C copies a citation of the selection in the remembered style, as text and HTML', async () => {
    localStorage.setItem(PREFS_KEY, JSON.stringify({ format: 'html', style: 'springer-link', locale: 'de-DE' }));
    const { written } = fakeClipboard();
    const { bridge, calls } = appBridge();
    await mountApp(bridge);
    await clickRow(0);
    await key('C');
    const cites = calls.filter((c) => c.name === 'format_citation').map((c) => c.args);
    expect(cites).toEqual([
      { keys: ['CHAPTER1'], kind: 'citation', style: 'springer-link', locale: 'de-DE', format: 'text' },
      { keys: ['CHAPTER1'], kind: 'citation', style: 'springer-link', locale: 'de-DE', format: 'html' },
    ]);
    expect(written).toEqual([{ 'text/plain': '(Shen, 2020)', 'text/html': '(<i>Shen</i>, 2020)' }]);
    expect($('toast')!.textContent).toMatch(/Copied \(springer-link\): \(Shen, 2020\)/);
  });

  it('Ctrl+Shift+B copies the entries of a multiple selection; the pane’s buttons copy too', async () => {
    const { written } = fakeClipboard();
    const { bridge } = appBridge();
    await mountApp(bridge);
    await clickRow(0);
    await clickRow(2, { shiftKey: true });
    await key('b');
    expect($('toast')!.textContent).toMatch(/^Copied \(APA Style 7th edition\): Entry CHAPTER1/);
    expect(written.at(-1)).toEqual({
      'text/plain': 'Entry CHAPTER1 in american-psychological-association\nEntry BOOK0001 in american-psychological-association\nEntry ARTICLE1 in american-psychological-association',
      'text/html': 'Entry CHAPTER1 in american-psychological-association <i>html</i>\nEntry BOOK0001 in american-psychological-association <i>html</i>\nEntry ARTICLE1 in american-psychological-association <i>html</i>',
    });
    await act(() => $<HTMLButtonElement>('copy-citation')!.click());
    await sleep(50);
    expect(written.at(-1)!['text/plain']).toBe('(Shen, 2020)');
    // One item in the detail pane: its own buttons.
    await clickRow(1);
    await act(() => $<HTMLButtonElement>('copy-bibliography')!.click());
    await sleep(50);
    expect(written.at(-1)!['text/plain']).toBe('Entry BOOK0001 in american-psychological-association');
  });

  it('falls back to plain text where rich clipboard writes are refused, and says so when nothing is selected', async () => {
    const { written, clipboard } = fakeClipboard();
    clipboard.write.mockRejectedValue(new Error('NotAllowedError'));
    const { bridge } = appBridge();
    await mountApp(bridge);
    await key('c');
    expect($('toast')!.textContent).toMatch(/Select one or more items to copy a citation/);
    await clickRow(0);
    await key('c');
    expect(written).toEqual([{ 'text/plain': '(Shen, 2020)' }]);
  });

  it('an error from the backend is shown, and nothing is copied', async () => {
    const { written } = fakeClipboard();
    const fake = appBridge();
    const call = fake.bridge.call.bind(fake.bridge);
    fake.bridge.call = (async (name: string, args: unknown) => {
      if (name === 'format_citation') throw { code: 'unknown_style', message: 'unknown style "gone"' };
      return call(name as never, args as never);
    }) as Bridge['call'];
    await mountApp(fake.bridge);
    await clickRow(0);
    await key('C');
    expect(written).toEqual([]);
    expect($('toast')!.textContent).toMatch(/Unknown citation style: unknown style "gone"/);
  });
});

describe('Export and Import in the window', () => {
  it('Ctrl+Shift+E and the toolbar open Export with the selection', async () => {
    const { bridge, exports } = appBridge();
    await mountApp(bridge);
    await clickRow(0);
    await clickRow(1, { ctrlKey: true });
    await key('E');
    expect($('export-dialog')).not.toBeNull();
    await sleep(200);
    expect(exports().at(-1)!.scope).toEqual({ keys: ['CHAPTER1', 'BOOK0001'] });
    await act(() => $<HTMLButtonElement>('export-close')!.click());
    expect($('export-dialog')).toBeNull();
    await act(() => $<HTMLButtonElement>('export')!.click());
    expect($('export-dialog')).not.toBeNull();
  });

  it('Import reads the chosen file, sends its text to import_text and shows the summary', async () => {
    const { bridge, calls } = appBridge();
    await mountApp(bridge);
    const input = $<HTMLInputElement>('import-input')!;
    expect(input.accept).toMatch(/\.bib/);
    expect(input.accept).toMatch(/\.ris/);
    const bib = '@article{good, title = {Good}}\n@article{broken title = {x}}\n';
    Object.defineProperty(input, 'files', { value: [new File([bib], 'refs.bib', { type: 'application/x-bibtex' })], configurable: true });
    await act(() => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await sleep(30);
    expect(calls.find((c) => c.name === 'import_text')!.args).toEqual({ text: bib, name: 'refs.bib' });
    expect($('import-added')!.textContent).toBe('Added 2 items from refs.bib.');
    expect($('import-summary')!.textContent).toMatch(/Item 2: entry "broken" \(line 9\): expected ",": refs\.bib/);
    // The list is reloaded.
    expect(calls.filter((c) => c.name === 'list_keys').length).toBeGreaterThan(1);
  });

  it('a file that is not UTF-8 is refused before sending', async () => {
    const { bridge, calls } = appBridge();
    await mountApp(bridge);
    const input = $<HTMLInputElement>('import-input')!;
    const utf16 = new Uint8Array([0xff, 0xfe, 0x40, 0x00, 0xd8, 0x00]);
    Object.defineProperty(input, 'files', { value: [new File([utf16], 'refs.ris')], configurable: true });
    await act(() => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await sleep(30);
    expect(calls.some((c) => c.name === 'import_text')).toBe(false);
    expect($('toast')!.textContent).toMatch(/refs\.ris is not UTF-8 text/);
  });
});
