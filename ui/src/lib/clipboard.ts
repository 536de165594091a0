// Copying to the clipboard: text, and HTML where the clipboard API allows.
//
// The content usually comes from the backend, after the key press or click.
// WebKit (the Linux and macOS desktop webview) only lets a page write during
// the user's gesture, so the ClipboardItem is built at once with promises of
// its blobs (which Chromium accepts too); where that is refused, the text is
// written when it is there, and failing that through a `copy` event.
import { escapeHtml } from './sanitize';

export interface ClipContent {
  text: string;
  /** Rich text for pasting into a word processor. */
  html?: string;
}

type ClipboardLike = Pick<Clipboard, 'writeText'> & Partial<Pick<Clipboard, 'write'>>;

function clipboardApi(): ClipboardLike | null {
  return typeof navigator !== 'undefined' && navigator.clipboard && typeof navigator.clipboard.writeText === 'function' ? navigator.clipboard : null;
}

/** Copies through a `copy` event: text and HTML, where no clipboard API is available or allowed. */
function copyWithEvent(c: ClipContent): boolean {
  let done = false;
  const onCopy = (e: ClipboardEvent) => {
    if (!e.clipboardData) return;
    e.clipboardData.setData('text/plain', c.text);
    if (c.html) e.clipboardData.setData('text/html', c.html);
    e.preventDefault();
    done = true;
  };
  document.addEventListener('copy', onCopy, true);
  try {
    const ok = typeof document.execCommand === 'function' && document.execCommand('copy');
    return ok && done;
  } catch {
    return false;
  } finally {
    document.removeEventListener('copy', onCopy, true);
  }
}

/**
 * Copies what `get` produces. Resolves with it once it is on the clipboard;
 * rejects with `get`'s own error (an ApiError) if it fails, or with an
 * Error saying the clipboard refused.
 */
export async function copyToClipboard(get: () => Promise<ClipContent>): Promise<ClipContent> {
  const content = get();
  // The promise's failure is reported through `await content` below.
  content.catch(() => {});
  const api = clipboardApi();
  const Item = (globalThis as { ClipboardItem?: typeof ClipboardItem }).ClipboardItem;
  if (api?.write && Item) {
    try {
      const plain = content.then((c) => new Blob([c.text], { type: 'text/plain' }));
      const html = content.then((c) => new Blob([c.html ?? escapeHtml(c.text)], { type: 'text/html' }));
      // Reported through `await content`, not as unhandled rejections.
      plain.catch(() => {});
      html.catch(() => {});
      const item = new Item({ 'text/plain': plain, 'text/html': html });
      await api.write([item]);
      return await content;
    } catch {
      /* refused, or promises not supported: below */
    }
  }
  const c = await content;
  if (api) {
    try {
      await api.writeText(c.text);
      return c;
    } catch {
      /* below */
    }
  }
  if (copyWithEvent(c)) return c;
  throw new Error('the clipboard refused the text (the window may not have the focus)');
}
