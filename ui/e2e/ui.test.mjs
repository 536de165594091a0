// End-to-end: the built UI (dist/) served by the real `ibid serve`, driven in
// headless Chromium; every change is checked in the SQLite file afterwards.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { join } from 'node:path';
import { eventually, outDir, preflight, sql, withApp } from './harness.mjs';

before(() => preflight());

const rows = (page) => page.getByTestId('row');
const keyOf = (lib, title) => sql(lib, `SELECT key FROM works WHERE title = '${title.replace(/'/g, "''")}'`);

async function search(page, q) {
  await page.getByTestId('search').fill(q);
}

async function openBySearch(page, q) {
  await search(page, q);
  await eventually(async () => (await rows(page).count()) === 1, `one row for "${q}"`);
  await rows(page).first().click();
  await page.getByTestId('detail-body').waitFor();
}

test('the library shows, and search narrows the list as you type', async () => {
  await withApp(async ({ page, lib }) => {
    const total = Number(sql(lib, 'SELECT count(*) FROM works WHERE standalone = 1'));
    assert.equal(total, 13);
    await eventually(async () => (await rows(page).count()) === total, `${total} rows`);
    assert.match(await page.getByTestId('status-shown').innerText(), /^13 shown/);
    await search(page, 'heinzig');
    await eventually(async () => (await rows(page).count()) === 1, 'one row for heinzig');
    assert.match(await rows(page).first().innerText(), /The Soviet Union and Communist China/);
    await search(page, 'sino sov');
    await eventually(async () => {
      const n = await rows(page).count();
      return n > 1 && n < total;
    }, 'a few rows for "sino sov"');
    for (const t of await rows(page).allInnerTexts()) assert.ok(t.length > 0);
    // Escape clears the search (in the search box, and in the list)
    await page.getByTestId('search').press('Escape');
    await eventually(async () => (await rows(page).count()) === total, 'all rows back after Escape');
    await search(page, 'heinzig');
    await eventually(async () => (await rows(page).count()) === 1, 'one row again');
    await rows(page).first().click();
    await page.keyboard.press('Escape');
    await eventually(async () => (await rows(page).count()) === total, 'all rows back after Escape in the list');
    assert.equal(await page.getByTestId('search').inputValue(), '');
    // Sorting by year, then descending
    await page.getByTestId('sort-year').click();
    await eventually(async () => (await page.locator('[role=columnheader][aria-sort=ascending]').count()) === 1, 'ascending sort');
    const years = async () => (await page.locator('[data-testid=row] .cell.year').allInnerTexts()).map(Number);
    await eventually(async () => {
      const y = await years();
      return y.length === total && y.every((v, i) => i === 0 || y[i - 1] <= v);
    }, 'years ascending');
    await page.getByTestId('sort-year').click();
    await eventually(async () => {
      const y = await years();
      return y.length === total && y.every((v, i) => i === 0 || y[i - 1] >= v);
    }, 'years descending');
  });
});

test('open an item, edit a field in place: it persists; bad values are refused before sending', async () => {
  await withApp(async ({ page, lib }) => {
    const key = keyOf(lib, 'Uncertain Partners: Stalin, Mao, and the Korean War');
    await openBySearch(page, 'goncharov');
    assert.equal(await page.getByTestId('detail-body').getAttribute('data-key'), key);
    assert.match(await page.getByTestId('detail-title').innerText(), /Uncertain Partners/);

    await page.getByTestId('value-publisher-place').click();
    await page.getByTestId('input-publisher-place').fill('Stanford, CA');
    await page.getByTestId('input-publisher-place').press('Enter');
    await eventually(async () => (await page.getByTestId('value-publisher-place').innerText()).includes('Stanford, CA'), 'the new place shown');
    assert.equal(sql(lib, `SELECT publisher_place FROM works WHERE key = '${key}'`), 'Stanford, CA');

    // A date that is not YYYY[-MM[-DD]] stays in the editor with a message, and is not sent.
    const issued = sql(lib, `SELECT issued FROM works WHERE key = '${key}'`);
    await page.getByTestId('value-issued').click();
    await page.getByTestId('input-issued').fill('1993-13');
    await page.getByTestId('input-issued').press('Enter');
    await page.getByTestId('error-issued').waitFor();
    assert.match(await page.getByTestId('error-issued').innerText(), /month/i);
    assert.equal(sql(lib, `SELECT issued FROM works WHERE key = '${key}'`), issued);
    await page.getByTestId('input-issued').press('Escape');
    await page.getByTestId('value-issued').waitFor();

    // Escape cancels an edit
    await page.getByTestId('value-publisher-place').click();
    await page.getByTestId('input-publisher-place').fill('Nowhere');
    await page.getByTestId('input-publisher-place').press('Escape');
    assert.equal(sql(lib, `SELECT publisher_place FROM works WHERE key = '${key}'`), 'Stanford, CA');

    // A tag, added then removed, and the removal undone
    await page.getByTestId('tag-input').fill('korean-war');
    await page.getByTestId('tag-input').press('Enter');
    await page.getByTestId('tag-chip').filter({ hasText: 'korean-war' }).waitFor();
    const tagged = () => sql(lib, `SELECT count(*) FROM work_tags wt JOIN tags t ON t.id = wt.tag_id JOIN works w ON w.id = wt.work_id WHERE w.key = '${key}' AND t.name = 'korean-war'`);
    assert.equal(tagged(), '1');
    await page.getByRole('button', { name: 'Remove tag korean-war' }).click();
    await eventually(async () => tagged() === '0', 'the tag removed in the file');
    await page.getByTestId('toast-undo').click();
    await eventually(async () => tagged() === '1', 'the tag back after Undo');

    // After a reload, the edit is still there.
    await page.reload();
    await openBySearch(page, 'goncharov');
    assert.match(await page.getByTestId('value-publisher-place').innerText(), /Stanford, CA/);
  });
});

test('a chapter links to its book; inherited fields say so', async () => {
  await withApp(async ({ page }) => {
    await openBySearch(page, 'Political and Economic Foundations');
    await page.getByTestId('field-publisher').getByText('from the book').waitFor();
    await page.getByTestId('parent-link').click();
    await eventually(async () => /A Short History of Sino-Soviet Relations/.test(await page.getByTestId('detail-title').innerText()), 'the book opened');
    await page.getByTestId('child-link').first().waitFor();
    await page.getByTestId('detail-back').click();
    await eventually(async () => /Political and Economic Foundations/.test(await page.getByTestId('detail-title').innerText()), 'back at the chapter');
  });
});

test('drag an item onto a collection: it is added', async () => {
  await withApp(async ({ page, lib }) => {
    await page.getByTestId('new-collection').click();
    await page.getByTestId('new-collection-input').fill('Cold War/Korea');
    await page.getByTestId('new-collection-input').press('Enter');
    const target = page.locator('[data-testid=collection][data-path="Cold War/Korea"]');
    await target.waitFor();
    assert.equal(sql(lib, `SELECT count(*) FROM collections WHERE name = 'Korea'`), '1');

    await search(page, 'goncharov');
    await eventually(async () => (await rows(page).count()) === 1, 'one row');
    const key = await rows(page).first().getAttribute('data-key');
    await rows(page).first().click();
    await rows(page).first().dragTo(target);
    const inKorea = () =>
      sql(lib, `SELECT count(*) FROM collection_items ci JOIN collections c ON c.id = ci.collection_id JOIN works w ON w.id = ci.work_id WHERE c.name = 'Korea' AND w.key = '${key}'`);
    await eventually(async () => inKorea() === '1', 'the item in Korea (by drag)');
    await eventually(async () => (await target.innerText()).includes('1'), 'the count in the sidebar');

    // Open the collection: the item is there; remove it, then undo.
    await page.getByTestId('search').press('Escape');
    await target.click();
    await eventually(async () => (await rows(page).count()) === 1, 'the collection lists one item');
    await rows(page).first().click();
    await page.getByTestId('remove-from-collection').click();
    await eventually(async () => inKorea() === '0', 'removed from the collection');
    await page.keyboard.press('Control+z');
    await eventually(async () => inKorea() === '1', 'back in the collection after Ctrl+Z');

    // The fallback without drag: the "Add to collection…" menu.
    await page.getByTestId('view-library').click();
    await search(page, 'heinzig');
    await eventually(async () => (await rows(page).count()) === 1, 'one row');
    const key2 = await rows(page).first().getAttribute('data-key');
    await rows(page).first().click();
    const ckey = await target.getAttribute('data-key');
    await page.getByTestId('add-to-collection').selectOption(ckey);
    await eventually(
      async () =>
        sql(lib, `SELECT count(*) FROM collection_items ci JOIN collections c ON c.id = ci.collection_id JOIN works w ON w.id = ci.work_id WHERE c.key = '${ckey}' AND w.key = '${key2}'`) === '1',
      'added through the menu',
    );

    // Deleting a collection asks first.
    await page.locator(`[data-testid=collection][data-key="${ckey}"] + [data-testid=delete-collection]`).click({ force: true });
    await page.getByTestId('confirm-dialog').waitFor();
    await page.getByTestId('confirm-ok').click();
    await eventually(async () => sql(lib, `SELECT count(*) FROM collections WHERE key = '${ckey}'`) === '0', 'collection deleted');
  });
});

test('move to the Trash with the keyboard, undo, trash again and restore from the Trash view', async () => {
  await withApp(async ({ page, lib }) => {
    await search(page, 'negotiating');
    await eventually(async () => (await rows(page).count()) === 1, 'one row');
    const key = await rows(page).first().getAttribute('data-key');
    const trashed = () => sql(lib, `SELECT count(*) FROM trash t JOIN works w ON w.id = t.work_id WHERE w.key = '${key}'`);
    await rows(page).first().click();
    await page.keyboard.press('Delete');
    await eventually(async () => trashed() === '1', 'in the trash table');
    await eventually(async () => (await page.getByTestId('status-trash').innerText()).startsWith('1 in Trash'), 'status bar trash count');
    await page.getByTestId('toast-undo').click();
    await eventually(async () => trashed() === '0', 'restored by Undo');

    await eventually(async () => (await rows(page).count()) === 1, 'the row back');
    await rows(page).first().click();
    await page.getByTestId('trash').click();
    await eventually(async () => trashed() === '1', 'trashed again');
    await page.getByTestId('search').press('Escape');
    await page.getByTestId('view-trash').click();
    await eventually(async () => (await rows(page).count()) === 1, 'the Trash lists it');
    assert.equal(await rows(page).first().getAttribute('data-key'), key);
    await rows(page).first().click();
    await page.getByTestId('restore').click();
    await eventually(async () => trashed() === '0', 'restored from the Trash view');
    await eventually(async () => (await page.getByTestId('list-empty').count()) === 1, 'the Trash empty');
  });
});

test('keyboard: arrows, shift-extend, select all, Enter to the detail pane, Ctrl+F to search', async () => {
  await withApp(async ({ page }) => {
    await eventually(async () => (await rows(page).count()) === 13, 'rows');
    await rows(page).first().click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    const selected = () => page.locator('[data-testid=row][aria-selected=true]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    assert.deepEqual(await selected(), [1, 2, 3]);
    assert.match(await page.getByTestId('status-selected').innerText(), /^3 selected/);
    await page.keyboard.press('End');
    assert.deepEqual(await selected(), [12]);
    await page.keyboard.press('Control+a');
    assert.equal((await selected()).length, 13);
    await rows(page).nth(4).click();
    await rows(page).nth(6).click({ modifiers: ['Shift'] });
    await rows(page).nth(9).click({ modifiers: ['Control'] });
    assert.deepEqual(await selected(), [4, 5, 6, 9]);
    await rows(page).nth(5).click({ modifiers: ['Control'] });
    assert.deepEqual(await selected(), [4, 6, 9]);
    await page.keyboard.press('Home');
    await page.getByTestId('detail-body').waitFor();
    await page.keyboard.press('Enter');
    await eventually(async () => page.evaluate(() => !!document.activeElement?.closest('[data-testid=detail]')), 'focus in the detail pane');
    await page.keyboard.press('Control+f');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'search');
  });
});

test('a hostile title stays inert, and its <i> survives', async () => {
  const hostile = '<img src=x onerror="window.__pwned=1">Bad <script>window.__pwned=2</script><i>ok</i>';
  await withApp(
    async ({ page, lib }) => {
      assert.equal(sql(lib, `SELECT count(*) FROM works WHERE title LIKE '%onerror%'`), '1');
      await search(page, 'bad');
      await eventually(async () => (await rows(page).count()) === 1, 'the hostile row alone');
      const row = rows(page).filter({ hasText: 'Bad' }).first();
      await row.click();
      await page.getByTestId('detail-body').waitFor();
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      assert.equal(await row.locator('.cell.title i').innerText(), 'ok');
      assert.equal(await row.locator('.cell.title img, .cell.title script').count(), 0);
      assert.equal(await page.getByTestId('detail-title').locator('i').innerText(), 'ok');
      assert.equal(await page.locator('[data-testid=app] img, [data-testid=app] script').count(), 0);
      // Markdown notes go through the same sanitizer.
      await page.getByTestId('add-note').click();
      await page.getByTestId('note-input').fill('**bold** [x](javascript:window.__pwned=3) <img src=x onerror="window.__pwned=4">');
      await page.getByTestId('note-save').click();
      await page.getByTestId('note').locator('strong').waitFor();
      await page.getByTestId('note').locator('a').click();
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      assert.equal(await page.getByTestId('note').locator('a[href]').count(), 0);

      // Issue 9: the abstract, unbalanced markup, a javascript: URL, and the
      // export's HTML preview of the same record: all inert.
      const detail = page.getByTestId('detail-body');
      await eventually(async () => (await detail.innerText()).includes('An abstract'), 'the abstract shown');
      assert.equal(await detail.locator('script, img, iframe, [onerror], [onclick], [style]').count(), 0);
      assert.equal(await page.locator('a[href^="javascript:" i], [href^="javascript:" i], [src^="javascript:" i]').count(), 0);
      await page.getByTestId('export').click();
      await page.getByTestId('export-dialog').waitFor();
      await page.getByTestId('export-scope-selection').check();
      await page.getByTestId('export-format').selectOption('html');
      const html = page.getByTestId('export-preview-html');
      await eventually(async () => (await html.innerText()).includes('Mallory'), 'the hostile record in the HTML preview');
      await page.waitForTimeout(200);
      assert.equal(await html.locator('script, img, iframe, [onerror], [onclick], [style]').count(), 0);
      assert.equal(await html.locator('a[href]:not([href^="http:"]):not([href^="https:"])').count(), 0, 'links only to web pages');
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
    },
    {
      extraItems: [
        {
          id: 'hostile',
          type: 'article-journal',
          title: hostile,
          author: [{ family: 'Mallory' }],
          issued: { 'date-parts': [[2024]] },
          abstract: 'An abstract <script>window.__pwned=6</script><img src=x onerror="window.__pwned=7"><b>unclosed <i>markup <sub>too',
          URL: 'javascript:window.__pwned=8',
          'container-title': '<svg onload="window.__pwned=9"><i>Journal</i>',
        },
      ],
    },
  );
});

test('new item and import from a file', async () => {
  await withApp(async ({ page, lib }) => {
    await page.getByTestId('new-item').click();
    await page.getByTestId('new-item-type').selectOption('book');
    await page.getByTestId('new-item-title').fill('A Brand New Book');
    await page.getByTestId('new-item-create').click();
    await eventually(async () => /A Brand New Book/.test(await page.getByTestId('detail-title').innerText().catch(() => '')), 'the new item in the detail pane');
    assert.equal(sql(lib, `SELECT type FROM works WHERE title = 'A Brand New Book'`), 'book');
    assert.equal(await page.locator('[data-testid=row][aria-selected=true]').count(), 1);

    const file = JSON.stringify([
      { type: 'book', title: 'Imported Through The Window', issued: { 'date-parts': [[2001]] } },
      { type: 'no-such-type', title: 42 },
      // Untitled, known by its author and URL: imported, and shown as such.
      { type: 'webpage', author: [{ family: 'Untitledson', given: 'Una' }], URL: 'https://example.org/notes' },
    ]);
    await page.getByTestId('import-input').setInputFiles({ name: 'refs.json', mimeType: 'application/json', buffer: Buffer.from(file) });
    await page.getByTestId('import-summary').waitFor();
    const summary = await page.getByTestId('import-summary').innerText();
    assert.match(summary, /Added 2 items/);
    assert.equal(sql(lib, `SELECT count(*) FROM works WHERE title = 'Imported Through The Window'`), '1');
    await page.getByTestId('import-close').click();
    await search(page, 'imported window');
    await eventually(async () => (await rows(page).count()) === 1, 'the imported item found');
    await search(page, 'untitledson');
    await eventually(async () => (await rows(page).count()) === 1, 'the untitled item found');
    await eventually(async () => (await rows(page).first().locator('.cell.title').innerText()) === '(no title)', 'the untitled row says so');
  });
});

test('screenshots (light and dark) for a person to look at', async () => {
  for (const colorScheme of /** @type {const} */ (['light', 'dark'])) {
    await withApp(
      async ({ page }) => {
        await eventually(async () => (await rows(page).count()) === 13, 'rows');
        await page.getByTestId('new-collection').click();
        await page.getByTestId('new-collection-input').fill('Cold War/Korea');
        await page.getByTestId('new-collection-input').press('Enter');
        await page.locator('[data-testid=collection]').nth(1).waitFor();
        await rows(page).filter({ hasText: 'Political and Economic' }).click();
        await page.getByTestId('detail-body').waitFor();
        await page.getByTestId('tag-input').fill('sino-soviet');
        await page.getByTestId('tag-input').press('Enter');
        await page.getByTestId('tag-chip').waitFor();
        await page.getByTestId('add-note').click();
        await page.getByTestId('note-input').fill('Uses *Russian archives*; see [the book](https://doi.org/10.1007/978-981-13-8641-1).\n\n- chapter 7');
        await page.getByTestId('note-save').click();
        await page.getByTestId('note').waitFor();
        await page.getByTestId('detail').evaluate((el) => (el.scrollTop = 0));
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(outDir(), `ui-${colorScheme}.png`) });
        await page.getByTestId('value-issued').click({ force: true });
        await page.getByTestId('field-issued').getByRole('button', { name: /Set here instead/ }).click();
        await page.getByTestId('input-issued').fill('2020-02-30');
        await page.getByTestId('input-issued').press('Enter');
        await page.getByTestId('error-issued').waitFor();
        await page.screenshot({ path: join(outDir(), `ui-${colorScheme}-editing.png`) });
      },
      { colorScheme },
    );
  }
});

test('creators: add a person, reorder with the buttons, remove; saved with set_creators', async () => {
  await withApp(async ({ page, lib }) => {
    await openBySearch(page, 'goncharov');
    const key = await page.getByTestId('detail-body').getAttribute('data-key');
    const names = () => sql(lib, `SELECT group_concat(role || ':' || coalesce(family, literal), '|') FROM (SELECT c.* FROM creators c JOIN works w ON w.id = c.work_id WHERE w.key = '${key}' ORDER BY position)`);
    const before = names();
    assert.match(before, /^author:Goncharov\|author:Lewis\|author:Xue$/);
    await page.getByTestId('add-creator').click();
    const last = page.getByTestId('creator').last();
    await last.getByLabel(/Family name/).fill('Zubok');
    await last.getByLabel(/Given name/).fill('Vladislav');
    await last.getByLabel(/Given name/).press('Enter');
    await eventually(async () => names() === `${before}|author:Zubok`, 'the new creator saved');
    await page.getByRole('button', { name: 'Move creator 4 up' }).click();
    await eventually(async () => names() === 'author:Goncharov|author:Lewis|author:Zubok|author:Xue', 'moved up');
    await page.getByRole('button', { name: 'Remove creator 3' }).click();
    await eventually(async () => names() === before, 'removed');
    // A creator without a family name is refused before sending.
    await page.getByTestId('add-creator').click();
    await page.getByTestId('creator').last().getByLabel(/Given name/).fill('Nobody');
    await page.getByTestId('creator').last().getByLabel(/Given name/).press('Enter');
    await page.getByTestId('creators-error').waitFor();
    assert.equal(names(), before);
  });
});

test('dropping a .json file on the window imports it', async () => {
  await withApp(async ({ page, lib }) => {
    const text = JSON.stringify([{ type: 'report', title: 'Dropped Onto The Window' }]);
    await page.evaluate((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], 'dropped.json', { type: 'application/json' }));
      const target = document.querySelector('[data-testid=item-list]') ?? document.body;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, text);
    await page.getByTestId('import-summary').waitFor();
    assert.match(await page.getByTestId('import-added').innerText(), /Added 1 item from dropped\.json/);
    assert.equal(sql(lib, `SELECT type FROM works WHERE title = 'Dropped Onto The Window'`), 'report');
    await page.getByTestId('import-close').click();
    await eventually(async () => /14 shown/.test(await page.getByTestId('status-shown').innerText()), '14 shown');
  });
});

test('a million rows: few DOM rows, scaled scroll height, End reaches the last row, scrolling keeps the DOM small and fetches only what is seen', async () => {
  await withApp(async ({ page }) => {
    // The API answers for a million works come from the test (the real
    // server still serves the UI): the list must not care how big it is.
    const N = 1_000_000;
    const key = (i) => i.toString(36).toUpperCase().padStart(8, '0');
    let keys = '';
    {
      const parts = [];
      for (let i = 0; i < N; i++) parts.push(key(i));
      keys = parts.join('');
    }
    let rowsAsked = 0;
    await page.route('**/api/cmd/*', async (route) => {
      const name = route.request().url().split('/').pop();
      const args = JSON.parse(route.request().postData() || '{}');
      const json = (body, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
      switch (name) {
        case 'library_info':
          return json({ path: 'big', count: N, trash_count: 0 });
        case 'list_keys':
          return json({ keys, count: N });
        case 'rows':
          rowsAsked += args.keys.length;
          return json(args.keys.map((k) => ({ key: k, type: 'book', title: `Work ${parseInt(k, 36)}`, creators: 'Anon', year: 2000, added: 0 })));
        case 'collections':
        case 'tags':
        case 'search':
          return json([]);
        default:
          return json({ code: 'not_found', message: 'not in this test' }, 404);
      }
    });
    await page.reload();
    await eventually(async () => (await page.getByTestId('status-shown').innerText()).startsWith('1,000,000 shown'), 'a million shown', 20000);
    await rows(page).first().waitFor();
    const domRows = await rows(page).count();
    assert.ok(domRows > 10 && domRows < 100, `rows in the DOM: ${domRows}`);
    const height = await page.locator('.grid-body').evaluate((el) => el.getBoundingClientRect().height);
    assert.ok(height <= 8_000_000 && height > 1_000_000, `scroll height ${height}`);

    await rows(page).first().click();
    await page.keyboard.press('End');
    const last = page.locator(`[data-testid=row][data-index="${N - 1}"]`);
    await last.waitFor();
    await eventually(async () => (await last.innerText()).includes(`Work ${N - 1}`), 'the last row filled in');
    const [gridBox, lastBox] = [await page.getByTestId('item-list').boundingBox(), await last.boundingBox()];
    assert.ok(gridBox && lastBox && lastBox.y + lastBox.height <= gridBox.y + gridBox.height + 1, 'the last row is inside the viewport');
    await page.keyboard.press('Home');
    await page.locator('[data-testid=row][data-index="0"]').waitFor();

    // Scroll through the list frame by frame. The frame times are printed, not
    // judged: speed is the window benchmark's (ui/bench, BENCHMARKS.md), and a
    // timed assertion failed here on a loaded machine (median 72 ms).
    const frames = await page.getByTestId('item-list').evaluate(async (grid) => {
      const times = [];
      let t0 = performance.now();
      for (let i = 0; i < 120; i++) {
        grid.scrollTop += 2500;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const t = performance.now();
        times.push(t - t0);
        t0 = t;
      }
      times.sort((a, b) => a - b);
      return { median: times[times.length >> 1], p90: times[Math.floor(times.length * 0.9)], rows: grid.querySelectorAll('[data-testid=row]').length };
    });
    console.log(`million rows: frame median ${frames.median.toFixed(1)} ms, p90 ${frames.p90.toFixed(1)} ms, ${frames.rows} rows in the DOM, ${rowsAsked} rows fetched`);
    assert.ok(frames.rows < 100);
    assert.ok(rowsAsked < 20000, `fetched ${rowsAsked} rows: only the visible windows should be asked for`);
    // Select all is instant and counts a million.
    await page.getByTestId('item-list').focus();
    await page.keyboard.press('Control+a');
    assert.match(await page.getByTestId('status-selected').innerText(), /^1,000,000 selected/);
  });
});
