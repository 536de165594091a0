import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { App } from '../src/App';
import { SettingsDialog, prettyShortcut, shortcutFromEvent } from '../src/components/SettingsDialog';
import { ago, exactTime } from '../src/lib/time';
import type { AutoExport, ShortcutInfo } from '../src/lib/types';
import { recordingBridge } from './fakeBridge';
import { mountPointEachTest, stubResizeObserver } from './mount';

stubResizeObserver();

const sleep = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));
const NOW = Date.UTC(2026, 2, 14, 10, 0, 0);

const EXPORTS: AutoExport[] = [
  { path: '/home/ana/thesis/refs.bib', format: 'bibtex', scope: 'My Library', entries: 1204, written_at: NOW - 3 * 60_000 - 5_000, last_error: null },
  {
    path: '/media/usb/korea.json',
    format: 'csl-json',
    scope: 'Collection: Cold War/Korea',
    entries: 1,
    written_at: NOW - 2 * 86_400_000,
    last_error: 'auto-export to /media/usb/korea.json: No such file or directory (os error 2)',
  },
  { path: '/tmp/new.ris', format: 'ris', scope: '2 works: AB12CD34, EF56GH78', entries: null, written_at: null, last_error: null },
];

/** A backend with these auto-exports, and (desktop) a shortcut that refuses what `taken` names. */
function backend(kind: 'http' | 'tauri' = 'http', taken = 'CommandOrControl+Alt+C') {
  let list = EXPORTS.slice();
  let shortcut: ShortcutInfo = { shortcut: 'CommandOrControl+Alt+K', default: 'CommandOrControl+Alt+K', active: true, error: null };
  return recordingBridge(
    async (name, a) => {
      switch (name) {
        case 'auto_exports':
          return list;
        case 'remove_auto_export':
          list = list.filter((x) => x.path !== a.path);
          return list;
        case 'quick_lookup_shortcut':
          return shortcut;
        case 'set_quick_lookup_shortcut': {
          const s = String(a.shortcut);
          if (s === taken) throw { code: 'shortcut_taken', message: `${s} cannot be used: another program or the desktop has it` };
          if (!/(ctrl|control|alt|super)/i.test(s) && s) throw { code: 'invalid_shortcut', message: `“${s}” has no Ctrl, Alt or Super (Command)` };
          shortcut = { ...shortcut, shortcut: s, active: s !== '' };
          return shortcut;
        }
        case 'library_info':
          return { path: 'x', count: 0, trash_count: 0 };
        case 'list_keys':
          return { keys: '', count: 0 };
        case 'collections':
        case 'tags':
        case 'rows':
        case 'search':
          return [];
        default:
          throw { code: 'not_found', message: name };
      }
    },
    { kind },
  );
}

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

async function openSettings(kind: 'http' | 'tauri', taken?: string) {
  const b = backend(kind, taken);
  const said: string[] = [];
  let closed = false;
  await act(() =>
    render(<SettingsDialog call={b.bridge.call} desktop={kind === 'tauri'} now={() => NOW} onClose={() => (closed = true)} onDone={(m) => said.push(m)} />, root),
  );
  await sleep(5);
  return { ...b, said, closed: () => closed };
}

const q = (sel: string) => root.querySelector<HTMLElement>(sel);
const all = (sel: string) => [...root.querySelectorAll<HTMLElement>(sel)];

async function setInput(sel: string, value: string) {
  const input = q(sel) as HTMLInputElement;
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function click(sel: string | HTMLElement) {
  const el = typeof sel === 'string' ? q(sel)! : sel;
  await act(() => el.click());
  await sleep(5);
}

describe('Settings', () => {
  it('lists each auto-export with its format, scope, entries, when it was written (exact time in the title) and its last error', async () => {
    const s = await openSettings('http');
    const items = all('[data-testid="auto-export"]');
    expect(items.map((i) => i.dataset.path)).toEqual(EXPORTS.map((e) => e.path));
    const text = (i: number, id: string) => items[i].querySelector(`[data-testid="${id}"]`)?.textContent;
    expect([text(0, 'auto-export-format'), text(0, 'auto-export-scope'), text(0, 'auto-export-entries')]).toEqual(['BibTeX', 'My Library', '1,204 entries']);
    expect(text(0, 'auto-export-written')).toBe('written 3 minutes ago');
    expect(items[0].querySelector('[data-testid="auto-export-written"]')!.getAttribute('title')).toBe(exactTime(EXPORTS[0].written_at!));
    expect(text(1, 'auto-export-written')).toBe('written 2 days ago');
    expect(text(1, 'auto-export-entries')).toBe('1 entry');
    expect(text(2, 'auto-export-written')).toBe('never written');
    expect(text(2, 'auto-export-entries')).toBe('no entries yet');
    // The error, plainly, in the error style; only where there is one.
    const err = items[1].querySelector<HTMLElement>('[data-testid="auto-export-error"]')!;
    expect(err.textContent).toBe(`Last refresh failed: ${EXPORTS[1].last_error}`);
    expect(err.getAttribute('role')).toBe('alert');
    expect(err.classList.contains('settings-error')).toBe(true);
    expect(items[0].querySelector('[data-testid="auto-export-error"]')).toBeNull();
    // The browser has no system-wide shortcut: said, and never asked for.
    expect(q('[data-testid="shortcut-unavailable"]')!.textContent).toMatch(/Not available in the browser.*desktop app/);
    expect(s.calls.map((c) => c.name)).toEqual(['auto_exports']);
  });

  it('removes an auto-export by its path', async () => {
    const s = await openSettings('http');
    await click(all('[data-testid="auto-export-remove"]')[1]);
    expect(s.calls.at(-1)).toEqual({ name: 'remove_auto_export', args: { path: '/media/usb/korea.json' } });
    expect(all('[data-testid="auto-export"]').map((i) => i.dataset.path)).toEqual(['/home/ana/thesis/refs.bib', '/tmp/new.ris']);
    expect(s.said).toEqual(['No longer kept in step (the file stays): /media/usb/korea.json']);
    await click(all('[data-testid="auto-export-remove"]')[0]);
    await click(all('[data-testid="auto-export-remove"]')[0]);
    expect(q('[data-testid="auto-exports-none"]')).not.toBeNull();
  });

  it('desktop: shows the shortcut, refuses a taken or invalid one with its message and keeps the old, and takes a new one', async () => {
    const s = await openSettings('tauri', 'CommandOrControl+Alt+C');
    const current = () => q('[data-testid="shortcut-current"]')!;
    expect(current().dataset.shortcut).toBe('CommandOrControl+Alt+K');
    expect(current().textContent).toBe('Ctrl+Alt+K');

    await setInput('[data-testid="shortcut-input"]', 'CommandOrControl+Alt+C');
    await click('[data-testid="shortcut-save"]');
    expect(q('[data-testid="shortcut-error"]')!.textContent).toMatch(/^That shortcut is taken: CommandOrControl\+Alt\+C cannot be used.*The one before still works/);
    expect(current().dataset.shortcut).toBe('CommandOrControl+Alt+K');

    await setInput('[data-testid="shortcut-input"]', 'J');
    await click('[data-testid="shortcut-save"]');
    expect(q('[data-testid="shortcut-error"]')!.textContent).toMatch(/^Not a shortcut Ibid can use: “J” has no Ctrl/);
    expect(current().dataset.shortcut).toBe('CommandOrControl+Alt+K');

    // Pressing a combination in the box records it.
    const input = q('[data-testid="shortcut-input"]') as HTMLInputElement;
    await act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', code: 'KeyJ', ctrlKey: true, altKey: true, bubbles: true, cancelable: true }));
    });
    expect(input.value).toBe('CommandOrControl+Alt+J');
    await click('[data-testid="shortcut-save"]');
    expect(q('[data-testid="shortcut-error"]')).toBeNull();
    expect(current().textContent).toBe('Ctrl+Alt+J');
    expect(s.said).toEqual(['Quick lookup from any program: Ctrl+Alt+J']);
    expect(s.calls.filter((c) => c.name === 'set_quick_lookup_shortcut').map((c) => c.args.shortcut)).toEqual(['CommandOrControl+Alt+C', 'J', 'CommandOrControl+Alt+J']);

    // Turned off, then back to the default.
    await click('[data-testid="shortcut-off"]');
    expect(current().dataset.shortcut).toBe('');
    await click('[data-testid="shortcut-default"]');
    expect(current().dataset.shortcut).toBe('CommandOrControl+Alt+K');
  });

  it('reads times and shortcuts as a person would', () => {
    expect([ago(NOW - 10_000, NOW), ago(NOW - 60_000, NOW), ago(NOW - 2 * 3_600_000, NOW), ago(NOW - 86_400_000, NOW)]).toEqual([
      'just now',
      '1 minute ago',
      '2 hours ago',
      '1 day ago',
    ]);
    expect(prettyShortcut('CmdOrCtrl+Shift+KeyK')).toBe('Ctrl+Shift+K');
    expect(prettyShortcut('super+F9')).toBe('Super+F9');
    expect(shortcutFromEvent({ ctrlKey: true, altKey: false, shiftKey: true, metaKey: false, code: 'Space' })).toBe('CommandOrControl+Shift+Space');
    expect(shortcutFromEvent({ ctrlKey: true, altKey: false, shiftKey: false, metaKey: false, code: 'ControlLeft' })).toBeNull();
  });
});

describe('Settings and the quick-lookup shortcut in the window', () => {
  it('Ctrl+, opens Settings; the system-wide shortcut opens quick lookup, in place of another dialog', async () => {
    const b = backend('tauri');
    await act(() => render(<App bridge={b.bridge} />, root));
    await sleep(10);
    await act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: ',', ctrlKey: true, bubbles: true, cancelable: true }));
    });
    await sleep(5);
    expect(q('[data-testid="settings-dialog"]')).not.toBeNull();
    expect(all('[data-testid="auto-export"]').length).toBe(3);
    await act(() => b.pressQuickLookup());
    expect(q('[data-testid="settings-dialog"]')).toBeNull();
    expect(q('[data-testid="quick-lookup"]')).not.toBeNull();
    expect(document.activeElement).toBe(q('[data-testid="quick-input"]'));
    // Closed by the browser itself (WebKit closes a dialog on Escape without
    // a cancel event when there was no recent user activation): the shortcut
    // opens it again.
    await act(() => {
      q('[data-testid="quick-lookup"]')!.dispatchEvent(new Event('close'));
    });
    expect(q('[data-testid="quick-lookup"]')).toBeNull();
    await act(() => b.pressQuickLookup());
    expect(q('[data-testid="quick-lookup"]')).not.toBeNull();
    // The toolbar button opens Settings too.
    await act(() => {
      q('[data-testid="quick-lookup"]')!.dispatchEvent(new Event('cancel'));
    });
    await click('[data-testid="settings"]');
    expect(q('[data-testid="settings-dialog"]')).not.toBeNull();
  });
});
