/** Keys are 8 characters; list_keys sends them concatenated. */
export const KEY_LEN = 8;
const SCAN_LOOKUPS = 8;

/** Lists at least this long build their position index in the background. */
export const BACKGROUND_INDEX_MIN = 20_000;
/** Keys indexed per background step (a few ms each). */
const INDEX_CHUNK = 65_536;

/**
 * The key string of a scope, indexable without splitting a million keys.
 *
 * Positions are found through an open-addressing hash table over the string
 * (an Int32Array of twice the count, rounded up to a power of two: 8 MB for a
 * million keys, built in ~50 ms), not a Map of a million key strings (which
 * took ~0.5 s to build, some 80 MB of heap, and long major GCs afterwards).
 */
export class KeyList {
  readonly raw: string;
  readonly count: number;
  /** Slot → position + 1 (0: empty). */
  private table: Int32Array | null = null;
  /** Keys inserted into `table` so far (a background build goes in steps). */
  private indexed = 0;
  private lookups = 0;
  private background: { cancel(): void } | null = null;

  constructor(raw: string, count?: number) {
    if (raw.length % KEY_LEN !== 0) throw new Error(`key string length ${raw.length} is not a multiple of ${KEY_LEN}`);
    this.raw = raw;
    this.count = raw.length / KEY_LEN;
    if (count !== undefined && count !== this.count) throw new Error(`list_keys said ${count} keys but sent ${this.count}`);
  }

  static fromKeys(keys: readonly string[]): KeyList {
    return new KeyList(keys.join(''));
  }

  at(i: number): string {
    if (i < 0 || i >= this.count) throw new RangeError(`key index ${i} out of 0..${this.count}`);
    return this.raw.slice(i * KEY_LEN, (i + 1) * KEY_LEN);
  }

  /** Keys i..end (end exclusive), clamped. */
  slice(start: number, end: number): string[] {
    const s = Math.max(0, start);
    const e = Math.min(this.count, end);
    const out: string[] = [];
    for (let i = s; i < e; i++) out.push(this.raw.slice(i * KEY_LEN, (i + 1) * KEY_LEN));
    return out;
  }

  /**
   * Position of a key, or -1. The first few lookups scan the string (a few
   * ms for a million keys); after that the hash index is built once (or
   * finished, if a background build is under way).
   */
  indexOf(key: string): number {
    if (key.length !== KEY_LEN || this.count === 0) return -1;
    if (this.indexed < this.count && !this.background && ++this.lookups <= SCAN_LOOKUPS) return this.scan(key);
    this.buildIndex(this.count);
    const table = this.table!;
    const mask = table.length - 1;
    for (let slot = hashAt(key, 0) & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot];
      if (v === 0) return -1;
      if (this.raw.startsWith(key, (v - 1) * KEY_LEN)) return v - 1;
    }
  }

  /**
   * Builds the index in steps when the page is idle (a timer per step where
   * there is no requestIdleCallback), so that the first search or selection
   * on a long list does not pay for it. A lookup meanwhile finishes the
   * build at once.
   */
  indexInBackground(): void {
    if (this.indexed >= this.count || this.background) return;
    const step = () => {
      this.background = null;
      this.buildIndex(Math.min(this.count, this.indexed + INDEX_CHUNK));
      if (this.indexed < this.count) this.background = later(step);
    };
    this.background = later(step);
  }

  /** Stops a background build (the list was replaced). */
  dispose(): void {
    this.background?.cancel();
    this.background = null;
  }

  /** Inserts keys indexed..upTo into the table. */
  private buildIndex(upTo: number): void {
    if (this.indexed >= upTo) return;
    if (!this.table) {
      let size = 16;
      while (size < this.count * 2) size *= 2;
      this.table = new Int32Array(size);
    }
    const table = this.table;
    const mask = table.length - 1;
    const raw = this.raw;
    for (let i = this.indexed; i < upTo; i++) {
      let slot = hashAt(raw, i * KEY_LEN) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.indexed = upTo;
  }

  private scan(key: string): number {
    let from = 0;
    for (;;) {
      const i = this.raw.indexOf(key, from);
      if (i < 0) return -1;
      if (i % KEY_LEN === 0) return i / KEY_LEN;
      from = i + 1;
    }
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }
}

function later(f: () => void): { cancel(): void } {
  const g = globalThis as { requestIdleCallback?: (f: () => void, o?: { timeout: number }) => number; cancelIdleCallback?: (id: number) => void };
  if (g.requestIdleCallback && g.cancelIdleCallback) {
    const id = g.requestIdleCallback(f, { timeout: 500 });
    return { cancel: () => g.cancelIdleCallback!(id) };
  }
  const t = setTimeout(f, 0);
  return { cancel: () => clearTimeout(t) };
}

/** FNV-1a over the 8 characters of `s` at `pos`. */
function hashAt(s: string, pos: number): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < KEY_LEN; j++) {
    h ^= s.charCodeAt(pos + j);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Splits a concatenated key string into keys. */
export function sliceKeys(raw: string): string[] {
  return new KeyList(raw).slice(0, raw.length / KEY_LEN);
}
