// Virtual list math. Browsers cap an element's height (Firefox ~17.9M px,
// Chromium ~33M): past MAX_SCROLL_HEIGHT the scroll space is scaled, and
// rows are positioned relative to the viewport so that they stay pixel-exact
// while the scrollbar maps proportionally onto the whole list.

export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface WindowInput {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  overscan?: number;
  maxHeight?: number;
}

export interface VirtualWindow {
  /** First row to render (inclusive). */
  start: number;
  /** Last row to render (exclusive). */
  end: number;
  /** The scroll content's height in px (count × rowHeight, capped). */
  contentHeight: number;
  /** Top of row `start` inside the scroll content, px. */
  offsetTop: number;
  /** Whether the scroll space is scaled. */
  scaled: boolean;
  /** The list position (px from the first row) at the top of the viewport. */
  realTop: number;
}

export function contentHeight(count: number, rowHeight: number, maxHeight = MAX_SCROLL_HEIGHT): number {
  return Math.min(count * rowHeight, maxHeight);
}

/** Maps a scrollTop to the true list position, px. */
export function realTopOf(scrollTop: number, count: number, rowHeight: number, viewportHeight: number, maxHeight = MAX_SCROLL_HEIGHT): number {
  const full = count * rowHeight;
  const content = Math.min(full, maxHeight);
  const top = clamp(scrollTop, 0, Math.max(0, content - viewportHeight));
  if (full <= maxHeight) return top;
  const scrollRange = content - viewportHeight;
  const realRange = full - viewportHeight;
  return scrollRange <= 0 ? 0 : (top / scrollRange) * realRange;
}

/** The inverse: the scrollTop that puts list position `realTop` at the top. */
export function scrollTopFor(realTop: number, count: number, rowHeight: number, viewportHeight: number, maxHeight = MAX_SCROLL_HEIGHT): number {
  const full = count * rowHeight;
  const content = Math.min(full, maxHeight);
  const real = clamp(realTop, 0, Math.max(0, full - viewportHeight));
  if (full <= maxHeight) return real;
  const scrollRange = content - viewportHeight;
  const realRange = full - viewportHeight;
  return realRange <= 0 ? 0 : (real / realRange) * scrollRange;
}

export function computeWindow(input: WindowInput): VirtualWindow {
  const { count, rowHeight, viewportHeight } = input;
  const overscan = input.overscan ?? 8;
  const maxHeight = input.maxHeight ?? MAX_SCROLL_HEIGHT;
  const height = contentHeight(count, rowHeight, maxHeight);
  const scaled = count * rowHeight > maxHeight;
  const scrollTop = clamp(input.scrollTop, 0, Math.max(0, height - viewportHeight));
  const realTop = realTopOf(scrollTop, count, rowHeight, viewportHeight, maxHeight);
  const first = Math.floor(realTop / rowHeight);
  const visible = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  // Row i sits at scrollTop + (i*rowHeight - realTop) in content coordinates.
  const offsetTop = scrollTop + start * rowHeight - realTop;
  return { start, end, contentHeight: height, offsetTop, scaled, realTop };
}

/**
 * The scrollTop that makes row `index` fully visible with the least movement,
 * or null when it already is.
 */
export function scrollToReveal(index: number, input: Omit<WindowInput, 'overscan'>): number | null {
  const { count, rowHeight, viewportHeight } = input;
  const maxHeight = input.maxHeight ?? MAX_SCROLL_HEIGHT;
  const realTop = realTopOf(input.scrollTop, count, rowHeight, viewportHeight, maxHeight);
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  let target: number;
  if (rowTop < realTop) target = rowTop;
  else if (rowBottom > realTop + viewportHeight) target = rowBottom - viewportHeight;
  else return null;
  return scrollTopFor(target, count, rowHeight, viewportHeight, maxHeight);
}

/** Rows that fit in the viewport (for PageUp/PageDown). */
export function pageSize(viewportHeight: number, rowHeight: number): number {
  return Math.max(1, Math.floor(viewportHeight / rowHeight) - 1);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
