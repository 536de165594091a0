/** Keys are 8 characters; list_keys sends them concatenated. */
export const KEY_LEN = 8;
const SCAN_LOOKUPS = 8;

/** The key string of a scope, indexable without splitting a million keys. */
export class KeyList {
  readonly raw: string;
  readonly count: number;
  private index: Map<string, number> | null = null;
  private lookups = 0;

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
   * ms for a million keys); after that a Map index is built once.
   */
  indexOf(key: string): number {
    if (key.length !== KEY_LEN) return -1;
    if (!this.index && ++this.lookups <= SCAN_LOOKUPS) return this.scan(key);
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.count; i++) this.index.set(this.raw.slice(i * KEY_LEN, (i + 1) * KEY_LEN), i);
    }
    return this.index.get(key) ?? -1;
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

/** Splits a concatenated key string into keys. */
export function sliceKeys(raw: string): string[] {
  return new KeyList(raw).slice(0, raw.length / KEY_LEN);
}
