import { useEffect, useRef, useState } from 'preact/hooks';
import type { CslItem } from '../lib/types';
import {
  type EditableCreator, ROLES, creatorsOf, inheritedCreators, moveItem, nameText, newCreator, roleLabel, toCreatorDtos, validateCreators,
} from '../lib/csl';
import type { CreatorDto } from '../lib/types';

interface Props {
  itemKey: string;
  item: CslItem;
  own: CslItem;
  inheritedFrom: string;
  onSave(creators: CreatorDto[]): Promise<string | null>;
}

/** Keeps row ids across a reload so focus and drag state survive a save. */
function sync(prev: EditableCreator[], next: EditableCreator[]): EditableCreator[] {
  if (prev.length !== next.length) return next;
  return next.map((c, i) => ({ ...c, id: prev[i].id }));
}

export function Creators({ itemKey, item, own, inheritedFrom, onSave }: Props) {
  const [list, setList] = useState<EditableCreator[]>(() => creatorsOf(own));
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const focusNew = useRef<number | null>(null);
  const lastKey = useRef(itemKey);
  /** Rows added and not saved yet: a reload (say, the answer to the save
   * before) keeps them rather than dropping what the user is typing. */
  const unsaved = useRef(new Set<number>());

  useEffect(() => {
    const fresh = creatorsOf(own);
    const same = lastKey.current === itemKey;
    setList((prev) => {
      if (!same) return fresh;
      const kept = prev.filter((c) => unsaved.current.has(c.id));
      return [...sync(prev.filter((c) => !unsaved.current.has(c.id)), fresh), ...kept];
    });
    if (!same) unsaved.current.clear();
    lastKey.current = itemKey;
    setError(null);
  }, [own, itemKey]);

  useEffect(() => {
    if (focusNew.current !== null) {
      box.current?.querySelector<HTMLInputElement>(`[data-creator-id="${focusNew.current}"] input`)?.focus();
      focusNew.current = null;
    }
  });

  const save = async (next: EditableCreator[]) => {
    setList(next);
    const problem = validateCreators(next);
    if (problem) {
      setError(problem);
      return;
    }
    unsaved.current.clear();
    setError(null);
    const err = await onSave(toCreatorDtos(next));
    if (err) setError(err);
  };

  const update = (i: number, patch: Partial<EditableCreator>) => {
    const next = list.slice();
    next[i] = { ...next[i], ...patch };
    return next;
  };

  // Text edits save when focus leaves the row.
  const onRowBlur = (e: FocusEvent) => {
    const row = e.currentTarget as HTMLElement;
    const to = e.relatedTarget as Node | null;
    if (to && row.contains(to)) return;
    const stored = JSON.stringify(toCreatorDtos(creatorsOf(own)));
    if (JSON.stringify(toCreatorDtos(list)) !== stored) void save(list);
  };

  const inherited = inheritedCreators(item, own);

  return (
    <section class="creators-editor" aria-labelledby="creators-heading" data-testid="creators" ref={box}>
      <h3 id="creators-heading">Creators</h3>
      <ol class="creator-list">
        {list.map((c, i) => (
          <li
            key={c.id}
            data-creator-id={c.id}
            data-testid="creator"
            class={`creator-row${dragging === i ? ' dragging' : ''}${over === i && dragging !== null && dragging !== i ? ' drop' : ''}`}
            onDragOver={(e) => {
              if (dragging === null) return;
              e.preventDefault();
              setOver(i);
            }}
            onDrop={(e) => {
              e.preventDefault();
              if (dragging !== null && dragging !== i) void save(moveItem(list, dragging, i));
              setDragging(null);
              setOver(null);
            }}
            onFocusOut={onRowBlur}
          >
            <span
              class="drag-handle"
              draggable
              title="Drag to reorder"
              aria-hidden="true"
              onDragStart={(e) => {
                setDragging(i);
                e.dataTransfer?.setData('text/plain', String(i));
                if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
              }}
              onDragEnd={() => {
                setDragging(null);
                setOver(null);
              }}
            >
              ⋮⋮
            </span>
            <select
              aria-label={`Role of creator ${i + 1}`}
              value={c.role}
              onChange={(e) => void save(update(i, { role: (e.target as HTMLSelectElement).value }))}
            >
              {ROLES.map((r) => (
                <option value={r} key={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
            {c.institution ? (
              <input
                class="wide"
                aria-label={`Institution name of creator ${i + 1}`}
                placeholder="Institution"
                value={c.literal}
                onInput={(e) => setList(update(i, { literal: (e.target as HTMLInputElement).value }))}
                onKeyDown={(e) => e.key === 'Enter' && void save(list)}
              />
            ) : (
              <>
                <input
                  aria-label={`Family name of creator ${i + 1}`}
                  placeholder="Family"
                  value={c.family}
                  onInput={(e) => setList(update(i, { family: (e.target as HTMLInputElement).value }))}
                  onKeyDown={(e) => e.key === 'Enter' && void save(list)}
                />
                <input
                  aria-label={`Given name of creator ${i + 1}`}
                  placeholder="Given"
                  value={c.given}
                  onInput={(e) => setList(update(i, { given: (e.target as HTMLInputElement).value }))}
                  onKeyDown={(e) => e.key === 'Enter' && void save(list)}
                />
              </>
            )}
            <span class="creator-actions">
              <button
                type="button"
                class="icon toggle"
                aria-pressed={c.institution}
                title={c.institution ? 'An institution (one name): click for a person' : 'A person: click for an institution (one name)'}
                aria-label={`Creator ${i + 1} is an institution`}
                onClick={() => {
                  const name = c.institution ? { family: c.literal, given: '', literal: '' } : { literal: [c.given, c.family].filter(Boolean).join(' '), family: '', given: '' };
                  void save(update(i, { institution: !c.institution, ...name }));
                }}
              >
                Inst.
              </button>
              <button type="button" class="icon" aria-label={`Move creator ${i + 1} up`} title="Move up" disabled={i === 0} onClick={() => void save(moveItem(list, i, i - 1))}>
                ↑
              </button>
              <button
                type="button"
                class="icon"
                aria-label={`Move creator ${i + 1} down`}
                title="Move down"
                disabled={i === list.length - 1}
                onClick={() => void save(moveItem(list, i, i + 1))}
              >
                ↓
              </button>
              <button type="button" class="icon" aria-label={`Remove creator ${i + 1}`} title="Remove" onClick={() => void save(list.filter((_, j) => j !== i))}>
                −
              </button>
            </span>
          </li>
        ))}
      </ol>
      {inherited.map((g) => (
        <div class="inherited-creators" key={g.role}>
          <span class="field-label">{roleLabel(g.role)}</span>
          <span>{g.names.map(nameText).join('; ')}</span>
          <span class="from-hint">from {inheritedFrom}</span>
        </div>
      ))}
      <div class="creator-add">
        <button
          type="button"
          data-testid="add-creator"
          onClick={() => {
            const c = newCreator(list.length ? list[list.length - 1].role : 'author');
            focusNew.current = c.id;
            unsaved.current.add(c.id);
            setList([...list, c]);
          }}
        >
          + Person
        </button>
        <button
          type="button"
          onClick={() => {
            const c = newCreator(list.length ? list[list.length - 1].role : 'author', true);
            focusNew.current = c.id;
            unsaved.current.add(c.id);
            setList([...list, c]);
          }}
        >
          + Institution
        </button>
      </div>
      {error && (
        <div class="field-error" role="alert" data-testid="creators-error">
          {error}
        </div>
      )}
    </section>
  );
}
