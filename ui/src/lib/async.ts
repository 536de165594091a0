// Debounce, and a guard that lets only the newest of overlapping requests
// through (search as you type: a slow answer to "sin" must not replace the
// answer to "sino").

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  flush(): void;
}

export function debounce<A extends unknown[]>(f: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const d = ((...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const a = pending!;
      pending = null;
      f(...a);
    }, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  d.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    const a = pending!;
    pending = null;
    f(...a);
  };
  return d;
}

/**
 * Wraps an async function so that only the result of the latest call is
 * delivered: earlier calls that finish later resolve to `{stale: true}`.
 */
export function latestOnly<A extends unknown[], R>(f: (...args: A) => Promise<R>) {
  let generation = 0;
  const run = async (...args: A): Promise<{ stale: false; value: R } | { stale: true }> => {
    const mine = ++generation;
    const value = await f(...args);
    if (mine !== generation) return { stale: true };
    return { stale: false, value };
  };
  /** Makes every call in flight stale (e.g. the search box was cleared). */
  run.invalidate = () => {
    generation++;
  };
  return run;
}
