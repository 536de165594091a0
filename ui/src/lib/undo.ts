// Undo for destructive actions: trash (→ restore), removal from a collection
// (→ add back), tag removal (→ add back), a merge of duplicates (→ undo_merge),
// an import (→ undo_import).

export interface UndoEntry {
  /** What was done, for the toast: "Moved 3 items to the Trash". */
  label: string;
  /**
   * Reverts it. May answer a note for the toast: what it could not revert
   * as it was ("1 item changed since was moved to the Trash").
   */
  undo: () => Promise<string | void>;
}

/** What `undo()` undid: the entry's label, and its note if it gave one. */
export interface Undone {
  label: string;
  note?: string;
}

export class UndoStack {
  private entries: UndoEntry[] = [];
  private listeners = new Set<() => void>();
  private running = false;

  constructor(private readonly limit = 20) {}

  push(e: UndoEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.limit) this.entries.shift();
    this.emit();
  }

  peek(): UndoEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Undoes the last entry — with `only`, only if that is the last entry (a
   * button offering one action's Undo: never another's). Returns what it
   * undid, or undefined when there is nothing to undo (or an undo is already
   * running). On failure the entry stays.
   */
  async undo(only?: UndoEntry): Promise<Undone | undefined> {
    if (this.running) return undefined;
    const e = this.entries[this.entries.length - 1];
    if (!e || (only && e !== only)) return undefined;
    this.running = true;
    try {
      const note = await e.undo();
      // Remove this very entry (a push may have happened meanwhile).
      const i = this.entries.lastIndexOf(e);
      if (i >= 0) this.entries.splice(i, 1);
      return note ? { label: e.label, note } : { label: e.label };
    } finally {
      this.running = false;
      this.emit();
    }
  }

  clear(): void {
    this.entries = [];
    this.emit();
  }

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private emit() {
    for (const f of this.listeners) f();
  }
}

/**
 * The toast's note after an import's Undo (`undo_import`'s answer): the
 * works it could not take back as imported. None when it took back all.
 */
export function importUndoneNote(r: { trashed: string[]; kept: string[] }): string | undefined {
  const items = (n: number) => (n === 1 ? '1 item' : `${n.toLocaleString()} items`);
  const notes: string[] = [];
  if (r.trashed.length) notes.push(`${items(r.trashed.length)} changed since the import ${r.trashed.length === 1 ? 'was' : 'were'} moved to the Trash.`);
  if (r.kept.length) notes.push(`${items(r.kept.length)} merged since into other items ${r.kept.length === 1 ? 'stays' : 'stay'}: undo that merge first.`);
  return notes.length ? notes.join(' ') : undefined;
}
