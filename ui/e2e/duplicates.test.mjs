// End-to-end: the Duplicates view against the real `ibid serve`. Records
// added twice (with the CLI's --on-duplicate add) show as groups; "Merge all
// confident groups" merges them in one go (the library counts fall, the CLI
// sees the merge); Ctrl+Z undoes it and every work is listed again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { IBID_BIN, eventually, outDir, preflight, withApp } from './harness.mjs';

before(() => preflight());

// The second DOI is written as a resolver URL, as sources give it: data for
// duplicate detection to normalise, never a request.
const ITEMS = [
  { type: 'article-journal', title: 'Zebras in the <i>Cold War</i>', author: [{ family: 'Okafor', given: 'N.' }], DOI: '10.5555/zebra', issued: { 'date-parts': [[2011]] } },
  { type: 'article-journal', title: 'ZEBRAS IN THE COLD WAR', author: [{ family: 'Okafor' }], DOI: 'https://doi.org/10.5555/ZEBRA', issued: { 'date-parts': [[2011]] } },
  { type: 'book', title: 'The Quiet Frontier: Borders after Stalin', author: [{ family: 'Ødegård', given: 'Ivar' }], issued: { 'date-parts': [[2015]] } },
  { type: 'book', title: 'The quiet frontier', author: [{ family: 'Odegard', given: 'I.' }], issued: { 'date-parts': [[2015]] } },
  { type: 'book', title: 'Unsigned Memoirs', author: [{ family: 'Lindqvist' }], issued: { 'date-parts': [[1999]] } },
  { type: 'book', title: 'Unsigned memoirs', issued: { 'date-parts': [[1999]] } },
];

/** `ibid duplicates --json` on the library. */
function groups(lib) {
  return JSON.parse(execFileSync(IBID_BIN, ['--library', lib, 'duplicates', '--json'], { encoding: 'utf8' }));
}

test('Duplicates: find, merge all confident groups, undo', async () => {
  await withApp(async ({ page, lib }) => {
    const file = join(dirname(lib), 'twice.json');
    writeFileSync(file, JSON.stringify(ITEMS));
    execFileSync(IBID_BIN, ['--library', lib, 'import', '--on-duplicate', 'add', file], { stdio: 'pipe' });
    assert.equal(groups(lib).length, 3);
    await page.reload();
    await page.getByTestId('status-total').filter({ hasText: '19 in library' }).waitFor();

    await page.getByTestId('view-duplicates').click();
    const group = page.getByTestId('duplicate-group');
    await group.first().waitFor();
    assert.equal(await group.count(), 3);
    assert.equal(await page.getByTestId('duplicates-summary').innerText(), '3 groups of possible duplicates, 2 confident.');
    assert.equal(await page.getByTestId('confident').count(), 2);
    // The title's markup is rendered, sanitized.
    assert.equal(await group.first().locator('i').first().innerText(), 'Cold War');
    await page.screenshot({ path: join(outDir(), 'duplicates.png') });

    await page.getByTestId('merge-all-confident').click();
    await page.getByTestId('toast').filter({ hasText: 'Merged 2 confident groups' }).waitFor();
    await eventually(async () => (await group.count()) === 1, 'one group left');
    await page.getByTestId('status-total').filter({ hasText: '17 in library' }).waitFor();
    assert.equal(groups(lib).length, 1);

    await page.keyboard.press('Control+z');
    await page.getByTestId('toast').filter({ hasText: 'Undone: merged 2 confident groups' }).waitFor();
    await eventually(async () => (await group.count()) === 3, 'the three groups back');
    await page.getByTestId('status-total').filter({ hasText: '19 in library' }).waitFor();
    assert.equal(groups(lib).length, 3);
    const both = groups(lib).find((g) => g.reasons.includes('doi'));
    assert.equal(both.works.length, 2);
  });
});
