// The commands the window waits on, timed one at a time against `ibid serve`
// (no browser, no other request in flight): how much of the launch and of a
// keystroke is the server's. Each command runs `--reps` times (after one
// warm-up call); prints medians and p95 as a Markdown table.
//
//   node bench/api-times.mjs --library ../target/bench/ui-1m.sqlite [--reps 7]
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
process.env.IBID_BIN ??= resolve(here, '../../target/release/ibid');
const { startServer } = await import('../e2e/harness.mjs');

const { values: opt } = parseArgs({ options: { library: { type: 'string', default: process.env.IBID_LIBRARY }, reps: { type: 'string', default: '7' } } });
if (!opt.library) throw new Error('--library LIB.sqlite');
const REPS = Number(opt.reps);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, p95: s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)], max: s[s.length - 1] };
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

const server = await startServer(resolve(process.cwd(), opt.library));
try {
  const call = async (name, args) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/cmd/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    const t1 = performance.now();
    const text = await res.text();
    const t2 = performance.now();
    if (!res.ok) throw new Error(`${name}: ${res.status} ${text.slice(0, 200)}`);
    const value = JSON.parse(text);
    const t3 = performance.now();
    return { value, firstByte: t1 - t0, total: t2 - t0, parse: t3 - t2, bytes: text.length };
  };
  const keys = (await call('list_keys', { sort: 'title', desc: false })).value;
  const first = (n, from = 0) => Array.from({ length: n }, (_, i) => keys.keys.slice((from + i) * 8, (from + i + 1) * 8));
  const mid = Math.floor(keys.count / 2);
  /** @type {[string, object][]} */
  const cases = [
    ['library_info', {}],
    ['collections', {}],
    ['tags', {}],
    ['list_keys', { sort: 'title', desc: false }],
    ['list_keys', { sort: 'added', desc: true }],
    ['rows', { keys: first(48) }],
    ['rows', { keys: first(48, mid) }],
    ['rows', { keys: first(200, mid + 1000) }],
    ['search', { q: 's', limit: 1000 }],
    ['search', { q: 'sino', limit: 1000 }],
    ['search', { q: 'sino sov', limit: 1000 }],
    ['search', { q: 'cold war 1949', limit: 1000 }],
    ['search', { q: 'heinzig', limit: 1000 }],
    ['search', { q: 's', limit: 200 }],
    ['search', { q: 'sino sov', limit: 200 }],
    ['search', { q: 's', limit: 100 }],
  ];
  console.log(`library ${opt.library}: ${keys.count.toLocaleString('en')} keys; ${REPS} calls each after one warm-up; load ${loadavg()}`);
  console.log('');
  console.log('| command | args | answer (first byte) ms, median | p95 | whole answer ms, median | JSON.parse in Node ms | body |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, args] of cases) {
    await call(name, args);
    const runs = [];
    for (let i = 0; i < REPS; i++) runs.push(await call(name, args));
    const fb = stats(runs.map((r) => r.firstByte));
    const tot = stats(runs.map((r) => r.total));
    const parse = stats(runs.map((r) => r.parse));
    const shown = name === 'rows' ? `${/** @type {any} */ (args).keys.length} keys` : JSON.stringify(args);
    const n = Array.isArray(runs[0].value) ? ` (${runs[0].value.length} rows)` : '';
    console.log(`| ${name} | ${shown}${n} | ${f(fb.median)} | ${f(fb.p95)} | ${f(tot.median)} | ${f(parse.median)} | ${(runs[0].bytes / 1024).toFixed(1)} kB |`);
  }
  console.log('');
  console.log(`load after: ${loadavg()}`);
} finally {
  await server.stop();
}
