import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, latestOnly } from '../src/lib/async';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once with the last arguments after the quiet time', () => {
    const f = vi.fn();
    const d = debounce(f, 80);
    d('s');
    vi.advanceTimersByTime(50);
    d('si');
    vi.advanceTimersByTime(50);
    d('sin');
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(80);
    expect(f).toHaveBeenCalledTimes(1);
    expect(f).toHaveBeenCalledWith('sin');
  });

  it('can be cancelled or flushed', () => {
    const f = vi.fn();
    const d = debounce(f, 80);
    d(1);
    d.cancel();
    vi.advanceTimersByTime(200);
    expect(f).not.toHaveBeenCalled();
    d(2);
    d.flush();
    expect(f).toHaveBeenCalledWith(2);
    vi.advanceTimersByTime(200);
    expect(f).toHaveBeenCalledTimes(1);
  });
});

describe('stale responses', () => {
  it('delivers only the newest answer when an older one arrives later', async () => {
    const resolvers: Record<string, (v: string) => void> = {};
    const search = latestOnly((q: string) => new Promise<string>((r) => (resolvers[q] = r)));
    const a = search('sin');
    const b = search('sino');
    resolvers['sino']('rows for sino');
    resolvers['sin']('rows for sin');
    expect(await b).toEqual({ stale: false, value: 'rows for sino' });
    expect(await a).toEqual({ stale: true });
  });

  it('invalidate makes calls in flight stale', async () => {
    let resolve!: (v: number) => void;
    const f = latestOnly(() => new Promise<number>((r) => (resolve = r)));
    const p = f();
    f.invalidate();
    resolve(1);
    expect(await p).toEqual({ stale: true });
  });
});
