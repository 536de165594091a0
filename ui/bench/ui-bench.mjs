// UI benchmark (issue 3): the built UI served by the release `ibid serve` on a
// big library, driven in headless Debian Chromium through playwright-core with
// the e2e tests' flags. Measures
//   1. launch: navigation start → first rows drawn, and → an interactive list
//      (rows drawn, the whole key list loaded: "N shown" equals "N in library",
//      and a click selects a row), with the page's API requests (Resource
//      Timing: queueing, server, transfer, sizes);
//   2. keystroke → results drawn: the queries typed one character at a time,
//      each keystroke timed from its keydown event to the frame after the list
//      shows the results of exactly that query (the list pane's
//      `data-results-for` attribute, set in the same render as the rows);
//      the UI's 80 ms debounce is included;
//   3. scrolling: a Chromium trace (devtools.timeline categories) while the list
//      is scrolled with mouse-wheel steps and dragged by its scrollbar to the
//      middle and the end; frame times from the trace's main-thread frames,
//      cross-checked with a requestAnimationFrame loop in the page.
// Prints one Markdown table (target, pass/miss) and writes the figures as JSON.
//
//   node bench/ui-bench.mjs --library ../target/bench/ui-1m.sqlite [--label 1M]
//        [--launches 5] [--typing-rounds 7] [--scroll-runs 3] [--json FILE]
//   (or IBID_LIBRARY=…; IBID_BIN defaults to ../target/release/ibid here)
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const UI = resolve(here, '..');
process.env.IBID_BIN ??= resolve(UI, '../target/release/ibid');
const { launchBrowser, startServer: startIbidServe, DIST: BUILT, IBID_BIN } = await import('../e2e/harness.mjs');

const { values: opt } = parseArgs({
  options: {
    library: { type: 'string', default: process.env.IBID_LIBRARY },
    label: { type: 'string' },
    launches: { type: 'string', default: '5' },
    'typing-rounds': { type: 'string', default: '7' },
    'scroll-runs': { type: 'string', default: '3' },
    json: { type: 'string' },
    trace: { type: 'string' },
    skip: { type: 'string', default: '' },
    dist: { type: 'string' },
  },
});
if (!opt.library) {
  console.error('usage: node bench/ui-bench.mjs --library LIB.sqlite [--label NAME] [--launches 5] [--typing-rounds 7] [--scroll-runs 3] [--json FILE]');
  process.exit(2);
}
const LIB = resolve(process.cwd(), opt.library);
const LABEL = opt.label ?? basename(LIB, '.sqlite');
const LAUNCHES = Number(opt.launches);
const ROUNDS = Number(opt['typing-rounds']);
const SCROLL_RUNS = Number(opt['scroll-runs']);
const SKIP = new Set(opt.skip.split(',').filter(Boolean));
/** The built UI to serve (default ui/dist; another build to compare with). */
const DIST = opt.dist ? resolve(process.cwd(), opt.dist) : BUILT;
const QUERIES = ['sino sov', 'cold war 1949', 'heinzig'];
const VIEWPORT = { width: 1400, height: 860 };
const TARGET = { interactive: 1500, keystroke: 100, frame: 50 };
for (const f of [LIB, IBID_BIN, resolve(DIST, 'index.html')]) if (!existsSync(f)) throw new Error(`missing ${f}`);

const log = (...a) => console.error(`[ui-bench ${LABEL}]`, ...a);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `ibid serve` on LIB with this run's binary and UI build (the e2e harness's launcher). */
const startServer = (lib) => startIbidServe(lib, { bin: IBID_BIN, dist: DIST });

// ---- statistics -------------------------------------------------------------
function stats(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return { n: 0, median: NaN, p95: NaN, max: NaN, min: NaN };
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, min: s[0], median, p95: q(0.95), max: s[s.length - 1] };
}
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');
const kb = (x) => (Number.isFinite(x) ? (x >= 1 << 20 ? `${(x / (1 << 20)).toFixed(1)} MB` : `${(x / 1024).toFixed(1)} kB`) : '–');

// ---- in-page instrumentation --------------------------------------------------
// Runs before the app's scripts. Times are performance.now() (0 = navigation
// start). A mark `X` is the DOM mutation that first met the condition;
// `X.drawn` is after the next frame (requestAnimationFrame, then a task).
function instrument() {
  const w = /** @type {any} */ (window);
  /** @type {any} */
  const B = (w.__bench = { marks: {}, waiters: [], frames: null, lastKeydown: NaN });
  const afterFrame = (f) => requestAnimationFrame(() => setTimeout(() => f(performance.now()), 0));
  const mark = (name) => {
    if (name in B.marks) return;
    B.marks[name] = performance.now();
    afterFrame((t) => (B.marks[`${name}.drawn`] = t));
  };
  const num = (sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const m = /^([\d,.\s\u00a0\u202f]+)\s/.exec(el.textContent ?? '');
    return m ? Number(m[1].replace(/\D/g, '')) : null;
  };
  B.state = () => ({
    shown: num('[data-testid=status-shown]'),
    total: num('[data-testid=status-total]'),
    rows: document.querySelectorAll('[data-testid=row]').length,
    content: document.querySelectorAll('[data-testid=row] .cell.title').length,
    resultsFor: document.querySelector('main.list-pane')?.getAttribute('data-results-for') ?? null,
    empty: !!document.querySelector('[data-testid=list-empty]'),
  });
  const check = () => {
    // Cheap when there is nothing to watch (while scrolling, say).
    if ('interactive' in B.marks && B.waiters.length === 0) return;
    const s = B.state();
    if (s.rows > 0) mark('rowsShell');
    if (s.content > 0) mark('rowsContent');
    if (s.total !== null) mark('libraryInfo');
    if (s.total !== null && s.shown === s.total && s.total > 0) mark('keysLoaded');
    if ('rowsContent' in B.marks && 'keysLoaded' in B.marks) mark('interactive');
    for (const wt of B.waiters.slice()) {
      if (wt.test(s)) {
        B.waiters.splice(B.waiters.indexOf(wt), 1);
        wt.hit = performance.now();
        afterFrame((t) => wt.resolve({ hit: wt.hit, drawn: t, state: s }));
      }
    }
  };
  B.check = check;
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-results-for', 'aria-selected'] });
  /** Resolves after the frame that follows the DOM meeting `test(state)`. */
  B.until = (test) =>
    new Promise((resolve) => {
      B.waiters.push({ test, resolve });
      check();
    });
  window.addEventListener('keydown', (e) => (B.lastKeydown = e.timeStamp), true);
  window.addEventListener('mousedown', (e) => (B.lastMousedown = e.timeStamp), true);
  // Frame loop (a cross-check for the trace's frames).
  B.startFrames = () => {
    B.frames = [];
    const loop = (t) => {
      if (!B.frames) return;
      B.frames.push(t);
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  };
  B.stopFrames = () => {
    const f = B.frames;
    B.frames = null;
    return f;
  };
  B.api = () =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/cmd/'))
      .map((e) => {
        const r = /** @type {PerformanceResourceTiming} */ (e);
        return {
          cmd: r.name.replace(/.*\/api\/cmd\//, ''),
          start: r.startTime,
          requestStart: r.requestStart,
          responseStart: r.responseStart,
          responseEnd: r.responseEnd,
          transfer: r.transferSize,
          body: r.encodedBodySize,
        };
      });
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.addInitScript(instrument);
  return { context, page, problems };
}

const waitInteractive = (page, timeout = 120000) =>
  page.waitForFunction(() => 'interactive.drawn' in /** @type {any} */ (window).__bench.marks, null, { timeout, polling: 50 });

// ---- 1. launch ------------------------------------------------------------------
async function measureLaunch(i) {
  const t0 = performance.now();
  const server = await startServer(LIB);
  const serverStart = performance.now() - t0;
  let browser = null;
  try {
    browser = await launchBrowser();
    const { page, problems } = await newPage(browser);
    await page.goto(server.url + '/', { waitUntil: 'commit' });
    await waitInteractive(page);
    const r = await page.evaluate(() => {
      const B = /** @type {any} */ (window).__bench;
      const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
      const scripts = performance
        .getEntriesByType('resource')
        .filter((e) => /\.(js|css)$/.test(e.name))
        .map((e) => ({ name: e.name.replace(/.*\//, ''), end: /** @type {PerformanceResourceTiming} */ (e).responseEnd }));
      return {
        marks: B.marks,
        api: B.api(),
        nav: { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd },
        scripts,
        state: B.state(),
        heap: /** @type {any} */ (performance).memory?.usedJSHeapSize ?? null,
      };
    });
    // A row can be selected: click the first one, time to aria-selected drawn.
    const sel = page.evaluate(() => /** @type {any} */ (window).__bench.until(() => !!document.querySelector('[data-testid=row][aria-selected=true]')));
    await page.getByTestId('row').first().click();
    const s = await sel;
    const md = await page.evaluate(() => /** @type {any} */ (window).__bench.lastMousedown);
    r.select = s.drawn - md;
    r.serverStart = serverStart;
    r.problems = problems;
    log(`launch ${i + 1}: rows ${ms(r.marks['rowsContent.drawn'])} ms, interactive ${ms(r.marks['interactive.drawn'])} ms, select ${ms(r.select)} ms (load ${loadavg()})`);
    return r;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
}

// ---- 2. keystrokes ------------------------------------------------------------
/** Types `q` one key at a time, waiting for each key's results. */
async function typeMeasured(page, q) {
  const out = [];
  for (let i = 1; i <= q.length; i++) {
    const prefix = q.slice(0, i);
    const done = page.evaluate(
      (p) => /** @type {any} */ (window).__bench.until((s) => s.resultsFor === p && (s.content > 0 || s.empty)),
      prefix,
    );
    await page.keyboard.type(q[i - 1]);
    const r = await done;
    const b = await page.evaluate(() => {
      const B = /** @type {any} */ (window).__bench;
      return { keydown: B.lastKeydown, api: B.api().filter((a) => a.cmd === 'search') };
    });
    const req = b.api.filter((a) => a.start >= b.keydown).pop();
    out.push({
      seq: q,
      q: prefix,
      latency: r.drawn - b.keydown,
      shown: r.state.shown,
      debounceAndQueue: req ? req.start - b.keydown : NaN,
      server: req ? req.responseStart - req.requestStart : NaN,
      request: req ? req.responseEnd - req.start : NaN,
      afterResponse: req ? r.drawn - req.responseEnd : NaN,
      bytes: req ? req.body : NaN,
    });
    await sleep(40);
  }
  return out;
}

/** Types `q` at `gap` ms a key (faster than the debounce): last keydown → final results. */
async function typeBurst(page, q, gap) {
  const done = page.evaluate((p) => /** @type {any} */ (window).__bench.until((s) => s.resultsFor === p && (s.content > 0 || s.empty)), q);
  for (const ch of q) {
    await page.keyboard.type(ch);
    await sleep(gap);
  }
  const r = await done;
  const kd = await page.evaluate(() => /** @type {any} */ (window).__bench.lastKeydown);
  return r.drawn - kd;
}

async function clearSearch(page) {
  const ready = page.evaluate(() => /** @type {any} */ (window).__bench.until((s) => s.resultsFor === '' && s.shown === s.total && s.content > 0));
  await page.getByTestId('search').fill('');
  await ready;
  await sleep(100);
}

async function measureTyping(page) {
  const keys = [];
  const burst = [];
  await page.getByTestId('search').click();
  // One unmeasured round first (warms the server's and SQLite's caches as a
  // user's first searches would; reported separately).
  const warm = [];
  for (const q of QUERIES) {
    await clearSearch(page);
    warm.push(...(await typeMeasured(page, q)));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of QUERIES) {
      await clearSearch(page);
      keys.push(...(await typeMeasured(page, q)));
    }
    log(`typing round ${round + 1}/${ROUNDS}: keystroke median so far ${ms(stats(keys.map((k) => k.latency)).median)} ms (load ${loadavg()})`);
  }
  for (let round = 0; round < Math.max(2, Math.ceil(ROUNDS / 2)); round++) {
    for (const q of QUERIES) {
      await clearSearch(page);
      burst.push({ q, latency: await typeBurst(page, q, 50) });
    }
  }
  await clearSearch(page);
  return { keys, burst, warm };
}

// ---- 3. scrolling ---------------------------------------------------------------
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'toplevel',
  'blink.user_timing',
];

async function scrollRun(browser, page, run) {
  const grid = page.getByTestId('item-list');
  const box = await grid.boundingBox();
  if (!box) throw new Error('no item list');
  await page.evaluate(() => {
    const g = /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
    g.scrollTop = 0;
  });
  await sleep(300);
  const traceFile = opt.trace ? `${opt.trace.replace(/\.json$/, '')}-${LABEL}-run${run + 1}.json` : undefined;
  await browser.startTracing(page, { categories: TRACE_CATEGORIES, screenshots: false, path: traceFile });
  await page.evaluate(() => {
    performance.mark('bench:scroll-start');
    /** @type {any} */ (window).__bench.startFrames();
  });
  const phases = {};
  const phaseMark = (name) => page.evaluate((n) => performance.mark(`bench:${n}`), name);
  // (a) mouse wheel: 80 steps of 100 px down at ~60 steps/s, then 40 back up.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await phaseMark('wheel');
  for (let i = 0; i < 80; i++) {
    await page.mouse.wheel(0, 100);
    await sleep(16);
  }
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, -100);
    await sleep(16);
  }
  await sleep(300);
  // (b) scrollbar drag: press on the thumb at the top, drag to the middle, then to the end.
  const jump = async (name, fraction) => {
    await phaseMark(name);
    const before = await page.evaluate(() => /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]')).scrollTop);
    const t = await dragThumb(page, box, fraction);
    const drawn = await page.evaluate(
      () =>
        /** @type {any} */ (window).__bench.until(() => {
          const g = /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
          const gr = g.getBoundingClientRect();
          const el = document.elementFromPoint(gr.left + 40, gr.top + gr.height / 2);
          const row = el?.closest('[data-testid=row]');
          return !!row && !!row.querySelector('.cell.title');
        }),
    );
    const after = await page.evaluate(() => {
      const g = /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
      return { scrollTop: g.scrollTop, max: g.scrollHeight - g.clientHeight, first: Number(document.querySelector('[data-testid=row]')?.getAttribute('data-index')) };
    });
    phases[name] = { via: t.via, before, ...after, contentDrawn: drawn.drawn - t.release };
    await sleep(500);
  };
  await jump('drag-middle', 0.5);
  await jump('drag-end', 1);
  await jump('drag-top', 0);
  await phaseMark('end');
  const rafFrames = await page.evaluate(() => /** @type {any} */ (window).__bench.stopFrames());
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  return { phases, rafFrames, trace };
}

/** Drags the vertical scrollbar's thumb of the list to `fraction` (0..1) of its track. */
async function dragThumb(page, box, fraction) {
  const g = await page.evaluate(() => {
    const el = /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
    const r = el.getBoundingClientRect();
    return { sw: el.offsetWidth - el.clientWidth, top: r.top, bottom: r.bottom, right: r.right, st: el.scrollTop, max: el.scrollHeight - el.clientHeight, ch: el.clientHeight };
  });
  const x = g.right - g.sw / 2;
  if (g.sw > 0) {
    // Classic scrollbar: thumb length ∝ viewport/content (with a minimum);
    // its top moves over the track in proportion to scrollTop.
    const track = g.bottom - g.top;
    const thumb = Math.max(18, (track * g.ch) / (g.max + g.ch));
    const thumbY = g.top + (track - thumb) * (g.st / Math.max(1, g.max)) + thumb / 2;
    const targetY = g.top + thumb / 2 + (track - thumb) * fraction;
    await page.mouse.move(x, thumbY);
    await page.mouse.down();
    const steps = 6;
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(x, thumbY + ((targetY - thumbY) * i) / steps);
      await sleep(16);
    }
    await page.mouse.up();
    const release = await page.evaluate(() => performance.now());
    const st = await page.evaluate(() => /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]')).scrollTop);
    const want = g.max * fraction;
    if (Math.abs(st - want) <= Math.max(200, g.max * 0.02)) return { via: 'thumb drag', release };
  }
  // Headless Chromium (Playwright adds --hide-scrollbars) has no scrollbar to
  // press: move scrollTop as a thumb drag does, one step a frame (6 steps).
  const release = await page.evaluate(
    (f) =>
      new Promise((resolve) => {
        const el = /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
        const from = el.scrollTop;
        const to = (el.scrollHeight - el.clientHeight) * f;
        let i = 0;
        const step = () => {
          i++;
          el.scrollTop = from + ((to - from) * i) / 6;
          if (i < 6) requestAnimationFrame(step);
          else resolve(performance.now());
        };
        requestAnimationFrame(step);
      }),
    fraction,
  );
  return { via: g.sw > 0 ? 'scrollTop steps (thumb drag missed)' : 'scrollTop in 6 steps, one a frame', release };
}

/** Frame times from the trace: the renderer main thread's frames, and its long tasks. */
function analyzeTrace(trace) {
  const events = trace.traceEvents ?? trace;
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const isMain = (e) => threads.get(`${e.pid}:${e.tid}`) === 'CrRendererMain';
  const userMarks = events.filter((e) => e.cat?.includes('blink.user_timing') && String(e.name).startsWith('bench:'));
  const pid = userMarks[0]?.pid;
  const start = Math.min(...userMarks.filter((e) => e.name === 'bench:scroll-start' || e.name === 'bench:wheel').map((e) => e.ts));
  const end = Math.max(...userMarks.filter((e) => e.name === 'bench:end').map((e) => e.ts));
  const inRun = (e) => e.pid === pid && e.ts >= start && e.ts <= end;
  const names = new Map();
  for (const e of events) if (inRun(e)) names.set(e.name, (names.get(e.name) ?? 0) + 1);
  // Main-thread frames: one BeginMainThreadFrame per frame the page produced.
  const begins = events.filter((e) => inRun(e) && isMain(e) && e.name === 'BeginMainThreadFrame').map((e) => e.ts).sort((a, b) => a - b);
  const frameGaps = [];
  for (let i = 1; i < begins.length; i++) frameGaps.push((begins[i] - begins[i - 1]) / 1000);
  // Long main-thread tasks.
  const tasks = events
    .filter((e) => inRun(e) && isMain(e) && e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask'))
    .map((e) => (e.dur ?? 0) / 1000);
  // Compositor frames drawn (DrawFrame), for reference.
  const draws = events.filter((e) => inRun(e) && e.name === 'DrawFrame').map((e) => e.ts).sort((a, b) => a - b);
  const drawGaps = [];
  for (let i = 1; i < draws.length; i++) drawGaps.push((draws[i] - draws[i - 1]) / 1000);
  // Compositor frame reports: state (presented, dropped…) and latency (begin → presentation).
  const open = new Map();
  const pipeline = [];
  for (const e of events.filter((x) => x.name === 'PipelineReporter' && x.pid === pid).sort((a, b) => a.ts - b.ts)) {
    const k = `${e.tid}:${e.id2?.local ?? e.id}`;
    if (e.ph === 'b') open.set(k, e);
    else if (e.ph === 'e' && open.has(k)) {
      const b = open.get(k);
      open.delete(k);
      if (b.ts >= start && b.ts <= end) pipeline.push({ state: b.args?.frame_reporter?.state, ms: (e.ts - b.ts) / 1000 });
    }
  }
  const dropped = pipeline.filter((p) => p.state === 'STATE_DROPPED').length;
  const presented = pipeline.filter((p) => p.state?.startsWith('STATE_PRESENTED'));
  return { frames: frameGaps, tasks, drawGaps, dropped, presented: presented.length, latency: presented.map((p) => p.ms), durationMs: (end - start) / 1000, eventNames: Object.fromEntries([...names].sort((a, b) => b[1] - a[1]).slice(0, 40)) };
}

// ---- main -----------------------------------------------------------------------------
async function main() {
  /** @type {any} */
  const result = { label: LABEL, library: LIB, date: new Date().toISOString(), loadavg: { start: loadavg() }, launches: [], typing: null, scroll: [] };
  log(`library ${LIB}, ibid ${IBID_BIN}, UI ${DIST}, load ${loadavg()}`);
  result.dist = DIST;

  if (!SKIP.has('launch')) {
    for (let i = 0; i < LAUNCHES; i++) result.launches.push(await measureLaunch(i));
    result.loadavg.afterLaunch = loadavg();
  }

  if (!SKIP.has('typing') || !SKIP.has('scroll')) {
    const server = await startServer(LIB);
    let browser = null;
    try {
      browser = await launchBrowser();
      const { page, problems } = await newPage(browser);
      await page.goto(server.url + '/');
      await waitInteractive(page);
      await sleep(500);
      if (!SKIP.has('typing')) {
        result.typing = await measureTyping(page);
        result.loadavg.afterTyping = loadavg();
      }
      if (!SKIP.has('scroll')) {
        await page.evaluate(() => /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'))).focus());
        for (let i = 0; i < SCROLL_RUNS; i++) {
          const r = await scrollRun(browser, page, i);
          const t = analyzeTrace(r.trace);
          const raf = [];
          for (let j = 1; j < r.rafFrames.length; j++) raf.push(r.rafFrames[j] - r.rafFrames[j - 1]);
          result.scroll.push({ phases: r.phases, trace: t, raf });
          log(`scroll run ${i + 1}: trace frames ${t.frames.length}, max ${ms(Math.max(...t.frames))} ms, >50 ms: ${t.frames.filter((x) => x > 50).length}; rAF max ${ms(Math.max(...raf))} ms; phases ${JSON.stringify(r.phases)} (load ${loadavg()})`);
        }
        result.loadavg.afterScroll = loadavg();
      }
      result.problems = problems;
    } finally {
      if (browser) await browser.close().catch(() => {});
      await server.stop();
    }
  }
  report(result);
  const jsonFile = opt.json ?? resolve(UI, `../target/bench/ui-bench-${LABEL}.json`);
  mkdirSync(dirname(jsonFile), { recursive: true });
  for (const s of result.scroll) delete s.trace.eventNames;
  writeFileSync(jsonFile, JSON.stringify(result, null, 1));
  log(`figures written to ${jsonFile}`);
}

function report(r) {
  const out = [];
  const row = (name, s, target, unit = 'ms', judge = 'p95') => {
    const verdict = target === null ? '' : s[judge] <= target ? 'pass' : '**miss**';
    out.push(`| ${name} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} | ${s.n} | ${target === null ? '–' : `≤ ${target} ${unit} (${judge})`} | ${verdict} |`);
  };
  out.push(`### ${r.label}: ${r.launches[0]?.marks ? `${r.launches[0].state.total.toLocaleString('en')} works` : ''}`);
  out.push('');
  out.push('| measure (ms) | median | p95 | max | n | target | result |');
  out.push('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  const L = r.launches;
  if (L.length) {
    const m = (k) => stats(L.map((x) => x.marks[k]));
    row('launch → interactive list (rows drawn, all keys loaded)', m('interactive.drawn'), TARGET.interactive);
    row('launch → first rows drawn (with content)', m('rowsContent.drawn'), null);
    row('launch → row placeholders drawn (list_keys done)', m('rowsShell.drawn'), null);
    row('launch → "N in library" drawn (library_info)', m('libraryInfo.drawn'), null);
    row('click → row selected, drawn (after interactive)', stats(L.map((x) => x.select)), null);
    row('ibid serve start → listening (not in the launch time)', stats(L.map((x) => x.serverStart)), null);
  }
  if (r.typing) {
    const K = r.typing.keys;
    row('keystroke → results drawn (all keystrokes, incl. the UI\'s debounce or wait)', stats(K.map((k) => k.latency)), TARGET.keystroke);
    for (const q of QUERIES) row(`  "${q}" (each prefix)`, stats(K.filter((k) => k.seq === q).map((k) => k.latency)), TARGET.keystroke);
    row('  1-character queries', stats(K.filter((k) => k.q.length === 1).map((k) => k.latency)), TARGET.keystroke);
    row('  keystroke → search request sent (debounce / waiting for a search in flight)', stats(K.map((k) => k.debounceAndQueue)), null);
    row('  search request (sent → answer received)', stats(K.map((k) => k.request)), null);
    row('  answer received → results drawn', stats(K.map((k) => k.afterResponse)), null);
    row('burst typing (50 ms/key): last keystroke → final results drawn', stats(r.typing.burst.map((b) => b.latency)), TARGET.keystroke);
  }
  if (r.scroll.length) {
    const frames = r.scroll.flatMap((s) => s.trace.frames);
    const raf = r.scroll.flatMap((s) => s.raf);
    const tasks = r.scroll.flatMap((s) => s.trace.tasks);
    const over = frames.filter((f) => f > TARGET.frame).length;
    const s = stats(frames);
    out.push(
      `| scrolling: frame time (trace, main-thread frames; ${r.scroll.length} runs) | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} | ${s.n} | no frame > ${TARGET.frame} ms | ${over === 0 ? 'pass' : `**miss** (${over} over)`} |`,
    );
    const sr = stats(raf);
    const overRaf = raf.filter((f) => f > TARGET.frame).length;
    out.push(`| scrolling: frame time (requestAnimationFrame cross-check) | ${ms(sr.median)} | ${ms(sr.p95)} | ${ms(sr.max)} | ${sr.n} | no frame > ${TARGET.frame} ms | ${overRaf === 0 ? 'pass' : `**miss** (${overRaf} over)`} |`);
    row('  main-thread tasks while scrolling (trace)', stats(tasks), null);
    row('  compositor frame latency, begin → presented (trace PipelineReporter)', stats(r.scroll.flatMap((x) => x.trace.latency)), null);
    out.push(`|   frames presented / dropped (trace PipelineReporter) | ${r.scroll.reduce((a, x) => a + x.trace.presented, 0)} / ${r.scroll.reduce((a, x) => a + x.trace.dropped, 0)} | | | | – | |`);
    for (const ph of ['drag-middle', 'drag-end', 'drag-top']) {
      const xs = r.scroll.map((x) => x.phases[ph]).filter(Boolean);
      row(`  scrollbar ${ph.replace('drag-', 'drag to ')} → rows drawn with content (${[...new Set(xs.map((x) => x.via))].join(', ')})`, stats(xs.map((x) => x.contentDrawn)), null);
    }
  }
  out.push('');
  if (L.length) {
    out.push(`What the launch waits on (median of ${L.length} launches; times from navigation start; sizes from Resource Timing):`);
    out.push('');
    out.push('| request | sent at | server (request → first byte) | transfer (first → last byte) | done at | body |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    const cmds = ['library_info', 'collections', 'tags', 'list_keys', 'rows'];
    for (const c of cmds) {
      const xs = L.map((x) => x.api.find((a) => a.cmd === c)).filter(Boolean);
      if (!xs.length) continue;
      const md = (f) => ms(stats(xs.map(f)).median);
      out.push(`| ${c}${c === 'rows' ? ' (first)' : ''} | ${md((a) => a.start)} | ${md((a) => a.responseStart - a.requestStart)} | ${md((a) => a.responseEnd - a.responseStart)} | ${md((a) => a.responseEnd)} | ${kb(stats(xs.map((a) => a.body)).median)} |`);
    }
    const med = (f) => ms(stats(L.map(f)).median);
    out.push('');
    out.push(
      `Page: HTML received ${med((x) => x.nav.responseEnd)} ms, DOMContentLoaded ${med((x) => x.nav.domContentLoaded)} ms; list_keys answer → row placeholders drawn ${med((x) => x.marks['rowsShell.drawn'] - x.api.find((a) => a.cmd === 'list_keys').responseEnd)} ms (JSON parse, KeyList, render); first rows answer → rows drawn ${med((x) => x.marks['rowsContent.drawn'] - x.api.find((a) => a.cmd === 'rows').responseEnd)} ms; JS heap after launch ${kb(stats(L.map((x) => x.heap)).median)}.`,
    );
    out.push('');
  }
  out.push(`Load average (1/5/15 min): ${Object.entries(r.loadavg).map(([k, v]) => `${k} ${v}`).join('; ')}.`);
  console.log(out.join('\n'));
}

await main();
