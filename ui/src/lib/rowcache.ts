// Rows of the item list, fetched for what is on screen and cached by key.
import type { Row } from './types';

export type FetchRows = (keys: string[]) => Promise<Row[]>;

export class RowCache {
  private rows = new Map<string, Row>();
  private inflight = new Set<string>();
  private failed = new Set<string>();
  private listeners = new Set<() => void>();
  private queue = new Set<string>();
  private scheduled = false;
  /** Bumped on every change: components re-render on it. */
  version = 0;

  constructor(
    private fetchRows: FetchRows,
    private onError: (e: unknown) => void = () => {},
    private batch = 200,
  ) {}

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Asks for the rows not cached yet; batched with other requests this tick. */
  request(keys: Iterable<string>): void {
    for (const k of keys) {
      if (!this.rows.has(k) && !this.inflight.has(k) && !this.failed.has(k)) this.queue.add(k);
    }
    if (this.queue.size === 0 || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    const keys = Array.from(this.queue);
    this.queue.clear();
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < keys.length; i += this.batch) jobs.push(this.fetchBatch(keys.slice(i, i + this.batch)));
    await Promise.all(jobs);
  }

  private async fetchBatch(keys: string[]): Promise<void> {
    for (const k of keys) this.inflight.add(k);
    try {
      const rows = await this.fetchRows(keys);
      this.put(rows);
    } catch (e) {
      // A key may have gone (trashed elsewhere): don't ask for these again
      // until the list is reloaded.
      for (const k of keys) this.failed.add(k);
      this.onError(e);
    } finally {
      for (const k of keys) this.inflight.delete(k);
    }
  }

  put(rows: Row[]): void {
    if (rows.length === 0) return;
    for (const r of rows) {
      this.rows.set(r.key, r);
      this.failed.delete(r.key);
    }
    this.changed();
  }

  /** Forgets keys (after an edit) so they are fetched again. */
  invalidate(keys: Iterable<string>): void {
    let any = false;
    for (const k of keys) any = this.rows.delete(k) || any;
    if (any) this.changed();
  }

  /** Forgets everything (after an import, a reload). */
  clear(): void {
    this.rows.clear();
    this.failed.clear();
    this.changed();
  }

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed() {
    this.version++;
    for (const f of this.listeners) f();
  }
}
