import { describe, expect, it } from 'vitest';
import { KeyList, sliceKeys } from '../src/lib/keys';

describe('key slicing', () => {
  it('splits the concatenated string by 8', () => {
    expect(sliceKeys('AAAAAAAABBBBBBBBCCCCCCCC')).toEqual(['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC']);
    expect(sliceKeys('')).toEqual([]);
  });

  it('indexes without splitting everything', () => {
    const k = new KeyList('AAAAAAAABBBBBBBBCCCCCCCC', 3);
    expect(k.count).toBe(3);
    expect(k.at(1)).toBe('BBBBBBBB');
    expect(k.slice(1, 10)).toEqual(['BBBBBBBB', 'CCCCCCCC']);
    expect(k.slice(-5, 1)).toEqual(['AAAAAAAA']);
    expect(k.indexOf('CCCCCCCC')).toBe(2);
    expect(k.indexOf('ZZZZZZZZ')).toBe(-1);
    expect(k.has('AAAAAAAA')).toBe(true);
    expect(() => k.at(3)).toThrow(RangeError);
  });

  it('rejects a string that is not whole keys, or a wrong count', () => {
    expect(() => new KeyList('AAAAAAAAB')).toThrow(/multiple of 8/);
    expect(() => new KeyList('AAAAAAAA', 2)).toThrow(/said 2/);
  });

  it('finds keys only at key boundaries, scanning first and indexing later', () => {
    // "BCDEFGHI" occurs inside "ABCDEFGH"+"IJKLMNOP" at offset 1: not a key.
    const k = KeyList.fromKeys(['ABCDEFGH', 'IJKLMNOP', 'BCDEFGHI']);
    for (let round = 0; round < 20; round++) {
      expect(k.indexOf('BCDEFGHI')).toBe(2);
      expect(k.indexOf('CDEFGHIJ')).toBe(-1);
      expect(k.indexOf('ABC')).toBe(-1);
    }
  });

  it('round-trips with fromKeys', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => String(i).padStart(8, '0'));
    const k = KeyList.fromKeys(keys);
    expect(k.count).toBe(1000);
    expect(k.at(999)).toBe('00000999');
    expect(k.indexOf('00000500')).toBe(500);
  });

  it('indexes a long list by hash, in the background or at the first lookup past the scans', async () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => (i * 7919).toString(36).toUpperCase().padStart(8, '-'));
    const k = KeyList.fromKeys(keys);
    for (let i = 0; i < 20; i++) expect(k.indexOf(keys[(i * 4999) % keys.length])).toBe((i * 4999) % keys.length);
    expect(k.indexOf('ZZZZZZZZ')).toBe(-1);
    const b = KeyList.fromKeys(keys);
    b.indexInBackground();
    await new Promise((r) => setTimeout(r, 50));
    expect(b.indexOf(keys[49_999])).toBe(49_999);
    const c = KeyList.fromKeys(keys);
    c.indexInBackground();
    expect(c.indexOf(keys[12_345])).toBe(12_345); // finishes the build at once
    c.dispose();
    expect(keys.every((key, i) => c.indexOf(key) === i)).toBe(true);
  });

  it('finds the first of duplicate keys, and nothing in an empty list', () => {
    const k = KeyList.fromKeys(['AAAAAAAA', 'BBBBBBBB', 'AAAAAAAA']);
    for (let round = 0; round < 12; round++) expect(k.indexOf('AAAAAAAA')).toBe(0);
    const e = new KeyList('');
    for (let round = 0; round < 12; round++) expect(e.has('AAAAAAAA')).toBe(false);
  });
});
