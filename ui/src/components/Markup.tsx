import { useMemo } from 'preact/hooks';
import { sanitizeBibliography, sanitizeInline, renderMarkdown } from '../lib/sanitize';

/** Publisher markup (titles, abstracts), only through the sanitizer. */
export function Markup({ html, class: cls }: { html: string; class?: string }) {
  const safe = useMemo(() => sanitizeInline(html), [html]);
  return <span class={cls} dangerouslySetInnerHTML={{ __html: safe }} />;
}

/** A click handler that sends a click on a link to `onLink` (the system browser), never the webview. */
function linkClicks(onLink: (url: string) => void) {
  return (e: MouseEvent) => {
    const a = (e.target as Element).closest?.('a');
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute('href');
    if (href) onLink(href);
  };
}

/** A Markdown note, rendered then sanitized. */
export function MarkdownView({ source, onLink }: { source: string; onLink(url: string): void }) {
  const safe = useMemo(() => renderMarkdown(source), [source]);
  return (
    <div
      class="markdown"
      dangerouslySetInnerHTML={{ __html: safe }}
      onClick={linkClicks(onLink)}
    />
  );
}

/** A rendered bibliography (the backend's `html` export), sanitized; links open outside. */
export function BibliographyView({ html, onLink, testid }: { html: string; onLink(url: string): void; testid?: string }) {
  const safe = useMemo(() => sanitizeBibliography(html), [html]);
  return (
    <div
      class="export-preview-html"
      data-testid={testid}
      dangerouslySetInnerHTML={{ __html: safe }}
      onClick={linkClicks(onLink)}
    />
  );
}
