// Debounce, one-at-a-time coalescing, and a guard that lets only the newest
// of overlapping requests through (search as you type: a slow answer to "sin"
// must not replace the answer to "sino").

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

export interface Coalesced<A extends unknown[]> {
  (...args: A): void;
  /** Drops the waiting call (the one running finishes). */
  cancel(): void;
  /** Starts the waiting call now, without waiting for the one running. */
  flush(): void;
  /** Whether a newer call is waiting: the running call's answer is superseded. */
  readonly waiting: boolean;
}

/**
 * Runs `f` at once when it is not running; calls made while it runs collapse
 * into one call with the newest arguments, started when the running one
 * ends. Search as you type: a keystroke on an idle search box searches at
 * once (no fixed quiet time), and a fast typist causes at most one search in
 * flight plus one waiting.
 */
export function coalesce<A extends unknown[]>(f: (...args: A) => Promise<unknown>): Coalesced<A> {
  let running = false;
  let pending: A | null = null;
  const run = (args: A): Promise<unknown> => {
    try {
      return Promise.resolve(f(...args)).catch(() => {});
    } catch {
      return Promise.resolve();
    }
  };
  const start = (args: A) => {
    running = true;
    void run(args).finally(() => {
      running = false;
      const next = pending;
      pending = null;
      if (next) start(next);
    });
  };
  const c = ((...args: A) => {
    if (running) pending = args;
    else start(args);
  }) as Coalesced<A>;
  c.cancel = () => {
    pending = null;
  };
  c.flush = () => {
    const next = pending;
    pending = null;
    if (next) void run(next);
  };
  Object.defineProperty(c, 'waiting', { get: () => pending !== null });
  return c;
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
