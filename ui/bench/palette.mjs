// Quick-lookup palette benchmark (issue 7): keystroke → results drawn in the
// palette (Ctrl+K), on a big library, with the real server, SQLite and Chromium.
//
// The built UI is served by a release `ibid serve --port 0 --ui ui/dist` on the
// given library (the e2e harness's launcher: token file beside the library, the
// UI's pages get the token as a cookie) and driven in headless Debian Chromium
// with the e2e flags. For each query the palette is opened with Ctrl+K and the
// query typed one key at a time (real key events) with human-like gaps (80–150
// ms, seeded), without waiting for answers between keys. In the page each
// keystroke is timed from its keydown event (`event.timeStamp`) to the frame
// after the palette's list names exactly the text typed so far in its
// `data-results-for` attribute (set in the same render as its rows, so an older
// answer never counts): a MutationObserver sees the attribute change, then
// requestAnimationFrame and a task mark the frame as drawn. A keystroke whose
// answer is never drawn (a later key's answer came first) is counted apart and
// as slower than every drawn one in the percentiles. The palette's `search` requests are matched to keystrokes by
// Resource Timing (sent, server, answer received). A first round is unmeasured
// (warm-up). Prints one Markdown table and writes the figures as JSON.
//
//   npm run bench:palette -- --library COPY.sqlite [--label 1M] [--rounds 5]
//        [--gap 80-150] [--seed 7] [--pause 300] [--json FILE] [--dist DIR]
//   (IBID_BIN defaults to ../target/release/ibid here.) Opening a library
//   migrates it: give it a copy.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const UI = resolve(here, '..');
process.env.IBID_BIN ??= resolve(UI, '../target/release/ibid');
const { launchBrowser, startServer, DIST: BUILT, IBID_BIN } = await import('../e2e/harness.mjs');

const { values: opt } = parseArgs({
  options: {
    library: { type: 'string', default: process.env.IBID_LIBRARY },
    label: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    gap: { type: 'string', default: '80-150' },
    seed: { type: 'string', default: '7' },
    pause: { type: 'string', default: '300' },
    json: { type: 'string' },
    dist: { type: 'string' },
  },
});
if (!opt.library) {
  console.error('usage: npm run bench:palette -- --library LIB.sqlite [--label NAME] [--rounds 5] [--gap 80-150] [--seed 7] [--json FILE] [--dist DIR]');
  process.exit(2);
}
const LIB = resolve(process.cwd(), opt.library);
const LABEL = opt.label ?? basename(LIB, '.sqlite');
const ROUNDS = Number(opt.rounds);
const [GAP_MIN, GAP_MAX] = opt.gap.split('-').map(Number);
/** Milliseconds between the palette opening and the first key. */
const PAUSE = Number(opt.pause);
const DIST = opt.dist ? resolve(process.cwd(), opt.dist) : BUILT;
/** An author's surname, a title's words with a year, a title prefix, an existing DOI, a title word. */
const QUERIES = ['radchenko', 'cold war 1949', 'sino sov', '10.5555/bench.4242', 'modernization'];
const TARGET = 50; // ms, p95
for (const f of [LIB, IBID_BIN, resolve(DIST, 'index.html')]) if (!existsSync(f)) throw new Error(`missing ${f}`);

const log = (...a) => console.error(`[palette ${LABEL}]`, ...a);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (mulberry32), so that every run types with the same gaps. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(opt.seed));
const gap = () => GAP_MIN + random() * (GAP_MAX - GAP_MIN);

/** Percentiles (nearest rank); NaN is left out, Infinity (a keystroke whose answer was never drawn) counts as the slowest. */
function stats(xs) {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return { n: 0, median: NaN, p95: NaN, max: NaN };
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median, p95: q(0.95), max: s[s.length - 1] };
}
const ms = (x) => (x === Infinity ? '∞' : Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

// ---- in-page instrumentation (runs before the app's scripts) -------------------
function instrument() {
  const w = /** @type {any} */ (window);
  /** Keystrokes in the palette's input: text typed so far, keydown time, when its answer was drawn. */
  /** @type {{ keys: { text: string, keydown: number, input: number, hit: number, drawn: number }[], requests: { start: number, requestStart: number, responseStart: number, responseEnd: number }[], loafs: any[], lastKeydown: number }} */
  const B = (w.__palette = { keys: [], requests: [], loafs: [], lastKeydown: NaN });
  performance.setResourceTimingBufferSize(100000);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.name.endsWith('/api/cmd/search')) continue;
      const r = /** @type {PerformanceResourceTiming} */ (e);
      B.requests.push({ start: r.startTime, requestStart: r.requestStart, responseStart: r.responseStart, responseEnd: r.responseEnd });
    }
  }).observe({ type: 'resource', buffered: true });
  // Long animation frames (> 50 ms) with the scripts that ran in them: what held the main thread.
  B.loafs = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of /** @type {any[]} */ (list.getEntries())) {
        B.loafs.push({
          start: e.startTime,
          duration: e.duration,
          blocking: e.blockingDuration,
          scripts: e.scripts.map((x) => ({ invoker: x.invoker, src: x.sourceURL.replace(/.*\//, ''), fn: x.sourceFunctionName, duration: x.duration })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    /* not supported */
  }
  const isInput = (t) => t instanceof HTMLElement && t.dataset.testid === 'quick-input';
  window.addEventListener('keydown', (e) => isInput(e.target) && (B.lastKeydown = e.timeStamp), true);
  window.addEventListener(
    'input',
    (e) => {
      if (!isInput(e.target)) return;
      B.keys.push({ text: /** @type {HTMLInputElement} */ (e.target).value, keydown: B.lastKeydown, input: performance.now(), hit: NaN, drawn: NaN });
    },
    true,
  );
  const check = () => {
    const list = document.querySelector('[data-testid=quick-results]');
    if (!list) return;
    const shown = list.getAttribute('data-results-for');
    for (const k of B.keys) {
      if (k.text !== shown || Number.isFinite(k.hit)) continue;
      k.hit = performance.now();
      requestAnimationFrame(() => setTimeout(() => (k.drawn = performance.now()), 0));
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-results-for'] });
}

/** Opens the palette, types `q` a key at a time with human-like gaps, waits for its final answer, closes it. */
async function typeQuery(page, q) {
  await page.keyboard.press('Control+k');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'quick-input', null, { polling: 20 });
  await sleep(PAUSE);
  const gaps = [];
  let next = performance.now();
  for (const ch of q) {
    await page.keyboard.type(ch);
    const g = gap();
    gaps.push(g);
    next += g;
    await sleep(Math.max(0, next - performance.now()));
  }
  await page.waitForFunction((text) => /** @type {any} */ (window).__palette.keys.some((k) => k.text === text && Number.isFinite(k.drawn)), q, { polling: 20, timeout: 30000 });
  await sleep(200);
  const r = await page.evaluate(() => {
    const P = /** @type {any} */ (window).__palette;
    const out = { keys: P.keys, requests: P.requests, loafs: P.loafs };
    P.keys = [];
    P.requests = [];
    P.loafs = [];
    return out;
  });
  // Escape in a search field with text clears it first (Chromium); the next one closes the palette.
  for (let i = 0; i < 3 && (await page.getByTestId('quick-lookup').count()); i++) {
    await page.keyboard.press('Escape');
    await sleep(100);
  }
  await page.getByTestId('quick-lookup').waitFor({ state: 'detached' });
  await page.evaluate(() => {
    const P = /** @type {any} */ (window).__palette;
    P.keys = [];
    P.requests = [];
    P.loafs = [];
  });
  await sleep(300);
  if (r.keys.length !== q.length || r.keys.some((k, i) => k.text !== q.slice(0, i + 1))) {
    throw new Error(`"${q}": the input saw ${JSON.stringify(r.keys.map((k) => k.text))}`);
  }
  // A keystroke's search request is the one sent after its input event and before the next key's
  // (none: the palette answered from an earlier answer).
  const reqs = r.requests.sort((a, b) => a.start - b.start);
  return r.keys.map((k, i) => {
    const req = reqs.find((x) => x.start >= k.keydown && x.start < (r.keys[i + 1]?.keydown ?? Infinity));
    const end = Number.isFinite(k.drawn) ? k.drawn : (r.keys[i + 1]?.keydown ?? k.keydown + 1000);
    const loafs = r.loafs.filter((l) => l.start < end && l.start + l.duration > k.keydown);
    return {
      loafs,
      query: q,
      text: k.text,
      first: i === 0,
      gap: gaps[i],
      latency: Number.isFinite(k.drawn) ? k.drawn - k.keydown : Infinity,
      superseded: !Number.isFinite(k.drawn),
      searched: !!req,
      toInput: k.input - k.keydown,
      toRequest: req ? req.start - k.keydown : NaN,
      request: req ? req.responseEnd - req.start : NaN,
      server: req ? req.responseStart - req.requestStart : NaN,
      toDrawn: req ? k.drawn - req.responseEnd : NaN,
    };
  });
}

function machine(browserVersion) {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: UI, encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    chromium: browserVersion,
    node: process.version,
    commit: `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : ''}`,
    ibid: IBID_BIN,
    dist: DIST,
  };
}

async function main() {
  const loads = [];
  const sampler = setInterval(() => loads.push(Number(loadavg().split(' ')[0])), 5000);
  /** @type {any} */
  const result = { label: LABEL, library: LIB, date: new Date().toISOString(), rounds: ROUNDS, gap: [GAP_MIN, GAP_MAX], pause: PAUSE, seed: Number(opt.seed), queries: QUERIES, load: { start: loadavg() } };
  log(`library ${LIB}, ibid ${IBID_BIN}, UI ${DIST}, load ${loadavg()}`);
  const server = await startServer(LIB, { bin: IBID_BIN, dist: DIST });
  let browser = null;
  try {
    browser = await launchBrowser();
    result.machine = machine(browser.version());
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, colorScheme: 'light' });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    await page.addInitScript(instrument);
    await page.goto(server.url + '/');
    // The window is ready: the list has rows and "N in library" is drawn.
    await page.getByTestId('status-total').filter({ hasText: 'in library' }).waitFor({ timeout: 120000 });
    await page.locator('[data-testid=row] .cell.title').first().waitFor({ timeout: 120000 });
    result.works = Number(((await page.getByTestId('status-total').textContent()) ?? '').replace(/\D/g, ''));
    await sleep(1000);
    const warm = [];
    for (const q of QUERIES) warm.push(...(await typeQuery(page, q)));
    log(`warm-up: ${warm.length} keystrokes, median ${ms(stats(warm.map((k) => k.latency)).median)} ms (load ${loadavg()})`);
    const keys = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const q of QUERIES) keys.push(...(await typeQuery(page, q)));
      const s = stats(keys.map((k) => k.latency));
      log(`round ${round + 1}/${ROUNDS}: ${keys.length} keystrokes, p50 ${ms(s.median)} p95 ${ms(s.p95)} max ${ms(s.max)} ms (load ${loadavg()})`);
    }
    result.warm = warm;
    result.keys = keys;
    result.problems = problems;
    if (problems.length) log(`the page reported:\n${problems.join('\n')}`);
  } finally {
    clearInterval(sampler);
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
  result.load.end = loadavg();
  result.load.sampled = loads;
  report(result);
  const jsonFile = opt.json ?? resolve(UI, `../target/bench/palette-${LABEL}.json`);
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(result, null, 1));
  log(`figures written to ${jsonFile}`);
  if (result.problems.length) process.exitCode = 1;
}

function report(r) {
  const out = [];
  const K = r.keys;
  const row = (name, ks, judge = true) => {
    const s = stats(ks.map((k) => k.latency));
    const drawn = stats(ks.filter((k) => !k.superseded).map((k) => k.latency));
    const sup = ks.filter((k) => k.superseded).length;
    const verdict = judge ? (s.p95 <= TARGET ? 'pass' : '**miss**') : '';
    out.push(`| ${name} | ${ks.length} | ${sup} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(drawn.max)} | ${verdict} |`);
  };
  const part = (name, f) => {
    const s = stats(K.map(f));
    out.push(`| ${name} | ${s.n} | | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} | |`);
  };
  const m = r.machine;
  out.push(`### ${r.label}: ${r.works.toLocaleString('en')} works`);
  out.push('');
  out.push(`${m.cores} cores (${m.cpu}), ${m.memGiB} GiB; ${m.chromium}; Node ${m.node}; commit ${m.commit}; ${r.rounds} rounds after one warm-up, the first key ${r.pause} ms after Ctrl+K, gaps ${r.gap[0]}–${r.gap[1]} ms (seed ${r.seed}).`);
  out.push('');
  out.push(`| keystroke → results drawn (ms) | keystrokes | never drawn | p50 | p95 | max drawn | ≤ ${TARGET} ms p95 |`);
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const q of r.queries) row(`"${q}"`, K.filter((k) => k.query === q));
  row('**all keystrokes**', K);
  row('  the first key after Ctrl+K', K.filter((k) => k.first), false);
  row('  the keys after it', K.filter((k) => !k.first), false);
  out.push(`|   keystrokes answered without a request (an earlier answer reused) | ${K.filter((k) => !k.searched).length} | | | | | |`);
  part('  keydown → search request sent', (k) => k.toRequest);
  part('  search request (sent → answer received)', (k) => k.request);
  part('  … of which the server (request → first byte)', (k) => k.server);
  part('  answer received → results drawn', (k) => k.toDrawn);
  part('  (gap to the next key, as typed)', (k) => k.gap);
  out.push('');
  out.push('"Never drawn": the answer for that exact text was not drawn before a later key\'s answer (it came after the next key); such a key counts as slower than every drawn one (∞) in p50 and p95.');
  out.push('');
  // What held the main thread: long animation frames (> 50 ms) during a keystroke's wait.
  const hit = K.filter((k) => k.loafs.length);
  if (hit.length) {
    const by = new Map();
    const seen = new Set();
    for (const l of hit.flatMap((k) => k.loafs)) {
      if (seen.has(l.start)) continue;
      seen.add(l.start);
      for (const x of l.scripts) {
        const name = `${x.invoker}${x.fn ? ` (${x.fn}, ${x.src})` : ''}`;
        by.set(name, (by.get(name) ?? 0) + x.duration);
      }
    }
    const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, d]) => `${n} ${ms(d)} ms`);
    out.push(`Keystrokes whose wait overlapped a long animation frame (> 50 ms): ${hit.length} of ${K.length} (${seen.size} frames); scripts in them by total time: ${top.join('; ') || 'none attributed'}.`);
    out.push('');
  }
  const ls = r.load.sampled;
  out.push(`Load average (1 min): start ${r.load.start.split(' ')[0]}, end ${r.load.end.split(' ')[0]}, every 5 s during the run ${ls.length ? `${Math.min(...ls).toFixed(2)}–${Math.max(...ls).toFixed(2)}` : '–'}. Warm-up round (not in the table): ${r.warm.length} keystrokes, p50 ${ms(stats(r.warm.map((k) => k.latency)).median)} ms.`);
  console.log(out.join('\n'));
}

await main();
