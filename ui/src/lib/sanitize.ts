// Every piece of stored text that is rendered as HTML goes through here:
// titles and abstracts (publisher markup) and notes (Markdown). A whitelist
// of tags, no attributes (except http(s) hrefs in notes); everything else is
// dropped, <script>/<style> with their content.
import DOMPurify, { type Config } from 'dompurify';
import { marked } from 'marked';

const INLINE_TAGS = ['i', 'b', 'em', 'strong', 'sub', 'sup', 'sc', 'span'];
const NOTE_TAGS = [
  ...INLINE_TAGS,
  'p', 'br', 'hr', 'ul', 'ol', 'li', 'code', 'pre', 'blockquote', 'a', 'del',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
];
const FORBID_CONTENTS = ['script', 'style', 'template', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math', 'title', 'textarea', 'select'];

/** The class that `<sc>` (small caps) becomes. */
export const SMALL_CAPS_CLASS = 'sc';

const inlineConfig: Config = {
  ALLOWED_TAGS: INLINE_TAGS,
  ALLOWED_ATTR: [],
  FORBID_CONTENTS,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  KEEP_CONTENT: true,
  RETURN_DOM_FRAGMENT: true,
};

const noteConfig: Config = {
  ...inlineConfig,
  ALLOWED_TAGS: NOTE_TAGS,
  ALLOWED_ATTR: ['href'],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
};

const BIBLIOGRAPHY_TAGS = [...INLINE_TAGS, 'a', 'div', 'br'];

const bibliographyConfig: Config = {
  ...inlineConfig,
  ALLOWED_TAGS: BIBLIOGRAPHY_TAGS,
  ALLOWED_ATTR: ['href'],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
};

let purifier: ReturnType<typeof DOMPurify> | null = null;

function instance() {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  // Links: http(s) only (anything else loses its href), opened outside.
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href');
      if (!href || !/^https?:\/\//i.test(href.trim())) node.removeAttribute('href');
      else {
        node.setAttribute('rel', 'noopener noreferrer');
        node.setAttribute('target', '_blank');
      }
    }
  });
  purifier = p;
  return p;
}

// Parsing `<img onerror=…>` anywhere in a page with a strict CSP (even in an
// inert DOMParser document, which is where DOMPurify parses) makes Chromium
// report a blocked inline handler. Nothing runs, but the console fills with
// CSP errors for every hostile title. So handler attributes are renamed to
// data-* before parsing; the sanitizer then drops them with every other
// attribute (it remains the only guard).
const HANDLER_ATTR = /(<[^<>]*?[\s"'/])(on[a-z]+\s*=)/gi;

export function defuseHandlers(markup: string): string {
  let prev: string;
  let s = markup;
  do {
    prev = s;
    s = s.replace(HANDLER_ATTR, '$1data-defused-$2');
  } while (s !== prev);
  return s;
}

function finish(frag: DocumentFragment): string {
  // <sc> → <span class="sc">, created here (never taken from input).
  for (const sc of Array.from(frag.querySelectorAll('sc'))) {
    const span = frag.ownerDocument.createElement('span');
    span.className = SMALL_CAPS_CLASS;
    while (sc.firstChild) span.appendChild(sc.firstChild);
    sc.replaceWith(span);
  }
  const box = frag.ownerDocument.createElement('div');
  box.appendChild(frag);
  return box.innerHTML;
}

/** Publisher markup in a title or abstract → safe HTML. */
export function sanitizeInline(markup: string): string {
  if (!markup) return '';
  if (!/[<&]/.test(markup)) return escapeHtml(markup);
  return finish(instance().sanitize(defuseHandlers(markup), inlineConfig) as unknown as DocumentFragment);
}

/** A Markdown note → safe HTML. */
export function renderMarkdown(md: string): string {
  const html = marked.parse(md ?? '', { async: false, gfm: true, breaks: false }) as string;
  return finish(instance().sanitize(defuseHandlers(html), noteConfig) as unknown as DocumentFragment);
}

// The renderer marks small caps with an inline style, which the CSP
// (style-src 'self') would refuse to apply: it becomes <sc> (then
// span.sc) before parsing. Every other span loses its attributes.
const SMALL_CAPS_SPAN = /<span style="font-variant:\s*small-caps;?">([^<]*)<\/span>/gi;

/**
 * A rendered bibliography or citation (the backend's `html` format) → safe
 * HTML: the inline whitelist plus div, br and http(s) links (which open
 * outside). The backend escapes entries already; this is the second guard.
 */
export function sanitizeBibliography(html: string): string {
  if (!html) return '';
  const withSc = html.replace(SMALL_CAPS_SPAN, '<sc>$1</sc>');
  return finish(instance().sanitize(defuseHandlers(withSc), bibliographyConfig) as unknown as DocumentFragment);
}

/** Markup → its text, for tooltips, labels and comparisons. */
export function plainText(markup: string): string {
  if (!markup) return '';
  if (!/[<&]/.test(markup)) return markup;
  const frag = instance().sanitize(defuseHandlers(markup), { ...inlineConfig, ALLOWED_TAGS: [] }) as unknown as DocumentFragment;
  return frag.textContent ?? '';
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
