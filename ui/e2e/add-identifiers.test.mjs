// End-to-end: "Add by identifier" against the real `ibid serve`, whose lookups
// go to a local fake of the Crossref REST API serving tests/fixtures/crossref/
// (every other lookup service points at it too, and finds nothing there).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CROSSREF_FIXTURES, startFakeCrossref } from './fake-crossref.mjs';
import { eventually, outDir, preflight, sql, withApp } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof startFakeCrossref>> | null} */
let crossref = null;

before(async () => {
  preflight();
  const missing = ['10.1007_978-981-13-8641-1_7.json', '10.1007_978-981-13-8641-1.json'].filter((f) => !existsSync(join(CROSSREF_FIXTURES, f)));
  if (missing.length) throw new Error(`e2e needs the Crossref fixtures in ${CROSSREF_FIXTURES}: ${missing.join(', ')}`);
  crossref = await startFakeCrossref();
});
after(async () => {
  await crossref?.close();
});

/** Every lookup service at the fake, so nothing leaves the machine. */
function lookupEnv(url) {
  return {
    IBID_CROSSREF_URL: url,
    IBID_DOI_URL: url,
    IBID_DATACITE_URL: url,
    IBID_OPENLIBRARY_URL: url,
    IBID_PUBMED_URL: url,
    IBID_ARXIV_URL: url,
    IBID_MAILTO: 'test@example.org',
  };
}

const CHAPTER = 'The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949';
const BOOK = 'A Short History of Sino-Soviet Relations, 1917–1991';
const SPRINGER = 'https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7';

test('add by identifier: a publisher link adds the chapter (with its book); again: already there; an unknown DOI fails', async () => {
  assert.ok(crossref);
  await withApp(
    async ({ page, lib, serverLog }) => {
      const dialog = page.getByTestId('add-identifiers');
      const results = dialog.getByTestId('add-result');
      const diagnose = () => `\nserver stderr:\n${serverLog()}\nfake Crossref saw:\n${crossref?.requests.map((r) => `${r.method} ${r.url}`).join('\n')}`;

      // The keyboard shortcut opens it; Escape closes it.
      await page.getByTestId('empty-library').waitFor();
      await page.keyboard.press('Control+Shift+A');
      await dialog.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'add-identifiers-text');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      // Nothing that looks like an identifier: said inline.
      await page.getByTestId('add-by-identifier').click();
      await page.getByLabel(/DOIs, ISBNs/).fill('nothing to see here');
      await dialog.getByTestId('add-identifiers-add').click();
      const error = dialog.getByTestId('add-identifiers-error');
      await error.waitFor();
      assert.equal(await error.getAttribute('data-code'), 'not_an_identifier');
      assert.match(await error.innerText(), /found in "nothing to see here"/);

      // A publisher's link to the chapter: added, with its book.
      await page.getByTestId('add-identifiers-text').fill(SPRINGER);
      await page.getByTestId('add-identifiers-text').press('Control+Enter');
      const added = results.filter({ hasText: CHAPTER });
      try {
        await added.waitFor({ timeout: 20000 });
        await dialog.getByTestId('add-summary').waitFor({ timeout: 20000 });
      } catch (e) {
        throw new Error(`${e}\nthe dialog says: ${await dialog.innerText()}${diagnose()}`);
      }
      assert.equal(await added.getAttribute('data-outcome'), 'added', `${await dialog.innerText()}${diagnose()}`);
      assert.equal(await added.getAttribute('data-identifier'), 'doi:10.1007/978-981-13-8641-1_7');
      assert.equal(await dialog.getByTestId('add-summary').innerText(), '1 added');
      assert.match(await dialog.getByTestId('add-progress-text').innerText(), /^1 of 1$/);
      assert.equal(await dialog.locator('progress').evaluate((p) => /** @type {HTMLProgressElement} */ (p).value), 1);
      const key = await added.getAttribute('data-key');
      assert.ok(key && key.length === 8, `a key: ${key}`);
      assert.equal(sql(lib, `SELECT key FROM works WHERE lower(doi) = '10.1007/978-981-13-8641-1_7'`), key);
      await page.screenshot({ path: join(outDir(), 'ui-add-by-identifier.png') });

      // The list shows it (behind the dialog), and a click on the title selects it.
      await eventually(async () => (await page.locator(`[data-testid=row][data-key="${key}"]`).count()) === 1, 'the chapter in the list');
      await added.getByTestId('add-result-open').click();
      await dialog.waitFor({ state: 'detached' });
      await eventually(async () => (await page.getByTestId('detail-body').getAttribute('data-key')) === key, 'the chapter in the detail pane');
      assert.equal(await page.locator(`[data-testid=row][data-key="${key}"]`).getAttribute('aria-selected'), 'true');

      // The detail pane: the chapter's fields, and those it takes from the book.
      const detail = page.getByTestId('detail-body');
      assert.equal(await page.getByTestId('detail-title').innerText().then((t) => t.replace(/^Title\s*/, '').trim()), CHAPTER);
      assert.match(await detail.locator('.parent-link').innerText(), new RegExp(BOOK));
      const creators = await page.getByTestId('creators').evaluate((el) => {
        const out = [];
        for (const row of el.querySelectorAll('[data-testid=creator]')) {
          const role = /** @type {HTMLSelectElement | null} */ (row.querySelector('select'))?.value;
          const names = Array.from(row.querySelectorAll('input')).map((i) => /** @type {HTMLInputElement} */ (i).value);
          out.push(`${role}:${names.join(',')}`);
        }
        return { rows: out, text: /** @type {HTMLElement} */ (el).innerText };
      });
      assert.ok(creators.rows.some((r) => /^author:Shen\b/.test(r)), `author Shen: ${JSON.stringify(creators)}`);
      assert.match(creators.text, /Editor\s+Shen, Zhihua/, `editor Shen (from the book): ${JSON.stringify(creators)}`);
      const value = async (field) => (await page.getByTestId(`value-${field}`).innerText()).replace(/from the book$/, '').trim();
      assert.equal(await value('container-title'), BOOK);
      assert.equal(await value('collection-title'), 'China Connections');
      assert.equal(await value('publisher'), 'Palgrave Macmillan');
      assert.equal(await value('publisher-place'), 'Singapore');
      assert.equal(await value('issued'), '2020');
      assert.equal(await value('DOI'), '10.1007/978-981-13-8641-1_7');

      // Again (as a doi.org link), with a DOI Crossref does not know.
      await page.getByTestId('add-by-identifier').click();
      await dialog.waitFor();
      await page.getByTestId('add-identifiers-text').fill(`https://doi.org/10.1007/978-981-13-8641-1_7\n10.9999/no-such-doi`);
      await dialog.getByTestId('add-identifiers-add').click();
      const present = results.filter({ hasText: CHAPTER });
      const failed = results.filter({ hasText: '10.9999/no-such-doi' });
      try {
        await dialog.getByTestId('add-summary').waitFor({ timeout: 20000 });
      } catch (e) {
        throw new Error(`${e}\nthe dialog says: ${await dialog.innerText()}${diagnose()}`);
      }
      assert.equal(await results.count(), 2, await dialog.innerText());
      assert.equal(await present.getAttribute('data-outcome'), 'present', `${await dialog.innerText()}${diagnose()}`);
      assert.match(await present.innerText(), /already in library/i);
      assert.equal(await present.getAttribute('data-key'), key);
      assert.equal(await failed.getAttribute('data-outcome'), 'failed', `${await dialog.innerText()}${diagnose()}`);
      assert.equal(await failed.getAttribute('data-code'), 'not_found', `${await dialog.innerText()}${diagnose()}`);
      assert.ok(await failed.evaluate((li) => li.classList.contains('code-not_found')));
      assert.match(await failed.getByTestId('add-reason').innerText(), /\S/);
      assert.equal(await dialog.getByTestId('add-summary').innerText(), '1 already in the library, 1 failed');
      assert.equal(sql(lib, `SELECT count(*) FROM works WHERE lower(doi) = '10.1007/978-981-13-8641-1_7'`), '1');
      await page.screenshot({ path: join(outDir(), 'ui-add-by-identifier-again.png') });
      // Crossref was asked politely (IBID_MAILTO), and only the fake was asked.
      const works = crossref?.requests.filter((r) => r.url.startsWith('/works')) ?? [];
      assert.ok(works.length > 0, diagnose());
      for (const r of works) assert.ok(/mailto=test%40example\.org/.test(r.url) || /mailto:test@example\.org/.test(String(r.headers['user-agent'])), `no mailto: ${r.url}`);
      await dialog.getByTestId('add-identifiers-close').click();
      await dialog.waitFor({ state: 'detached' });
    },
    { fixture: null, env: lookupEnv(crossref.url) },
  );
});
