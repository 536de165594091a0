// End-to-end: the seed chapter's notes (`ibid import-page` on the saved
// Springer page in ../shared/seeds) shown in the "Cited works" tab of the
// chapter, "Cited by" on a cited work, and "Paste notes or references" on
// another work, against the real `ibid serve`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, test } from 'node:test';
import { IBID_BIN, UI_DIR, eventually, preflight, withApp } from './harness.mjs';

const SEED = resolve(UI_DIR, '../../shared/seeds/000_07235ba769ea05ad.txt');

before(() => preflight());

const rows = (page) => page.getByTestId('row');

async function open(page, query, title) {
  await page.getByTestId('search').fill(query);
  await eventually(async () => (await rows(page).count()) >= 1, `a hit for "${query}"`);
  await rows(page).first().click();
  await page.getByTestId('detail-body').waitFor();
  assert.match(await page.getByTestId('detail-title').innerText(), title);
}

test('Cited works: the seed chapter’s 26 citations of 15 works, Cited by on Heinzig, Paste notes on a book', async (t) => {
  if (!existsSync(SEED)) {
    if (process.env.CI) throw new Error(`the seed page is missing: ${SEED} (CI needs ../shared beside the clone)`);
    t.skip(`skipped: ${SEED} not found (../shared is not beside the clone)`);
    return;
  }
  await withApp(async ({ page, lib }) => {
    // The chapter is in the sample library (same DOI): its notes are added to it.
    const out = execFileSync(IBID_BIN, ['--library', lib, 'import-page', SEED, '--offline'], { encoding: 'utf8' });
    assert.match(out, /26 notes .* 26 citations of 15 works/, out);
    await page.reload();
    await page.getByTestId('status-total').filter({ hasText: 'in library' }).waitFor();

    await open(page, 'political economic foundations', /Political and Economic Foundations/);
    const tab = page.getByTestId('tab-cited');
    assert.equal(await tab.innerText(), 'Cited works (26)');
    await tab.click();
    await page.getByTestId('cited-works').waitFor();
    assert.equal(await page.getByTestId('cited-summary').innerText(), '26 citations of 15 works');
    const cites = page.getByTestId('citation');
    assert.equal(await cites.count(), 26);
    const notes = await cites.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-note'))));
    assert.deepEqual(notes, [...notes].sort((a, b) => a - b), 'in note order');
    for (const empty of [1, 2, 4, 18, 24]) assert.ok(!notes.includes(empty), `note ${empty} holds no citation`);
    // Note 6: the short form of Shen and Xia, with its locator, linked to the library's book.
    const n6 = page.locator('[data-testid="citation"][data-note="6"]');
    assert.equal(await n6.getAttribute('data-form'), 'short');
    assert.equal(await n6.getByTestId('citation-locator').innerText(), 'pp. 16–20');
    assert.match(await n6.innerText(), /Mao and the Sino-Soviet Partnership/);

    // Follow Heinzig's book (cited in notes 7, 10, 17, 20, 21, 23): its Cited by lists the chapter once.
    const heinzig = page.locator('[data-testid="citation"][data-note="10"] [data-testid="cited-work-link"]');
    await heinzig.click();
    await eventually(async () => /Soviet Union and Communist China/.test(await page.getByTestId('detail-title').innerText()), 'Heinzig’s book opened');
    await page.getByTestId('tab-cited-by').click();
    await page.getByTestId('cited-by').waitFor();
    assert.equal(await page.getByTestId('citing-work').count(), 1);
    const places = await page.getByTestId('cited-in').allInnerTexts();
    assert.deepEqual(
      places.map((p) => Number(/note (\d+)/.exec(p)?.[1])),
      [7, 10, 17, 20, 21, 23],
    );

    // Paste notes on another work: its Cited works tab fills, and the count follows.
    await open(page, 'uncertain partners', /Uncertain Partners/);
    await page.getByTestId('tab-cited').click();
    await page.getByTestId('paste-notes').click();
    await page
      .getByTestId('paste-notes-input')
      .fill('1. Dieter Heinzig, The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance (Armonk, NY: M. E. Sharpe, 2004), p. 12.\n2. Ibid., p. 14.\n');
    await page.getByTestId('paste-notes-save').click();
    await eventually(async () => (await page.getByTestId('tab-cited').innerText()) === 'Cited works (2)', 'the tab counts 2 citations');
    await eventually(async () => (await page.getByTestId('citation').count()) === 2, 'two citations listed');
    assert.deepEqual(await page.getByTestId('citation-locator').allInnerTexts(), ['p. 12', 'p. 14']);
    assert.equal(await page.locator('[data-testid="citation"][data-note="2"]').getAttribute('data-form'), 'ibid');

    // Nothing that reads as a note or reference: said in place, nothing changed.
    await page.getByTestId('paste-notes').click();
    await page.getByTestId('paste-notes-input').fill('ok');
    await page.getByTestId('paste-notes-save').click();
    await page.getByTestId('paste-notes-error').waitFor();
    assert.equal(await page.getByTestId('citation').count(), 2);
  });
});
