import { describe, expect, it, vi } from 'vitest';
import { RowCache } from '../src/lib/rowcache';
import type { Row } from '../src/lib/types';

const row = (key: string): Row => ({ key, type: 'book', title: `T ${key}`, creators: '', year: 2000, added: 0 });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('row cache', () => {
  it('batches requests in one tick and never asks twice for a key', async () => {
    const fetchRows = vi.fn(async (keys: string[]) => keys.map(row));
    const c = new RowCache(fetchRows);
    c.request(['A', 'B']);
    c.request(['B', 'C']);
    await tick();
    expect(fetchRows).toHaveBeenCalledTimes(1);
    expect(fetchRows.mock.calls[0][0]).toEqual(['A', 'B', 'C']);
    expect(c.get('C')?.title).toBe('T C');
    c.request(['A', 'B', 'C']);
    await tick();
    expect(fetchRows).toHaveBeenCalledTimes(1);
    c.invalidate(['B']);
    c.request(['A', 'B']);
    await tick();
    expect(fetchRows.mock.calls[1][0]).toEqual(['B']);
  });

  it('splits big requests and reports failures once', async () => {
    const fetchRows = vi.fn(async (keys: string[]) => {
      if (keys.includes('BAD')) throw new Error('not_found');
      return keys.map(row);
    });
    const onError = vi.fn();
    const c = new RowCache(fetchRows, onError, 2);
    c.request(['A', 'B', 'C', 'BAD']);
    await tick();
    expect(fetchRows).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledTimes(1);
    c.request(['BAD']);
    await tick();
    expect(fetchRows).toHaveBeenCalledTimes(2);
    const v = c.version;
    c.clear();
    expect(c.version).toBe(v + 1);
    expect(c.size).toBe(0);
  });
});
