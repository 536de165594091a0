// Desktop benchmark (issue 8): the real `ibid-desktop` release binary, its
// WebKitGTK webview and its SQLite library, on an X server of its own (Xvfb,
// with Openbox when installed), driven through WebKitWebDriver's HTTP protocol
// (what tests/desktop.rs does through fantoccini). Measures, against issue 8's
// targets for the desktop:
//   1. launch → interactive list ≤ 1.5 s: from the app's process start (a
//      wrapper script notes CLOCK_REALTIME in ns, then `exec`s the binary: the
//      same process) to the page's `ibid:list-drawn` mark (ItemList sets it in
//      the first task after the frame that first shows rows with their text),
//      read as performance.timeOrigin + mark.startTime (also CLOCK_REALTIME).
//      Each launch is a fresh process (the OS page cache is warm, SQLite's is
//      not);
//   2. keystroke → results drawn ≤ 100 ms, in the main search box: each key
//      sent by WebDriver (WebKit's automation synthesizes the GDK key event in
//      the UI process, which sends it to the web process as a real key would),
//      timed in the page from its keydown event (`event.timeStamp`) to the
//      frame after the list pane's `data-results-for` equals the text typed so
//      far (set in the same render as the result rows): a MutationObserver sees
//      it, then requestAnimationFrame and a task mark the frame drawn (the
//      method of ui-bench.mjs and palette.mjs);
//   3. scrolling, no frame over 50 ms: requestAnimationFrame intervals in the
//      page while the list is scrolled by real mouse-wheel clicks (xdotool on
//      the bench's X server: X → GTK → WebKit), then moved by scrollTop as a
//      scrollbar drag does (middle, end, top; 6 steps, one a frame), then
//      swept from the top to the end in 150 steps (every row's text fetched
//      on the way: "scrolled the whole way");
//   4. the app's memory ≤ 400 MB: `ibid-desktop` and every process under it
//      (WebKitWebProcess, WebKitNetworkProcess), PSS and RSS from
//      /proc/PID/smaps_rollup, after launch, after the searches, after
//      scrolling.
// Prints one Markdown table (target, measured, pass/miss) and writes the rows
// as JSON: a list of {measurement, value, unit, target, pass} (and the raw
// figures beside it, *-raw.json). The 1-minute load average is recorded with
// every figure.
//
//   npm run bench:desktop -- --library COPY.sqlite [--label 1M] [--launches 5]
//        [--typing-rounds 5] [--json FILE] [--app PATH]
//   (--app, or IBID_DESKTOP_BIN, defaults to ../target/release/ibid-desktop;
//   build it with `cargo build --release -p ibid-desktop` after `npm run
//   build`: it embeds ui/dist.) Opening a library migrates it: give it a copy.
import { readFileSync, writeFileSync, mkdirSync, existsSync, mkdtempSync, rmSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, resolve, basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir, cpus, totalmem } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const UI = resolve(here, '..');

const { values: opt } = parseArgs({
  options: {
    library: { type: 'string', default: process.env.IBID_LIBRARY },
    label: { type: 'string' },
    app: { type: 'string', default: process.env.IBID_DESKTOP_BIN },
    launches: { type: 'string', default: '5' },
    'typing-rounds': { type: 'string', default: '5' },
    json: { type: 'string' },
    webdriver: { type: 'string', default: process.env.WEBKIT_WEBDRIVER ?? 'WebKitWebDriver' },
  },
});
if (!opt.library) {
  console.error('usage: npm run bench:desktop -- --library COPY.sqlite [--label NAME] [--launches 5] [--typing-rounds 5] [--json FILE] [--app ibid-desktop]');
  process.exit(2);
}
const LIB = resolve(process.cwd(), opt.library);
const LABEL = opt.label ?? basename(LIB, '.sqlite');
const APP = resolve(process.cwd(), opt.app ?? resolve(UI, '../target/release/ibid-desktop'));
const LAUNCHES = Number(opt.launches);
const ROUNDS = Number(opt['typing-rounds']);
const QUERIES = ['sino sov', 'cold war 1949', 'heinzig'];
const TARGET = { launch: 1500, keystroke: 100, frame: 50, memory: 400 };
for (const f of [LIB, APP]) if (!existsSync(f)) throw new Error(`missing ${f}`);

const log = (...a) => console.error(`[desktop-bench ${LABEL}]`, ...a);
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const onPath = (name) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));

// ---- statistics -------------------------------------------------------------
function stats(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return { n: 0, median: NaN, p95: NaN, max: NaN, min: NaN };
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, min: s[0], median, p95: q(0.95), max: s[s.length - 1] };
}
const fmt = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

// ---- processes ----------------------------------------------------------------
/** @type {Set<import('node:child_process').ChildProcess>} */
const groups = new Set();
/** Ends a child's whole process group (it was started as a group leader). */
function endGroup(child, signal = 'SIGTERM') {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}
process.on('exit', () => {
  for (const c of groups) endGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Starts `cmd` as the leader of a process group of its own. */
function startGroup(cmd, args, options = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore'], ...options });
  groups.add(child);
  child.on('exit', () => groups.delete(child));
  return child;
}

async function stopGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  endGroup(child, 'SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  // The app and its web processes may outlive the driver: KILL the group.
  endGroup(child, 'SIGKILL');
}

function freePort() {
  return new Promise((resolveP, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolveP(port));
    });
  });
}

/** Xvfb on a display of its own (-displayfd), and Openbox on it when installed. */
async function startX() {
  const server = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  groups.add(server);
  const display = await new Promise((resolveP, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolveP(`:${out.trim()}`);
    });
    server.once('exit', (c) => reject(new Error(`Xvfb exited (${c})`)));
    setTimeout(() => reject(new Error('Xvfb did not report its display within 20 s')), 20000);
  });
  let wm = null;
  if (onPath('openbox')) {
    wm = startGroup('openbox', ['--sm-disable'], { env: { ...process.env, DISPLAY: display } });
    await sleep(700);
  }
  return { display, wm, server };
}

/** The processes under `root` (itself included): pid → {pid, ppid, comm}. */
function processTree(root) {
  const all = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      all.push({ pid: Number(d), ppid, comm });
    } catch {
      /* gone */
    }
  }
  const out = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if ((p.pid === root || want.has(p.ppid)) && !want.has(p.pid)) {
        want.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (want.has(p.pid)) out.push(p);
  return out;
}

/** PSS and RSS (MB, 10^6 bytes: the target's unit) of the app: ibid-desktop and every process under it. */
function memory(appPid) {
  const procs = processTree(appPid).map((p) => {
    const r = { ...p, pss: NaN, rss: NaN };
    try {
      const s = readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
      r.pss = (kb('Pss') * 1024) / 1e6;
      r.rss = (kb('Rss') * 1024) / 1e6;
    } catch {
      /* gone */
    }
    return r;
  });
  const sum = (k) => procs.reduce((a, p) => a + (Number.isFinite(p[k]) ? p[k] : 0), 0);
  return { pss: sum('pss'), rss: sum('rss'), procs: procs.map(({ pid, comm, pss, rss }) => ({ pid, comm, pss, rss })), load1: load1() };
}
const memLine = (m) => `PSS ${fmt(m.pss)} MB, RSS ${fmt(m.rss)} MB (${m.procs.map((p) => `${p.comm} ${fmt(p.pss)}`).join(', ')})`;

// ---- WebDriver over HTTP -------------------------------------------------------
class WebDriver {
  constructor(port) {
    this.base = `http://127.0.0.1:${port}`;
    this.session = '';
  }
  async req(method, path, body) {
    const res = await fetch(this.base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = /** @type {any} */ (await res.json().catch(() => ({})));
    if (!res.ok || j?.value?.error) throw new Error(`WebDriver ${method} ${path}: ${j?.value?.error ?? res.status} ${j?.value?.message ?? ''}`);
    return j.value;
  }
  async start(caps) {
    const v = await this.req('POST', '/session', { capabilities: { alwaysMatch: caps } });
    this.session = v.sessionId;
    await this.req('POST', `/session/${this.session}/timeouts`, { script: 120000 });
  }
  /** Runs `fn` (a function) in the page with `args`; its result. */
  exec(fn, ...args) {
    return this.req('POST', `/session/${this.session}/execute/sync`, { script: `return (${fn}).apply(null, arguments);`, args });
  }
  /** Runs async `fn` in the page; what its promise resolves to. */
  execAsync(fn, ...args) {
    const script = `const done = arguments[arguments.length - 1]; Promise.resolve((${fn}).apply(null, Array.prototype.slice.call(arguments, 0, -1))).then(done, (e) => done({ error: String(e && e.stack || e) }));`;
    return this.req('POST', `/session/${this.session}/execute/async`, { script, args });
  }
  async find(css) {
    const v = await this.req('POST', `/session/${this.session}/element`, { using: 'css selector', value: css });
    return /** @type {string} */ (Object.values(v)[0]);
  }
  keys(element, text) {
    return this.req('POST', `/session/${this.session}/element/${element}/value`, { text });
  }
  async end() {
    if (this.session) await this.req('DELETE', `/session/${this.session}`).catch(() => {});
    this.session = '';
  }
}

/**
 * One launch of the app: WebKitWebDriver on a free port (its process group
 * holds the app and its web processes), the app started through a wrapper
 * that notes the process start time, a session with the window.
 */
async function openApp(x, tmp, n) {
  const stampFile = join(tmp, `start-${n}`);
  const wrapper = join(tmp, `ibid-desktop-${n}.sh`);
  // `$$` is the app's pid after `exec`; the stamp is CLOCK_REALTIME in ns, taken just before it.
  writeFileSync(wrapper, `#!/bin/sh\necho "$$ $(date +%s%N)" > '${stampFile}'\nexec '${APP}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const port = await freePort();
  const apiPort = await freePort();
  const env = {
    ...process.env,
    DISPLAY: x.display,
    GDK_BACKEND: 'x11',
    TAURI_WEBVIEW_AUTOMATION: 'true',
    // The window's local API on (as for a user) but on a free port; not Better BibTeX's.
    IBID_API_PORT: String(apiPort),
    IBID_BBT_PORT: '0',
    IBID_TOKEN_FILE: join(tmp, 'api-token'),
  };
  const driver = startGroup(opt.webdriver, [`--port=${port}`], { env });
  const until = Date.now() + 20000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok).catch(() => false);
    if (up) break;
    if (Date.now() > until) throw new Error('WebKitWebDriver did not answer within 20 s');
    await sleep(50);
  }
  const wd = new WebDriver(port);
  await wd.start({ browserName: 'wry', 'webkitgtk:browserOptions': { binary: wrapper, args: ['--library', LIB] } });
  const [pid, ns] = readFileSync(stampFile, 'utf8').trim().split(' ');
  return { wd, driver, pid: Number(pid), startEpochMs: Number(BigInt(ns) / 1000000n) + Number(BigInt(ns) % 1000000n) / 1e6 };
}

async function closeApp(app) {
  if (!app) return;
  await app.wd.end();
  await stopGroup(app.driver);
}

// ---- in the page --------------------------------------------------------------
/** The launch marks, once the list is drawn (null before). */
function launchMarks() {
  const drawn = performance.getEntriesByName('ibid:list-drawn')[0];
  if (!drawn) return null;
  const rows = performance.getEntriesByName('ibid:list-rows')[0];
  const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
  const num = (sel) => {
    const m = /^([\d,.\s\u00a0\u202f]+)\s/.exec(document.querySelector(sel)?.textContent ?? '');
    return m ? Number(m[1].replace(/\D/g, '')) : null;
  };
  return {
    timeOrigin: performance.timeOrigin,
    rows: rows?.startTime ?? null,
    drawn: drawn.startTime,
    domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
    responseEnd: nav?.responseEnd ?? null,
    shown: num('[data-testid=status-shown]'),
    total: num('[data-testid=status-total]'),
    ipc: performance
      .getEntriesByType('resource')
      .filter((e) => !/\.(js|css|svg|png|ico)$/.test(e.name))
      .map((e) => {
        const r = /** @type {PerformanceResourceTiming} */ (e);
        return { name: r.name, start: r.startTime, end: r.responseEnd, body: r.encodedBodySize };
      }),
    heap: /** @type {any} */ (performance).memory?.usedJSHeapSize ?? null,
  };
}

/** The bench's helpers in the page (after launch): results waiters, keydown times, a frame loop. */
function instrument() {
  const w = /** @type {any} */ (window);
  if (w.__bench) return true;
  /** @type {any} */
  const B = { waiters: [], frames: null, keydown: NaN, keydownNow: NaN, pending: null };
  w.__bench = B;
  const afterFrame = (f) => requestAnimationFrame(() => setTimeout(() => f(performance.now()), 0));
  const num = (sel) => {
    const m = /^([\d,.\s\u00a0\u202f]+)\s/.exec(document.querySelector(sel)?.textContent ?? '');
    return m ? Number(m[1].replace(/\D/g, '')) : null;
  };
  B.state = () => ({
    shown: num('[data-testid=status-shown]'),
    total: num('[data-testid=status-total]'),
    content: document.querySelectorAll('[data-testid=row] .cell.title').length,
    resultsFor: document.querySelector('main.list-pane')?.getAttribute('data-results-for') ?? null,
    empty: !!document.querySelector('[data-testid=list-empty]'),
  });
  const check = () => {
    if (!B.waiters.length) return;
    const s = B.state();
    for (const wt of B.waiters.slice()) {
      if (wt.test(s)) {
        B.waiters.splice(B.waiters.indexOf(wt), 1);
        const hit = performance.now();
        afterFrame((t) => wt.resolve({ hit, drawn: t, state: s }));
      }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-results-for'] });
  B.until = (test) =>
    new Promise((resolve) => {
      B.waiters.push({ test, resolve });
      check();
    });
  /** Arms the wait for the results of exactly `q` (drawn), before its key is sent. */
  B.armResults = (q) => {
    B.pending = B.until((s) => s.resultsFor === q && (s.content > 0 || s.empty));
  };
  B.armCleared = () => {
    B.pending = B.until((s) => s.resultsFor === '' && s.total !== null && s.shown === s.total && s.content > 0);
  };
  window.addEventListener(
    'keydown',
    (e) => {
      B.keydown = e.timeStamp;
      B.keydownNow = performance.now();
    },
    true,
  );
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
  B.grid = () => /** @type {HTMLElement} */ (document.querySelector('[data-testid=item-list]'));
  /** Whether the row in the middle of the list's viewport shows its text. */
  B.middleDrawn = () => {
    const g = B.grid();
    const r = g.getBoundingClientRect();
    const el = document.elementFromPoint(r.left + 40, r.top + r.height / 2);
    const row = el?.closest('[data-testid=row]');
    return !!row && !!row.querySelector('.cell.title');
  };
  /** Moves scrollTop from where it is to `fraction` of its range in `steps` steps, one a frame. */
  B.scrollSteps = (fraction, steps) =>
    new Promise((resolve) => {
      const g = B.grid();
      const from = g.scrollTop;
      const to = (g.scrollHeight - g.clientHeight) * fraction;
      let i = 0;
      const step = () => {
        i++;
        g.scrollTop = from + ((to - from) * i) / steps;
        if (i < steps) requestAnimationFrame(step);
        else resolve(performance.now());
      };
      requestAnimationFrame(step);
    });
  /** Resolves after the frame in which the middle row shows its text. */
  B.untilMiddleDrawn = () =>
    new Promise((resolve) => {
      const poll = () => (B.middleDrawn() ? afterFrame(resolve) : requestAnimationFrame(poll));
      poll();
    });
  return true;
}

async function waitLaunch(wd, secs = 180) {
  const until = Date.now() + secs * 1000;
  for (;;) {
    const m = await wd.exec(launchMarks).catch(() => null);
    if (m) return m;
    if (Date.now() > until) throw new Error(`the list was not drawn within ${secs} s`);
    await sleep(25);
  }
}

// ---- 1. launch ------------------------------------------------------------------
async function measureLaunch(x, tmp, i) {
  const loadBefore = load1();
  const app = await openApp(x, tmp, i);
  try {
    const m = await waitLaunch(app.wd);
    const launch = m.timeOrigin + m.drawn - app.startEpochMs;
    const toNav = m.timeOrigin - app.startEpochMs;
    // Once the key index has been built in idle time, and the first rows fetched.
    await sleep(1500);
    const mem = memory(app.pid);
    const r = { i, launch, toNav, marks: m, mem, load1: loadBefore, load1After: load1() };
    log(`launch ${i + 1}: ${fmt(launch)} ms (process start → navigation ${fmt(toNav)} ms, → DOMContentLoaded ${fmt(toNav + m.domContentLoaded)}, → rows drawn ${fmt(launch)}); ${m.shown} shown of ${m.total}; ${memLine(mem)} (load ${loadavg()})`);
    return r;
  } finally {
    await closeApp(app);
  }
}

// ---- 2. keystrokes ------------------------------------------------------------
async function typeQuery(wd, search, q) {
  const out = [];
  for (let i = 1; i <= q.length; i++) {
    const prefix = q.slice(0, i);
    await wd.exec((p) => /** @type {any} */ (window).__bench.armResults(p), prefix);
    const sent = Date.now();
    await wd.keys(search, q[i - 1]);
    const r = await wd.execAsync(() => {
      const B = /** @type {any} */ (window).__bench;
      return B.pending.then((x) => ({ ...x, keydown: B.keydown, keydownNow: B.keydownNow, timeOrigin: performance.timeOrigin }));
    });
    if (r.error) throw new Error(r.error);
    // event.timeStamp is on performance.now()'s clock in current WebKit; if
    // not (an epoch time), fall back to when the handler ran.
    const kd = Math.abs(r.keydown - r.keydownNow) < 1000 ? r.keydown : r.keydownNow;
    out.push({ seq: q, q: prefix, latency: r.drawn - kd, fromSend: r.timeOrigin + r.drawn - sent, sendToKeydown: r.timeOrigin + kd - sent, shown: r.state.shown, load1: load1() });
    await sleep(40);
  }
  return out;
}

async function clearSearch(wd, search) {
  await wd.exec(() => /** @type {any} */ (window).__bench.armCleared());
  await wd.keys(search, '\uE00C'); // Escape: the search box clears the search
  const r = await wd.execAsync(() => /** @type {any} */ (window).__bench.pending);
  if (r.error) throw new Error(r.error);
  await sleep(100);
}

async function measureTyping(wd) {
  const search = await wd.find('[data-testid=search]');
  const keys = [];
  const warm = [];
  for (const q of QUERIES) {
    await clearSearch(wd, search);
    warm.push(...(await typeQuery(wd, search, q)));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of QUERIES) {
      await clearSearch(wd, search);
      keys.push(...(await typeQuery(wd, search, q)));
    }
    log(`typing round ${round + 1}/${ROUNDS}: keystroke median so far ${fmt(stats(keys.map((k) => k.latency)).median)} ms (load ${loadavg()})`);
  }
  await clearSearch(wd, search);
  return { keys, warm };
}

// ---- 3. scrolling ---------------------------------------------------------------
function xdotool(display, args) {
  return execFileSync('xdotool', args, { env: { ...process.env, DISPLAY: display }, encoding: 'utf8' }).trim();
}

async function measureScroll(wd, x) {
  const phases = [];
  const frames = async (name, body) => {
    await wd.exec(() => /** @type {any} */ (window).__bench.startFrames());
    const info = await body();
    const f = await wd.exec(() => /** @type {any} */ (window).__bench.stopFrames());
    const gaps = [];
    for (let j = 1; j < f.length; j++) gaps.push(f[j] - f[j - 1]);
    const s = stats(gaps);
    phases.push({ name, gaps, info, load1: load1() });
    log(`scroll ${name}: ${gaps.length} frames, max ${fmt(s.max)} ms, p95 ${fmt(s.p95)} ms, > ${TARGET.frame} ms: ${gaps.filter((g) => g > TARGET.frame).length} ${info ? JSON.stringify(info) : ''} (load ${loadavg()})`);
  };
  await wd.exec(() => {
    const g = /** @type {any} */ (window).__bench.grid();
    g.scrollTop = 0;
    g.focus();
  });
  await sleep(500);
  // (a) Real mouse-wheel clicks on the list, through X and GTK.
  if (onPath('xdotool')) {
    const win = xdotool(x.display, ['search', '--onlyvisible', '--name', '^Ibid$']).split('\n')[0];
    const box = await wd.exec(() => {
      const r = /** @type {any} */ (window).__bench.grid().getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    xdotool(x.display, ['mousemove', '--window', win, String(Math.round(box.x)), String(Math.round(box.y))]);
    await frames('mouse wheel: 80 clicks down, 40 up (xdotool, 16 ms apart)', async () => {
      const before = await wd.exec(() => /** @type {any} */ (window).__bench.grid().scrollTop);
      xdotool(x.display, ['click', '--repeat', '80', '--delay', '16', '5']);
      await sleep(300);
      const down = await wd.exec(() => /** @type {any} */ (window).__bench.grid().scrollTop);
      xdotool(x.display, ['click', '--repeat', '40', '--delay', '16', '4']);
      await sleep(300);
      const up = await wd.exec(() => /** @type {any} */ (window).__bench.grid().scrollTop);
      return { scrollTop: [before, down, up] };
    });
  }
  // (b) As a scrollbar drag: to the middle, the end, the top (6 steps, one a frame).
  const jumps = {};
  await frames('scrollbar-like jumps: middle, end, top (scrollTop, 6 steps a frame each)', async () => {
    for (const [name, f] of [['middle', 0.5], ['end', 1], ['top', 0]]) {
      const r = await wd.execAsync(async (fr) => {
        const B = /** @type {any} */ (window).__bench;
        const released = await B.scrollSteps(fr, 6);
        const drawn = await B.untilMiddleDrawn();
        return { contentDrawn: drawn - released, first: Number(document.querySelector('[data-testid=row]')?.getAttribute('data-index')) };
      }, f);
      jumps[name] = r;
      await sleep(400);
    }
    return jumps;
  });
  // (c) The whole way: top to end in 150 steps, one a frame (the rows' text fetched on the way).
  await frames('the whole list, top to end in 150 steps (one a frame)', async () => {
    return wd.execAsync(async () => {
      const B = /** @type {any} */ (window).__bench;
      const released = await B.scrollSteps(1, 150);
      const drawn = await B.untilMiddleDrawn();
      const g = B.grid();
      return { endDrawn: drawn - released, atEnd: g.scrollTop >= g.scrollHeight - g.clientHeight - 1 };
    });
  });
  return { phases, jumps };
}

// ---- main -----------------------------------------------------------------------------
async function main() {
  const cpu = cpus()[0]?.model ?? '?';
  /** @type {any} */
  const result = { label: LABEL, library: LIB, app: APP, date: new Date().toISOString(), machine: { nproc: cpus().length, cpu, ramGiB: totalmem() / 2 ** 30 }, loadavg: { start: loadavg() }, launches: [] };
  log(`library ${LIB}, app ${APP}, ${cpus().length} × ${cpu}, load ${loadavg()}`);
  const tmp = mkdtempSync(join(tmpdir(), 'ibid-desktop-bench-'));
  const x = await startX();
  try {
    // An unmeasured first launch: migrates a fresh copy, warms the page cache.
    log('warm-up launch (unmeasured)');
    result.warmup = await measureLaunch(x, tmp, -1);
    for (let i = 0; i < LAUNCHES; i++) result.launches.push(await measureLaunch(x, tmp, i));
    result.loadavg.afterLaunches = loadavg();

    // One more session for the searches and the scrolling.
    const app = await openApp(x, tmp, LAUNCHES);
    try {
      const m = await waitLaunch(app.wd);
      result.session = { launch: m.timeOrigin + m.drawn - app.startEpochMs };
      await app.wd.exec(instrument);
      await sleep(1500);
      result.memLaunch = memory(app.pid);
      log(`after launch: ${memLine(result.memLaunch)}`);
      result.typing = await measureTyping(app.wd);
      await sleep(1000);
      result.memSearch = memory(app.pid);
      log(`after searching: ${memLine(result.memSearch)}`);
      result.loadavg.afterTyping = loadavg();
      result.scroll = await measureScroll(app.wd, x);
      await sleep(1000);
      result.memScroll = memory(app.pid);
      log(`after scrolling: ${memLine(result.memScroll)}`);
      result.loadavg.afterScroll = loadavg();
    } finally {
      await closeApp(app);
    }
  } finally {
    await stopGroup(x.wm);
    await stopGroup(x.server);
    rmSync(tmp, { recursive: true, force: true });
  }
  const rows = report(result);
  const jsonFile = resolve(process.cwd(), opt.json ?? resolve(UI, `../target/bench/desktop-bench-${LABEL}.json`));
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(rows, null, 1) + '\n');
  writeFileSync(jsonFile.replace(/\.json$/, '') + '-raw.json', JSON.stringify(result, null, 1) + '\n');
  log(`rows written to ${jsonFile} (raw figures beside it, -raw.json)`);
}

/** The Markdown table, and the JSON rows {measurement, value, unit, target, pass}. */
function report(r) {
  const rows = [];
  const out = [];
  const add = (measurement, value, unit, target, shown) => {
    const pass = target === null ? null : value <= target;
    rows.push({ measurement: `desktop ${r.label}: ${measurement}`, value: Number(value.toFixed(2)), unit, target, pass });
    out.push(`| ${measurement} | ${shown ?? `${fmt(value)} ${unit}`} | ${target === null ? '–' : `≤ ${target} ${unit}`} | ${pass === null ? '' : pass ? 'pass' : '**miss**'} |`);
  };
  const L = r.launches;
  const total = L[0]?.marks.total;
  out.push(`### ${r.label}${total ? `: ${total.toLocaleString('en')} works` : ''}`);
  out.push('');
  out.push('| measurement | measured | target | result |');
  out.push('| --- | ---: | --- | --- |');
  const range = (s) => `median ${fmt(s.median)}, max ${fmt(s.max)}, n ${s.n}`;
  if (L.length) {
    const s = stats(L.map((l) => l.launch));
    add(`launch → interactive list, worst of ${s.n} (process start → rows with text drawn)`, s.max, 'ms', TARGET.launch, `${fmt(s.max)} ms (${range(s)})`);
    const nav = stats(L.map((l) => l.toNav));
    add('  process start → page navigation starts (median)', nav.median, 'ms', null);
    const dcl = stats(L.map((l) => l.toNav + l.marks.domContentLoaded));
    add('  process start → DOMContentLoaded (median)', dcl.median, 'ms', null);
  }
  const K = r.typing?.keys ?? [];
  if (K.length) {
    const s = stats(K.map((k) => k.latency));
    add(`keystroke → results drawn, p95 of ${s.n} (keydown → frame after)`, s.p95, 'ms', TARGET.keystroke, `${fmt(s.p95)} ms (median ${fmt(s.median)}, max ${fmt(s.max)})`);
    for (const q of QUERIES) {
      const sq = stats(K.filter((k) => k.seq === q).map((k) => k.latency));
      add(`  "${q}", p95 of each prefix`, sq.p95, 'ms', null, `${fmt(sq.p95)} ms (median ${fmt(sq.median)}, max ${fmt(sq.max)})`);
    }
    const sf = stats(K.map((k) => k.fromSend));
    add('  WebDriver key sent → results drawn, p95 (adds the automation hop)', sf.p95, 'ms', null, `${fmt(sf.p95)} ms (median ${fmt(sf.median)})`);
    const w1 = r.typing.warm[0];
    if (w1) add(`  first keystroke after launch ("${w1.q}", unmeasured warm-up round)`, w1.latency, 'ms', null);
  }
  const P = r.scroll?.phases ?? [];
  if (P.length) {
    const all = P.flatMap((p) => p.gaps);
    const s = stats(all);
    const over = all.filter((g) => g > TARGET.frame).length;
    add(`scrolling: longest frame of ${s.n} (requestAnimationFrame intervals)`, s.max, 'ms', TARGET.frame, `${fmt(s.max)} ms (p95 ${fmt(s.p95)}, median ${fmt(s.median)})`);
    add(`scrolling: frames over ${TARGET.frame} ms`, over, 'frames', 0);
    for (const p of P) {
      const sp = stats(p.gaps);
      add(`  ${p.name}: longest frame`, sp.max, 'ms', null, `${fmt(sp.max)} ms (p95 ${fmt(sp.p95)}, n ${sp.n}, over ${TARGET.frame}: ${p.gaps.filter((g) => g > TARGET.frame).length})`);
    }
    const J = r.scroll.jumps ?? {};
    for (const k of Object.keys(J)) add(`  jump to the ${k}: moved → middle row's text drawn`, J[k].contentDrawn, 'ms', null);
  }
  for (const [name, m] of [['after launch', r.memLaunch], ['after searching', r.memSearch], ['after scrolling the whole way', r.memScroll]]) {
    if (!m) continue;
    add(`memory ${name}: PSS, app + web processes`, m.pss, 'MB', TARGET.memory, `${fmt(m.pss)} MB (RSS ${fmt(m.rss)}; ${m.procs.map((p) => `${p.comm} ${fmt(p.pss)}`).join(', ')})`);
  }
  out.push('');
  const lr = L.map((l) => l.load1);
  out.push(
    `Load average (1 min): at the start ${r.loadavg.start.split(' ')[0]}; launches ${lr.map(String).join(', ')}; keystrokes ${fmt(stats(K.map((k) => k.load1)).median)} (median); scrolling ${P.map((p) => p.load1).join(', ')}; memory ${[r.memLaunch, r.memSearch, r.memScroll].filter(Boolean).map((m) => m.load1).join(', ')}.`,
  );
  console.log(out.join('\n'));
  return rows;
}

await main();
