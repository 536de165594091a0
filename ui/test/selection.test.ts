import { describe, expect, it } from 'vitest';
import * as S from '../src/lib/selection';

const idx = (s: S.Selection) => Array.from(S.selectedIndices(s));

describe('selection model', () => {
  it('click selects one row', () => {
    const s = S.click(S.selectAll(10), 4);
    expect(idx(s)).toEqual([4]);
    expect([s.anchor, s.focus]).toEqual([4, 4]);
  });

  it('shift-click selects the range from the anchor, either way', () => {
    let s = S.click(S.EMPTY, 5);
    s = S.shiftClick(s, 8);
    expect(idx(s)).toEqual([5, 6, 7, 8]);
    s = S.shiftClick(s, 2); // anchor stays at 5
    expect(idx(s)).toEqual([2, 3, 4, 5]);
    expect(s.anchor).toBe(5);
    expect(s.focus).toBe(2);
  });

  it('ctrl-click toggles, splitting ranges', () => {
    let s = S.shiftClick(S.click(S.EMPTY, 1), 5);
    s = S.toggle(s, 3);
    expect(idx(s)).toEqual([1, 2, 4, 5]);
    expect(s.ranges).toEqual([[1, 2], [4, 5]]);
    s = S.toggle(s, 3);
    expect(s.ranges).toEqual([[1, 5]]);
    s = S.toggle(s, 9);
    expect(idx(s)).toEqual([1, 2, 3, 4, 5, 9]);
    expect(S.isSelected(s, 9)).toBe(true);
    expect(S.isSelected(s, 7)).toBe(false);
    expect(S.selectedCount(s)).toBe(6);
    // shift-click after a toggle extends from the toggled row
    s = S.shiftClick(s, 7);
    expect(idx(s)).toEqual([7, 8, 9]);
  });

  it('select all is one range even for a million rows', () => {
    const s = S.selectAll(1_000_000);
    expect(s.ranges).toEqual([[0, 999_999]]);
    expect(S.selectedCount(s)).toBe(1_000_000);
    expect(S.isSelected(s, 765_432)).toBe(true);
    expect(S.selectAll(0)).toEqual(S.EMPTY);
  });

  it('arrow keys move, shift+arrows extend, clamped to the list', () => {
    let s = S.navigate(S.EMPTY, 'down', 10, 3, false);
    expect(idx(s)).toEqual([0]);
    s = S.navigate(s, 'down', 10, 3, false);
    expect(idx(s)).toEqual([1]);
    s = S.navigate(s, 'down', 10, 3, true);
    s = S.navigate(s, 'down', 10, 3, true);
    expect(idx(s)).toEqual([1, 2, 3]);
    s = S.navigate(s, 'up', 10, 3, true);
    expect(idx(s)).toEqual([1, 2]);
    s = S.navigate(s, 'up', 10, 3, true);
    s = S.navigate(s, 'up', 10, 3, true);
    expect(idx(s)).toEqual([0, 1]);
    s = S.navigate(s, 'up', 10, 3, false);
    expect(idx(s)).toEqual([0]);
    s = S.navigate(s, 'end', 10, 3, false);
    expect(idx(s)).toEqual([9]);
    s = S.navigate(s, 'down', 10, 3, false);
    expect(idx(s)).toEqual([9]);
    s = S.navigate(s, 'pageup', 10, 3, false);
    expect(idx(s)).toEqual([6]);
    s = S.navigate(s, 'pagedown', 10, 3, true);
    expect(idx(s)).toEqual([6, 7, 8, 9]);
    s = S.navigate(s, 'home', 10, 3, true);
    expect(idx(s)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(S.navigate(s, 'down', 0, 3, false)).toEqual(S.EMPTY);
    // up with nothing focused goes to the last row
    expect(idx(S.navigate(S.EMPTY, 'up', 10, 3, false))).toEqual([9]);
  });

  it('normalizes overlapping and adjacent ranges', () => {
    expect(S.normalize([[5, 3], [1, 2], [7, 9], [8, 12]])).toEqual([[1, 5], [7, 12]]);
  });

  it('clamps after the list shrank and remaps by key after a re-sort', () => {
    const s = S.clampTo({ ranges: [[2, 4], [8, 9]], anchor: 9, focus: 9 }, 5);
    expect(s.ranges).toEqual([[2, 4]]);
    expect(s.focus).toBe(4);
    const order = ['C', 'A', 'B', 'D'];
    const r = S.remap(['A', 'B', 'X'], 'B', 'A', (k) => order.indexOf(k));
    expect(idx(r)).toEqual([1, 2]);
    expect(r.focus).toBe(2);
    expect(r.anchor).toBe(1);
  });
});
