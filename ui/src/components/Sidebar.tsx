import { useState } from 'preact/hooks';
import type { CollectionDto, LibraryInfo, TagDto } from '../lib/types';
import { DRAG_TYPE } from './ItemList';

export type View =
  | { kind: 'library' }
  | { kind: 'trash' }
  | { kind: 'duplicates' }
  | { kind: 'collection'; key: string }
  | { kind: 'tag'; name: string };

export function sameView(a: View, b: View): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'collection') return a.key === (b as typeof a).key;
  if (a.kind === 'tag') return a.name === (b as typeof a).name;
  return true;
}

interface Props {
  info: LibraryInfo | null;
  collections: CollectionDto[];
  tags: TagDto[];
  view: View;
  onView(v: View): void;
  onDropKeys(collection: CollectionDto, keys: string[]): void;
  onCreateCollection(path: string): Promise<boolean>;
  onDeleteCollection(c: CollectionDto): void;
}

function depthOf(c: CollectionDto): number {
  return c.path.split('/').length - 1;
}

export function Sidebar(p: Props) {
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState('');
  const [dropTarget, setDropTarget] = useState<string | null>(null);

  const item = (v: View, label: string, count: number | undefined, testid: string, extra?: preact.JSX.Element) => {
    const active = sameView(p.view, v);
    return (
      <li class={`side-item${active ? ' active' : ''}`} role="none">
        <button
          type="button"
          role="treeitem"
          aria-selected={active}
          aria-current={active ? 'page' : undefined}
          data-testid={testid}
          onClick={() => p.onView(v)}
        >
          <span class="side-label">{label}</span>
          {count !== undefined && <span class="count">{count}</span>}
        </button>
        {extra}
      </li>
    );
  };

  const submit = async () => {
    const path = draft.trim().replace(/^\/+|\/+$/g, '');
    if (!path) {
      setAdding(false);
      return;
    }
    if (await p.onCreateCollection(path)) {
      setDraft('');
      setAdding(false);
    }
  };

  return (
    <nav class="sidebar" aria-label="Library" data-testid="sidebar">
      <ul role="tree" aria-label="Library">
        {item({ kind: 'library' }, 'My Library', p.info?.count, 'view-library')}
      </ul>
      <div class="side-heading">
        <h2 id="collections-heading">Collections</h2>
        <button type="button" class="icon" title="New collection" aria-label="New collection" data-testid="new-collection" onClick={() => setAdding(true)}>
          +
        </button>
      </div>
      {adding && (
        <form
          class="new-collection"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <input
            autoFocus
            aria-label="New collection name (use / to nest: Cold War/Korea)"
            placeholder="Name, or Parent/Child"
            data-testid="new-collection-input"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setAdding(false);
                setDraft('');
              }
            }}
          />
        </form>
      )}
      <ul role="tree" aria-labelledby="collections-heading" class="collections">
        {p.collections.length === 0 && !adding && <li class="side-empty">No collections yet. Drag items onto one to add them.</li>}
        {p.collections.map((c) => {
          const v: View = { kind: 'collection', key: c.key };
          const active = sameView(p.view, v);
          return (
            <li
              role="none"
              key={c.key}
              class={`side-item collection depth-${Math.min(depthOf(c), 6)}${active ? ' active' : ''}${dropTarget === c.key ? ' drop' : ''}`}
              onDragOver={(e) => {
                if (e.dataTransfer?.types.includes(DRAG_TYPE)) {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = 'copy';
                  setDropTarget(c.key);
                }
              }}
              onDragLeave={() => setDropTarget((t) => (t === c.key ? null : t))}
              onDrop={(e) => {
                setDropTarget(null);
                const raw = e.dataTransfer?.getData(DRAG_TYPE);
                if (!raw) return;
                e.preventDefault();
                try {
                  const keys = JSON.parse(raw);
                  if (Array.isArray(keys) && keys.length) p.onDropKeys(c, keys.map(String));
                } catch {
                  /* not ours */
                }
              }}
            >
              <button
                type="button"
                role="treeitem"
                aria-level={depthOf(c) + 1}
                aria-selected={active}
                aria-current={active ? 'page' : undefined}
                data-testid="collection"
                data-key={c.key}
                data-path={c.path}
                onClick={() => p.onView(v)}
                title={c.path}
              >
                <span class="side-label">{c.name}</span>
                <span class="count">{c.count}</span>
              </button>
              <button
                type="button"
                class="icon delete"
                aria-label={`Delete collection ${c.path}`}
                title="Delete collection"
                data-testid="delete-collection"
                onClick={() => p.onDeleteCollection(c)}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <div class="side-heading">
        <h2 id="tags-heading">Tags</h2>
      </div>
      <ul role="tree" aria-labelledby="tags-heading" class="tags">
        {p.tags.length === 0 && <li class="side-empty">No tags yet.</li>}
        {p.tags.map((t) => item({ kind: 'tag', name: t.name }, t.name, t.count, 'tag'))}
      </ul>
      <ul role="tree" aria-label="Duplicates" class="duplicates-list">
        {item({ kind: 'duplicates' }, 'Duplicates', undefined, 'view-duplicates')}
      </ul>
      <ul role="tree" aria-label="Trash" class="trash-list">
        {item({ kind: 'trash' }, 'Trash', p.info?.trash_count, 'view-trash')}
      </ul>
    </nav>
  );
}
