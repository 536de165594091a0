// End-to-end: Settings lists the auto-exports against the real `ibid serve`.
// An auto-export made with the CLI shows with its format, scope, entries and
// when it was written (the exact time in the title); when its folder goes,
// the next change made in the page cannot write it and Settings says why, in
// red; Remove stops it. The browser says the system-wide shortcut needs the
// desktop app.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { IBID_BIN, eventually, outDir, preflight, withApp } from './harness.mjs';

before(() => preflight());

/** `ibid auto-export ls --json` on the library. */
function listed(lib) {
  return JSON.parse(execFileSync(IBID_BIN, ['--library', lib, 'auto-export', 'ls', '--json'], { encoding: 'utf8' }));
}

test('Settings: an auto-export made with the CLI, with its time, its error once its folder is gone, and Remove', async () => {
  await withApp(async ({ page, lib, problems }) => {
    const folder = join(dirname(lib), 'thesis');
    mkdirSync(folder);
    const file = join(folder, 'refs.bib');
    const out = execFileSync(IBID_BIN, ['--library', lib, 'auto-export', 'add', '--format', 'bibtex', '--path', file], { encoding: 'utf8' });
    assert.match(out, /wrote 13 entries/);
    const [made] = listed(lib);
    assert.equal(made.path, file);

    // Ctrl+, opens Settings.
    await page.getByTestId('row').first().click();
    await page.keyboard.press('Control+Comma');
    const dialog = page.getByTestId('settings-dialog');
    await dialog.waitFor();
    const item = dialog.getByTestId('auto-export');
    await item.first().waitFor(); // the list arrives after the dialog opens
    assert.equal(await item.count(), 1);
    assert.equal(await item.getByTestId('auto-export-path').innerText(), file);
    assert.equal(await item.getByTestId('auto-export-format').innerText(), 'BibTeX');
    assert.equal(await item.getByTestId('auto-export-scope').innerText(), 'My Library');
    assert.equal(await item.getByTestId('auto-export-entries').innerText(), '13 entries');
    const written = item.getByTestId('auto-export-written');
    assert.match(await written.innerText(), /^written (just now|1 minute ago)$/);
    const exact = await page.evaluate((ms) => new Date(ms).toLocaleString(), made.written_at);
    assert.equal(await written.getAttribute('title'), exact);
    assert.equal(await item.getByTestId('auto-export-error').count(), 0);
    // The browser has no system-wide shortcut.
    assert.match(await dialog.getByTestId('shortcut-unavailable').innerText(), /desktop app/);
    await page.screenshot({ path: join(outDir(), 'settings.png') });
    await page.keyboard.press('Escape');
    await eventually(async () => (await dialog.count()) === 0, 'Settings closed');

    // The folder goes; a change made in the page (Move to Trash) cannot write the file.
    rmSync(folder, { recursive: true });
    await page.getByTestId('trash').click();
    await page.getByTestId('status-trash').filter({ hasText: '1 in Trash' }).waitFor();
    await page.getByTestId('settings').click();
    await dialog.waitFor();
    const error = dialog.getByTestId('auto-export-error');
    await error.waitFor();
    const said = await error.innerText();
    assert.match(said, /^Last refresh failed: auto-export to .*thesis\/refs\.bib: /, said);
    const color = await error.evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(198, 40, 40)', 'the error is red');
    assert.equal(await item.getByTestId('auto-export-written').getAttribute('title'), exact, 'the last good write stays');
    assert.equal(listed(lib)[0].error, said.replace('Last refresh failed: ', ''));
    await page.screenshot({ path: join(outDir(), 'settings-error.png') });

    // Remove: no longer kept in step.
    await item.getByTestId('auto-export-remove').click();
    await dialog.getByTestId('auto-exports-none').waitFor();
    assert.deepEqual(listed(lib), []);
    assert.match(await page.getByTestId('toast').innerText(), /No longer kept in step/);
    assert.deepEqual(problems, []);
  });
});
