// End-to-end harness: a temp library with the sample data, `ibid serve` on
// it with the built UI, and headless Debian Chromium through playwright-core.
// Everything started here is stopped in `finally` blocks (and on exit).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = resolve(here, '..');
export const DIST = join(UI_DIR, 'dist');
export const OUT = join(here, 'out');
export const FIXTURE = resolve(UI_DIR, '../tests/fixtures/sample-library.csl.json');
export const IBID_BIN = resolve(UI_DIR, process.env.IBID_BIN ?? '../target/debug/ibid');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export function preflight() {
  const missing = [];
  if (!existsSync(join(DIST, 'index.html'))) missing.push(`${DIST}/index.html (run \`npm run build\` first)`);
  if (!existsSync(IBID_BIN)) missing.push(`${IBID_BIN} (build it with \`cargo build -p ibid-cli\`, or set IBID_BIN)`);
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
  } catch {
    missing.push('sqlite3 (apt-get install sqlite3)');
  }
  if (missing.length) throw new Error(`e2e needs:\n  ${missing.join('\n  ')}`);
}

/**
 * A fresh library with the sample data (or `fixture`: another CSL-JSON file, or null for an
 * empty library), and optional extra CSL-JSON items.
 * @param {object[] | null} [extraItems]
 * @param {string | null} [fixture]
 */
export function makeLibrary(extraItems = null, fixture = FIXTURE) {
  const dir = mkdtempSync(join(tmpdir(), 'ibid-e2e-'));
  const lib = join(dir, 'library.sqlite');
  if (fixture) execFileSync(IBID_BIN, ['--library', lib, 'import', fixture], { stdio: 'pipe' });
  else execFileSync(IBID_BIN, ['--library', lib, 'list'], { stdio: 'pipe' }); // creates it, empty
  if (extraItems) {
    const f = join(dir, 'extra.json');
    writeFileSync(f, JSON.stringify(extraItems));
    execFileSync(IBID_BIN, ['--library', lib, 'import', f], { stdio: 'pipe' });
  }
  return { dir, lib, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a query against the library file; returns trimmed output. */
/** @param {string} lib @param {string} query */
export function sql(lib, query) {
  return execFileSync('sqlite3', [lib, query], { encoding: 'utf8' }).trim();
}

/**
 * Starts `ibid --library LIB serve --port 0 --ui DIST` and waits for its `listening on` line.
 * The benchmark passes its own binary and UI build.
 * `env` is added to this process's environment (e.g. IBID_CROSSREF_URL for a fake Crossref).
 * @param {string} lib
 * @param {{ bin?: string, dist?: string, env?: Record<string, string> }} [opts]
 */
export async function startServer(lib, { bin = IBID_BIN, dist = DIST, env = {} } = {}) {
  // The API token beside the library (not in the user's config folder).
  const tokenFile = `${lib}.api-token`;
  const proc = spawn(bin, ['--library', lib, 'serve', '--port', '0', '--ui', dist], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IBID_TOKEN_FILE: tokenFile, ...env },
  });
  children.add(proc);
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`ibid serve printed no "listening on" line in 20 s; stderr: ${stderr}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1].replace(/\/$/, ''));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ibid serve exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return children.delete(proc);
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    children.delete(proc);
  };
  return { url, proc, stop, stderr: () => stderr };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

/**
 * @typedef {{ page: import('playwright-core').Page, lib: string, url: string, problems: string[], serverLog: () => string }} AppContext
 * @typedef {{ extraItems?: object[] | null, fixture?: string | null, env?: Record<string, string>, colorScheme?: 'light' | 'dark', viewport?: { width: number, height: number }, permissions?: string[] }} AppOptions
 */

/**
 * @param {(ctx: AppContext) => Promise<void>} fn
 * @param {AppOptions} [options]
 * Runs `fn` with a page on a served temp library (`permissions`: granted to the page, e.g.
 * 'clipboard-read'); always stops the server,
 * closes the browser and removes the library. Fails the test on any console
 * error or CSP violation in the page.
 */
export async function withApp(fn, { extraItems = null, fixture = FIXTURE, env = {}, colorScheme = 'light', viewport = { width: 1400, height: 860 }, permissions = [] } = {}) {
  const library = makeLibrary(extraItems, fixture);
  let server = null;
  let browser = null;
  try {
    server = await startServer(library.lib, { env });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport, colorScheme, permissions });
    const page = await context.newPage();
    const problems = [];
    // CSP violations in the live document fail the test. (Chromium also
    // reports blocked handlers while parsing markup in inert documents, as
    // DOMPurify does: those are recorded as not live, and are harmless.)
    await page.addInitScript(() => {
      /** @type {any} */ (window).__cspViolations = [];
      document.addEventListener(
        'securitypolicyviolation',
        (e) => {
          const t = /** @type {any} */ (e.target);
          const live = t === document || (t && t.ownerDocument === document);
          /** @type {any} */ (window).__cspViolations.push({ directive: e.violatedDirective, live, sample: e.sample });
        },
        true,
      );
    });
    page.on('console', (m) => {
      if (m.type() !== 'error' || /status of 4\d\d/.test(m.text())) return;
      if (/Content Security Policy/.test(m.text())) return; // judged below
      problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(server.url + '/');
    await page.getByTestId('status-total').filter({ hasText: 'in library' }).waitFor();
    await fn({ page, lib: library.lib, url: server.url, problems, serverLog: server.stderr });
    const live = (await page.evaluate(() => /** @type {any} */ (window).__cspViolations)).filter((v) => v.live);
    for (const v of live) problems.push(`CSP violation in the page: ${v.directive} ${v.sample}`);
    if (problems.length) throw new Error(`the page reported:\n${problems.join('\n')}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
    library.cleanup();
  }
}

/** Waits until `fn` returns a truthy value (polling), or fails with `what`. */
export async function eventually(fn, what, timeout = 8000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

export function outDir() {
  mkdirSync(OUT, { recursive: true });
  return OUT;
}
