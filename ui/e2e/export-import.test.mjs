// End-to-end: Import (BibTeX through the file input) and its Undo, Export (preview in
// BibTeX and in a CSL style, Save as a download), Copy citation to the
// clipboard, against the real `ibid serve` and its renderer.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { eventually, preflight, sql, withApp } from './harness.mjs';

before(() => preflight());

const rows = (page) => page.getByTestId('row');

const SPRINGER_CHAPTER =
  'Shen, Z. (2020). The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949. In: Shen, Z. (eds) A Short History of Sino-Soviet Relations, 1917–1991. China Connections. Palgrave Macmillan, Singapore. https://doi.org/10.1007/978-981-13-8641-1_7';

/** Selects the seed chapter alone in the list. */
async function selectChapter(page) {
  await page.getByTestId('search').fill('political economic foundations');
  await eventually(async () => (await rows(page).count()) === 1, 'the chapter alone in the list');
  await rows(page).first().click();
  await page.getByTestId('detail-body').waitFor();
  assert.match(await page.getByTestId('detail-title').innerText(), /Political and Economic Foundations/);
}

const BIB = `% two good entries and a broken one
@article{petrov1999,
  author = {Petrov, Ivan and Ivanova, Maria},
  title = {An Imported {BibTeX} Article on Harbin Railways},
  journal = {Journal of Imported Studies},
  year = {1999},
  volume = {12},
  pages = {33--58}
}

@book{broken,
  author = {Nobody, Nemo}
  title = {Missing a Comma},
  year = 2001
}

@book{kuo2005,
  author = {Kuo, Lin},
  title = {Railways and Ports of Manchuria},
  publisher = {Imported Press},
  address = {Hong Kong},
  year = {2005}
}
`;

test('import a BibTeX file: the summary lists what was added and what failed; the works are in the list', async () => {
  await withApp(async ({ page, lib }) => {
    assert.match((await page.getByTestId('import-input').getAttribute('accept')) ?? '', /\.bib/);
    await page.getByTestId('import-input').setInputFiles({ name: 'refs.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(BIB) });
    await page.getByTestId('import-summary').waitFor();
    assert.match(await page.getByTestId('import-added').innerText(), /Added 2 items from refs\.bib/);
    const summary = await page.getByTestId('import-summary').innerText();
    assert.match(summary, /1 item was not imported/);
    assert.match(summary, /Item 2: .*broken/);
    await page.getByTestId('import-close').click();
    await eventually(async () => /15 shown/.test(await page.getByTestId('status-shown').innerText()), '15 shown');
    await page.getByTestId('search').fill('harbin railways');
    await eventually(async () => (await rows(page).count()) === 1, 'the imported article found');
    assert.match(await rows(page).first().innerText(), /An Imported BibTeX Article on Harbin Railways/);
    assert.equal(sql(lib, `SELECT publisher_place FROM works WHERE title = 'Railways and Ports of Manchuria'`), 'Hong Kong');

    // A file in no format Ibid knows: a clear message, nothing added.
    await page.getByTestId('import-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some notes\n') });
    await page.getByTestId('toast').filter({ hasText: 'cannot tell the format' }).waitFor();
    assert.equal(sql(lib, 'SELECT count(*) FROM works WHERE standalone = 1'), '15');
  });
});

/** The file imported by mistake: an article in a journal the library has, a chapter in a new book, a book. */
const WRONG_BIB = `@article{petrov1999,
  author = {Petrov, Ivan},
  title = {Harbin Railways, a Mistaken Import},
  journal = {China Journal},
  year = {1999}
}

@incollection{kuo2005,
  author = {Kuo, Lin},
  title = {Ports of Manchuria, a Mistaken Import},
  booktitle = {Essays Nobody Meant to Import},
  publisher = {Imported Press},
  year = {2005}
}

@book{lin2006,
  author = {Lin, Mei},
  title = {A Mistaken Import in Book Form},
  publisher = {Imported Press},
  year = {2006}
}
`;

test('issue 9: an import is undone from its summary, from the toast and with Ctrl+Z; the library is as before each time', async () => {
  await withApp(async ({ page, lib }) => {
    // Every record (containers too), as the library holds it before any import.
    const dump = () => sql(lib, 'SELECT id, key, type, standalone, container_id, title, version, modified_at FROM works ORDER BY id');
    const before = dump();
    assert.equal(sql(lib, "SELECT count(*) FROM works WHERE standalone = 0 AND title = 'China Journal'"), '1');
    const status = async () => `${await page.getByTestId('status-total').innerText()}, ${await page.getByTestId('status-trash').innerText()}`;
    const importWrongFile = async () => {
      await page.getByTestId('import-input').setInputFiles({ name: 'wrong.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(WRONG_BIB) });
      await page.getByTestId('import-summary').waitFor();
      assert.match(await page.getByTestId('import-added').innerText(), /Added 3 items from wrong\.bib/);
      await eventually(async () => /16 shown/.test(await page.getByTestId('status-shown').innerText()), '16 shown');
      await eventually(async () => (await status()) === '16 in library, 0 in Trash', 'the counts with the import');
      assert.equal(sql(lib, "SELECT count(*) FROM works WHERE standalone = 0 AND title = 'Essays Nobody Meant to Import'"), '1', 'the book the import made');
    };
    const undone = () => page.getByTestId('toast').filter({ hasText: 'Undone: imported 3 items from wrong.bib' }).waitFor();
    const assertAsBefore = async (how) => {
      await eventually(async () => /13 shown/.test(await page.getByTestId('status-shown').innerText()), `13 shown after ${how}`);
      await eventually(async () => (await status()) === '13 in library, 0 in Trash', `the counts as before, after ${how}`);
      assert.equal(dump(), before, `every record as before the import, after ${how}: the works and the book it made gone, China Journal kept`);
      assert.equal(await page.getByTestId('undo').isDisabled(), true, `nothing left to undo after ${how}`);
    };

    // 1. The summary's "Undo import".
    await importWrongFile();
    assert.equal(await page.getByTestId('undo').getAttribute('title'), 'Undo: Imported 3 items from wrong.bib (Ctrl+Z)');
    await page.getByTestId('import-undo').click();
    await undone();
    assert.equal(await page.getByTestId('import-summary').count(), 0, 'the summary closed');
    await assertAsBefore("the summary's Undo import");

    // 2. The same file again (the works come back: not skipped as
    //    duplicates of works the Undo left somewhere), the summary closed
    //    with OK: the toast offers Undo.
    await importWrongFile();
    await page.getByTestId('import-close').click();
    await page.getByTestId('toast').filter({ hasText: /^Imported 3 items from wrong\.bib/ }).getByTestId('toast-undo').click();
    await undone();
    await assertAsBefore("the toast's Undo");

    // 3. Again, the works found by a search, then Ctrl+Z in the list.
    await importWrongFile();
    await page.getByTestId('import-close').click();
    await page.getByTestId('search').fill('mistaken import');
    await eventually(async () => (await rows(page).count()) === 3, 'the three imported works found');
    await page.getByTestId('item-list').focus();
    await page.keyboard.press('Control+z');
    await undone();
    await eventually(async () => (await rows(page).count()) === 0, 'the search finds them no more');
    await page.getByTestId('search').fill('');
    await assertAsBefore('Ctrl+Z');
  });
});

test('export: BibTeX and Springer Link previews, an HTML preview with links, Save as a download', async () => {
  await withApp(async ({ page }) => {
    // Ctrl+Shift+E opens it; the toolbar button too.
    await rows(page).first().click();
    await page.keyboard.press('Control+Shift+E');
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-close').click();
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });

    await page.getByTestId('export').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-format').selectOption('bibtex');
    const pre = page.getByTestId('export-preview').locator('pre');
    await eventually(async () => /^@\w+\{/.test(await pre.innerText()), 'BibTeX entries in the preview');
    const bib = await pre.innerText();
    assert.equal(bib.match(/^@\w+\{/gm)?.length, 5, 'the preview shows the first 5 works');
    assert.match(await page.getByTestId('export-preview-count').innerText(), /the first 5 of 13 works/);
    await page.getByTestId('export-close').click();

    // The seed chapter in Springer Link's style.
    await selectChapter(page);
    await page.getByTestId('export').click();
    await page.getByTestId('export-scope-selection').check();
    await page.getByTestId('export-format').selectOption('text');
    await page.getByTestId('export-style-filter').fill('springer');
    await page.getByTestId('export-style').selectOption('springer-link');
    await eventually(async () => (await pre.innerText()).includes('In: Shen, Z. (eds)'), 'the Springer Link entry');
    const lines = (await pre.innerText()).split('\n').filter(Boolean);
    assert.deepEqual(lines, [SPRINGER_CHAPTER]);

    // HTML: rendered (through the sanitizer), its DOI a link.
    await page.getByTestId('export-format').selectOption('html');
    const html = page.getByTestId('export-preview-html');
    await eventually(async () => (await html.locator('a[href="https://doi.org/10.1007/978-981-13-8641-1_7"]').count()) === 1, 'the DOI link in the HTML preview');
    assert.equal((await html.innerText()).trim(), SPRINGER_CHAPTER);
    assert.equal(await html.locator('script, img, [style]').count(), 0);

    // Save in a browser: a download, named after the scope.
    await page.getByTestId('export-format').selectOption('ris');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-save').click()]);
    assert.equal(download.suggestedFilename(), 'Selected items.ris');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const ris = readFileSync(path, 'utf8');
    assert.match(ris, /^TY {2}- CHAP/);
    assert.match(ris, /DO {2}- 10\.1007\/978-981-13-8641-1_7/);
    await page.getByTestId('toast').filter({ hasText: 'Exported 1 work as Selected items.ris' }).waitFor();
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });

    // The style chosen is remembered for next time.
    await page.getByTestId('export').click();
    await page.getByTestId('export-format').selectOption('text');
    assert.equal(await page.getByTestId('export-style').inputValue(), 'springer-link');
  });
});

test('Copy citation puts (Shen, 2020) on the clipboard in APA; Copy bibliography entry follows the Export style', async () => {
  await withApp(
    async ({ page }) => {
      await selectChapter(page);
      await page.getByTestId('item-list').focus();
      await page.keyboard.press('Control+Shift+C');
      await page.getByTestId('toast').filter({ hasText: 'Copied (APA Style 7th edition): (Shen, 2020)' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '(Shen, 2020)');

      // The style chosen in Export is the one copied.
      await page.getByTestId('export').click();
      await page.getByTestId('export-format').selectOption('text');
      await page.getByTestId('export-style').selectOption('springer-link');
      await page.getByTestId('export-close').click();
      await page.getByTestId('copy-bibliography').click();
      await page.getByTestId('toast').filter({ hasText: 'Copied (Springer Link (Cite this chapter / article)): Shen, Z. (2020)' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), SPRINGER_CHAPTER);
      // Rich text too, for pasting into a word processor.
      const html = await page.evaluate(async () => {
        const items = await navigator.clipboard.read();
        const item = items.find((i) => i.types.includes('text/html'));
        return item ? await (await item.getType('text/html')).text() : null;
      });
      assert.ok(html && html.includes('<a href="https://doi.org/10.1007/978-981-13-8641-1_7">'), `HTML on the clipboard: ${html}`);
    },
    { permissions: ['clipboard-read', 'clipboard-write'] },
  );
});

test('Quick lookup (Ctrl+K): type, Enter, and the citation is on the clipboard; by key for Pandoc', async () => {
  await withApp(
    async ({ page }) => {
      await page.getByTestId('item-list').waitFor();
      await page.keyboard.press('Control+k');
      await page.getByTestId('quick-input').fill('political economic foundations');
      await page.getByTestId('quick-row').first().waitFor();
      // The list names the text it answers (what `npm run bench:palette` waits for).
      assert.equal(await page.getByTestId('quick-results').getAttribute('data-results-for'), 'political economic foundations');
      await page.getByTestId('quick-input').press('Enter');
      await page.getByTestId('toast').filter({ hasText: 'Copied: (Shen, 2020)' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '(Shen, 2020)');
      assert.equal(await page.getByTestId('quick-lookup').count(), 0, 'the palette closed');

      await page.keyboard.press('Control+k');
      await page.getByTestId('quick-format').selectOption('pandoc');
      await page.getByTestId('quick-input').fill('political economic foundations');
      await page.getByTestId('quick-row').first().waitFor();
      await page.getByTestId('quick-input').press('Enter');
      await page.getByTestId('toast').filter({ hasText: 'Copied: [@shen2020political]' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '[@shen2020political]');
    },
    { permissions: ['clipboard-read', 'clipboard-write'] },
  );
});

test("An editor's cite-as-you-write (Better BibTeX's CAYW): the page's palette picks, the editor gets the citation", async () => {
  await withApp(
    async ({ page, url }) => {
      await page.getByTestId('item-list').waitFor();
      // The editor asks (as Vim or VS Code plugins do) and waits for the writer.
      const ask = (query) => fetch(`${url}/better-bibtex/cayw?${query}`).then(async (r) => [r.status, await r.text()]);
      const editor = ask('format=pandoc&brackets=1&clipboard=1');
      await page.getByTestId('quick-lookup').filter({ hasText: 'Cite in your editor (pandoc)' }).waitFor();
      await page.getByTestId('quick-input').fill('political economic foundations');
      await page.getByTestId('quick-row').first().waitFor();
      await page.getByTestId('quick-input').press('Enter');
      await page.getByTestId('picked-locator').fill('178');
      await page.getByTestId('pick-send').click();
      assert.deepEqual(await editor, [200, '[@shen2020political, p. 178]']);
      await page.getByTestId('toast').filter({ hasText: 'Sent to your editor: [@shen2020political, p. 178]' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '[@shen2020political, p. 178]', 'clipboard=1 copies it too');
      assert.equal(await page.getByTestId('quick-lookup').count(), 0, 'the palette closed');

      // Closing the palette: the editor gets nothing, at once.
      const closed = ask('format=latex');
      await page.getByTestId('quick-lookup').waitFor();
      await page.keyboard.press('Escape');
      assert.deepEqual(await closed, [200, '']);

      // `selected`: the works selected in the list, without the palette.
      await selectChapter(page);
      assert.deepEqual(await ask('format=latex&command=citep&selected=1'), [200, '\\citep{shen2020political}']);
      assert.equal(await page.getByTestId('quick-lookup').count(), 0);
    },
    { permissions: ['clipboard-read', 'clipboard-write'] },
  );
});
