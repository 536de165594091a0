import { describe, expect, it, vi } from 'vitest';
import { importUndoneNote, UndoStack } from '../src/lib/undo';

describe('undo stack', () => {
  it('undoes the last action first and forgets it', async () => {
    const u = new UndoStack();
    const log: string[] = [];
    u.push({ label: 'trash A', undo: async () => void log.push('restore A') });
    u.push({ label: 'untag B', undo: async () => void log.push('tag B') });
    expect(u.size).toBe(2);
    expect(u.peek()?.label).toBe('untag B');
    expect((await u.undo())?.label).toBe('untag B');
    expect((await u.undo())?.label).toBe('trash A');
    expect(await u.undo()).toBeUndefined();
    expect(log).toEqual(['tag B', 'restore A']);
  });

  it('keeps an entry whose undo failed', async () => {
    const u = new UndoStack();
    u.push({ label: 'x', undo: () => Promise.reject(new Error('offline')) });
    await expect(u.undo()).rejects.toThrow('offline');
    expect(u.size).toBe(1);
  });

  it('ignores a second undo while one runs, and caps its length', async () => {
    const u = new UndoStack(3);
    let release!: () => void;
    const undo = vi.fn(() => new Promise<void>((r) => (release = r)));
    u.push({ label: 'slow', undo });
    const first = u.undo();
    expect(await u.undo()).toBeUndefined();
    release();
    expect((await first)?.label).toBe('slow');
    expect(undo).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) u.push({ label: String(i), undo: async () => {} });
    expect(u.size).toBe(3);
    expect(u.peek()?.label).toBe('4');
  });

  it('notifies subscribers', async () => {
    const u = new UndoStack();
    const f = vi.fn();
    const off = u.subscribe(f);
    u.push({ label: 'a', undo: async () => {} });
    await u.undo();
    off();
    u.push({ label: 'b', undo: async () => {} });
    expect(f).toHaveBeenCalledTimes(2);
  });
});

describe('issue 9: undo of one given action, and its note', () => {
  it('undoes an entry asked for only while it is the last one', async () => {
    const u = new UndoStack();
    const log: string[] = [];
    const imported = { label: 'Imported 2 items from refs.bib', undo: async () => void log.push('undo import') };
    u.push(imported);
    u.push({ label: 'trash A', undo: async () => void log.push('restore A') });
    expect(await u.undo(imported)).toBeUndefined();
    expect(log).toEqual([]);
    expect((await u.undo())?.label).toBe('trash A');
    expect(await u.undo(imported)).toEqual({ label: 'Imported 2 items from refs.bib' });
    expect(log).toEqual(['restore A', 'undo import']);
    expect(u.size).toBe(0);
  });

  it("returns the note an entry's undo gives", async () => {
    const u = new UndoStack();
    u.push({ label: 'Imported 3 items from a.bib', undo: async () => '1 item changed since the import was moved to the Trash.' });
    expect(await u.undo()).toEqual({ label: 'Imported 3 items from a.bib', note: '1 item changed since the import was moved to the Trash.' });
  });

  it("says what an import's Undo did not take back", () => {
    expect(importUndoneNote({ trashed: [], kept: [] })).toBeUndefined();
    expect(importUndoneNote({ trashed: ['A'], kept: [] })).toBe('1 item changed since the import was moved to the Trash.');
    expect(importUndoneNote({ trashed: ['A', 'B'], kept: ['C'] })).toBe(
      '2 items changed since the import were moved to the Trash. 1 item merged since into other items stays: undo that merge first.',
    );
  });
});
