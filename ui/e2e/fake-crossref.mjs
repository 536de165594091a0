// A tiny stand-in for the Crossref REST API (and the other lookup services,
// which all point at it and find nothing), serving the project's constructed
// fixtures in tests/fixtures/crossref/. Listens on 127.0.0.1 at a free port.
//
//   GET /works/{doi}                 → crossref/<doi lower-cased, "/" → "_">.json, or 404
//   GET /works?filter=isbn:X[,…]     → crossref/works_filter_isbn_X.json, or an empty list
//   anything else                    → 404 "Resource not found." (text/plain), as Crossref says it
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { UI_DIR } from './harness.mjs';

export const CROSSREF_FIXTURES = resolve(UI_DIR, '../tests/fixtures/crossref');

const EMPTY_LIST = JSON.stringify({ status: 'ok', 'message-type': 'work-list', message: { items: [], 'total-results': 0 } });
const RATE = { 'x-rate-limit-limit': '50', 'x-rate-limit-interval': '1s' };

/** The fixture file for a DOI (decoded), or null. */
export function fixtureFor(doi, dir = CROSSREF_FIXTURES) {
  const f = join(dir, `${doi.toLowerCase().replace(/\//g, '_')}.json`);
  return existsSync(f) ? f : null;
}

/**
 * @param {{ dir?: string }} [opts]
 * @returns {Promise<{ url: string, requests: { method: string, url: string, headers: import('node:http').IncomingHttpHeaders }[], close: () => Promise<void> }>}
 */
export async function startFakeCrossref({ dir = CROSSREF_FIXTURES } = {}) {
  /** @type {{ method: string, url: string, headers: import('node:http').IncomingHttpHeaders }[]} */
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (body) => {
      res.writeHead(200, { 'content-type': 'application/json', ...RATE });
      res.end(body);
    };
    const notFound = () => {
      res.writeHead(404, { 'content-type': 'text/plain', ...RATE });
      res.end('Resource not found.');
    };
    if (req.method !== 'GET') return notFound();
    // The raw path: a DOI's "/" may come as is or as %2F.
    const raw = (req.url ?? '/').split('?')[0];
    if (raw.startsWith('/works/')) {
      let doi;
      try {
        doi = decodeURIComponent(raw.slice('/works/'.length));
      } catch {
        return notFound();
      }
      const f = fixtureFor(doi, dir);
      return f ? json(readFileSync(f)) : notFound();
    }
    if (raw === '/works' || raw === '/works/') {
      const filter = u.searchParams.get('filter') ?? '';
      const isbns = filter
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.startsWith('isbn:'))
        .map((p) => p.slice(5).replace(/[^0-9Xx]/g, ''));
      if (!isbns.length) return notFound();
      for (const isbn of isbns) {
        const f = join(dir, `works_filter_isbn_${isbn}.json`);
        if (existsSync(f)) return json(readFileSync(f));
      }
      return json(EMPTY_LIST);
    }
    return notFound();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(null)));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('fake Crossref: no port');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
