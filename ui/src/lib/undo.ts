// Undo for destructive actions: trash (→ restore), removal from a collection
// (→ add back), tag removal (→ add back).

export interface UndoEntry {
  /** What was done, for the toast: "Moved 3 items to the Trash". */
  label: string;
  /** Reverts it. */
  undo: () => Promise<void>;
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
   * Undoes the last entry. Returns it, or undefined when there is nothing to
   * undo (or an undo is already running). On failure the entry stays.
   */
  async undo(): Promise<UndoEntry | undefined> {
    if (this.running) return undefined;
    const e = this.entries[this.entries.length - 1];
    if (!e) return undefined;
    this.running = true;
    try {
      await e.undo();
      // Remove this very entry (a push may have happened meanwhile).
      const i = this.entries.lastIndexOf(e);
      if (i >= 0) this.entries.splice(i, 1);
      return e;
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
