import { describe, expect, it } from 'vitest';
import { computeWindow, contentHeight, pageSize, realTopOf, scrollToReveal, scrollTopFor, MAX_SCROLL_HEIGHT } from '../src/lib/virtual';

const RH = 28;

describe('virtual window', () => {
  it('renders only the visible rows plus overscan', () => {
    const w = computeWindow({ count: 1000, rowHeight: RH, viewportHeight: 280, scrollTop: 0, overscan: 5 });
    expect(w.start).toBe(0);
    expect(w.end).toBe(0 + 11 + 5); // 10 visible + 1 partial + overscan
    expect(w.contentHeight).toBe(28000);
    expect(w.offsetTop).toBe(0);
    expect(w.scaled).toBe(false);
  });

  it('positions rows in the middle of the list', () => {
    const w = computeWindow({ count: 1000, rowHeight: RH, viewportHeight: 280, scrollTop: 2800 + 14, overscan: 5 });
    // first visible row is 100 (partly scrolled)
    expect(w.start).toBe(95);
    expect(w.end).toBe(100 + 11 + 5);
    expect(w.offsetTop).toBe(95 * RH);
  });

  it('clamps at the end and for short lists', () => {
    const w = computeWindow({ count: 1000, rowHeight: RH, viewportHeight: 280, scrollTop: 1e9, overscan: 5 });
    expect(w.end).toBe(1000);
    expect(w.realTop).toBe(28000 - 280);
    const s = computeWindow({ count: 3, rowHeight: RH, viewportHeight: 500, scrollTop: 0 });
    expect([s.start, s.end, s.contentHeight]).toEqual([0, 3, 84]);
    const e = computeWindow({ count: 0, rowHeight: RH, viewportHeight: 500, scrollTop: 0 });
    expect([e.start, e.end, e.contentHeight]).toEqual([0, 0, 0]);
  });

  it('scales the scroll space for a million rows and keeps rows pixel-aligned', () => {
    const count = 1_000_000;
    const vh = 600;
    expect(count * RH).toBeGreaterThan(MAX_SCROLL_HEIGHT);
    expect(contentHeight(count, RH)).toBe(MAX_SCROLL_HEIGHT);
    // bottom of the scroll space shows the last rows
    const end = computeWindow({ count, rowHeight: RH, viewportHeight: vh, scrollTop: MAX_SCROLL_HEIGHT - vh, overscan: 0 });
    expect(end.scaled).toBe(true);
    expect(end.end).toBe(count);
    expect(end.realTop).toBe(count * RH - vh);
    // the last row's bottom is at the viewport's bottom
    const lastTop = end.offsetTop + (count - 1 - end.start) * RH;
    expect(lastTop + RH).toBeCloseTo(MAX_SCROLL_HEIGHT, 6);
    // the middle of the scrollbar is the middle of the list
    const mid = computeWindow({ count, rowHeight: RH, viewportHeight: vh, scrollTop: (MAX_SCROLL_HEIGHT - vh) / 2, overscan: 0 });
    expect(Math.abs(mid.start - count / 2)).toBeLessThan(20);
    // rows in the window are drawn relative to the viewport top
    const firstRowTopInViewport = mid.offsetTop - (MAX_SCROLL_HEIGHT - vh) / 2;
    expect(firstRowTopInViewport).toBeLessThanOrEqual(0);
    expect(firstRowTopInViewport).toBeGreaterThan(-RH);
  });

  it('maps scrollTop and list position both ways', () => {
    const count = 1_000_000;
    const vh = 600;
    for (const real of [0, 12345, 14_000_000, count * RH - vh]) {
      const st = scrollTopFor(real, count, RH, vh);
      expect(realTopOf(st, count, RH, vh)).toBeCloseTo(real, 3);
    }
    // unscaled is the identity
    expect(scrollTopFor(500, 100, RH, vh)).toBe(500);
    expect(realTopOf(500, 100, RH, vh)).toBe(500);
  });

  it('reveals a row with the least scrolling', () => {
    const base = { count: 1000, rowHeight: RH, viewportHeight: 280 };
    expect(scrollToReveal(3, { ...base, scrollTop: 0 })).toBeNull();
    expect(scrollToReveal(10, { ...base, scrollTop: 0 })).toBe(11 * RH - 280);
    expect(scrollToReveal(5, { ...base, scrollTop: 1000 })).toBe(5 * RH);
    // scaled: the revealed row lands inside the viewport
    const big = { count: 1_000_000, rowHeight: RH, viewportHeight: 600 };
    const st = scrollToReveal(600_000, { ...big, scrollTop: 0 })!;
    const w = computeWindow({ ...big, scrollTop: st, overscan: 0 });
    expect(600_000).toBeGreaterThanOrEqual(w.start);
    expect(600_000).toBeLessThan(w.end);
  });

  it('pages by a viewport less one row', () => {
    expect(pageSize(280, RH)).toBe(9);
    expect(pageSize(10, RH)).toBe(1);
  });
});
