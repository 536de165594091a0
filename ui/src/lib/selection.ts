// Selection over list positions, as sorted disjoint inclusive ranges, so that
// "select all" over a million rows is one range, not a million entries.

export type Range = readonly [number, number];

export interface Selection {
  /** Sorted, disjoint, non-adjacent inclusive ranges. */
  readonly ranges: readonly Range[];
  /** Where shift-extension starts. -1: none. */
  readonly anchor: number;
  /** The row with the keyboard focus. -1: none. */
  readonly focus: number;
}

export const EMPTY: Selection = { ranges: [], anchor: -1, focus: -1 };

export function normalize(ranges: readonly Range[]): Range[] {
  const sorted = ranges
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number])
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function isSelected(sel: Selection, i: number): boolean {
  const rs = sel.ranges;
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = rs[mid];
    if (i < a) hi = mid - 1;
    else if (i > b) lo = mid + 1;
    else return true;
  }
  return false;
}

export function selectedCount(sel: Selection): number {
  let n = 0;
  for (const [a, b] of sel.ranges) n += b - a + 1;
  return n;
}

/** Selected positions in order. */
export function* selectedIndices(sel: Selection): Generator<number> {
  for (const [a, b] of sel.ranges) for (let i = a; i <= b; i++) yield i;
}

export function single(i: number): Selection {
  return { ranges: [[i, i]], anchor: i, focus: i };
}

/** A plain click: only this row. */
export function click(_sel: Selection, i: number): Selection {
  return single(i);
}

/** Shift-click: the range from the anchor to this row. */
export function shiftClick(sel: Selection, i: number): Selection {
  const anchor = sel.anchor >= 0 ? sel.anchor : i;
  return { ranges: normalize([[anchor, i]]), anchor, focus: i };
}

/** Ctrl/Cmd-click: toggle this row, keep the rest. */
export function toggle(sel: Selection, i: number): Selection {
  if (!isSelected(sel, i)) return { ranges: normalize([...sel.ranges, [i, i]]), anchor: i, focus: i };
  const out: Range[] = [];
  for (const [a, b] of sel.ranges) {
    if (i < a || i > b) out.push([a, b]);
    else {
      if (a <= i - 1) out.push([a, i - 1]);
      if (i + 1 <= b) out.push([i + 1, b]);
    }
  }
  return { ranges: out, anchor: i, focus: i };
}

export function selectAll(count: number, sel: Selection = EMPTY): Selection {
  if (count <= 0) return EMPTY;
  const focus = sel.focus >= 0 && sel.focus < count ? sel.focus : 0;
  return { ranges: [[0, count - 1]], anchor: sel.anchor >= 0 && sel.anchor < count ? sel.anchor : 0, focus };
}

export type NavKey = 'up' | 'down' | 'home' | 'end' | 'pageup' | 'pagedown';

/**
 * Keyboard navigation: moves the focus; without shift selects only the
 * focused row, with shift extends from the anchor.
 */
export function navigate(sel: Selection, key: NavKey, count: number, page: number, shift: boolean): Selection {
  if (count <= 0) return EMPTY;
  const from = sel.focus >= 0 ? sel.focus : -1;
  let to: number;
  switch (key) {
    case 'up':
      to = from < 0 ? count - 1 : from - 1;
      break;
    case 'down':
      to = from + 1;
      break;
    case 'home':
      to = 0;
      break;
    case 'end':
      to = count - 1;
      break;
    case 'pageup':
      to = (from < 0 ? 0 : from) - page;
      break;
    case 'pagedown':
      to = (from < 0 ? 0 : from) + page;
      break;
  }
  to = Math.max(0, Math.min(count - 1, to));
  if (!shift || sel.anchor < 0) return single(to);
  return { ranges: normalize([[sel.anchor, to]]), anchor: sel.anchor, focus: to };
}

/** Drops positions past the end (after the list shrank). */
export function clampTo(sel: Selection, count: number): Selection {
  if (count <= 0) return EMPTY;
  const ranges = sel.ranges
    .filter(([a]) => a < count)
    .map(([a, b]) => [a, Math.min(b, count - 1)] as Range);
  const fix = (i: number) => (i >= count ? count - 1 : i);
  return { ranges, anchor: fix(sel.anchor), focus: fix(sel.focus) };
}

/**
 * Rebuilds a selection after the list changed (a new sort, an edit): the
 * same keys stay selected wherever they moved. `indexOf` maps a key to its
 * new position or -1.
 */
export function remap(keys: readonly string[], focusKey: string | null, anchorKey: string | null, indexOf: (k: string) => number): Selection {
  const idx = keys.map(indexOf).filter((i) => i >= 0);
  const focus = focusKey ? indexOf(focusKey) : -1;
  const anchor = anchorKey ? indexOf(anchorKey) : -1;
  return { ranges: normalize(idx.map((i) => [i, i] as Range)), anchor: anchor >= 0 ? anchor : focus, focus };
}
