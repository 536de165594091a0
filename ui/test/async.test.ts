import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, debounce, latestOnly } from '../src/lib/async';

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

describe('coalesce', () => {
  it('runs at once when idle, and once more with the newest arguments when the running call ends', async () => {
    const calls: string[] = [];
    const resolvers: (() => void)[] = [];
    const c = coalesce((q: string) => {
      calls.push(q);
      return new Promise<void>((r) => resolvers.push(r));
    });
    c('s');
    expect(calls).toEqual(['s']);
    c('si');
    c('sin');
    expect(c.waiting).toBe(true);
    expect(calls).toEqual(['s']);
    resolvers[0]();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual(['s', 'sin']);
    expect(c.waiting).toBe(false);
    resolvers[1]();
    await new Promise((r) => setTimeout(r, 0));
    c('sino');
    expect(calls).toEqual(['s', 'sin', 'sino']);
  });

  it('can drop or start the waiting call; a failing call does not stop it', async () => {
    const calls: number[] = [];
    let fail = true;
    const resolvers: (() => void)[] = [];
    const c = coalesce((n: number) => {
      calls.push(n);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('boom'));
      }
      return new Promise<void>((r) => resolvers.push(r));
    });
    c(1); // fails
    await new Promise((r) => setTimeout(r, 0));
    c(2); // runs
    c(3);
    c.cancel();
    expect(c.waiting).toBe(false);
    c(4);
    c.flush(); // starts 4 without waiting for 2
    expect(calls).toEqual([1, 2, 4]);
    resolvers.forEach((r) => r());
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([1, 2, 4]);
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
