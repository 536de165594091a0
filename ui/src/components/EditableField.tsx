import { useEffect, useRef, useState } from 'preact/hooks';
import type { FieldDef } from '../lib/csl';
import { validateField } from '../lib/validate';
import { Markup } from './Markup';

export interface SaveError {
  message: string;
}

interface Props {
  def: FieldDef;
  value: string;
  /** Set when the value comes from the container: "the book". */
  inheritedFrom?: string;
  onOpenParent?(): void;
  /** Resolves to null when saved, or the error to show by the field. */
  onSave(value: string): Promise<SaveError | null>;
}

/** Click (or Enter) to edit; Enter or leaving the field saves; Escape cancels. */
export function EditableField({ def, value, inheritedFrom, onOpenParent, onSave }: Props) {
  const [editing, setEditing] = useState(false);
  const [offer, setOffer] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const saving = useRef(false);
  /** False once the edit ended (saved or cancelled): the blur that follows must not save. */
  const live = useRef(false);
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const display = useRef<HTMLDivElement>(null);
  const id = `f-${def.name}`;

  useEffect(() => {
    if (!editing) setDraft(value);
  }, [value, editing]);

  useEffect(() => {
    if (editing && input.current) {
      input.current.focus();
      input.current.select();
    }
  }, [editing]);

  const begin = () => {
    if (inheritedFrom && !offer) {
      setOffer(true);
      return;
    }
    setOffer(false);
    setDraft(value);
    setError(null);
    live.current = true;
    setEditing(true);
  };

  const cancel = () => {
    live.current = false;
    setEditing(false);
    setError(null);
    setDraft(value);
    queueMicrotask(() => display.current?.focus());
  };

  const commit = async (refocus: boolean) => {
    if (saving.current || !live.current) return;
    const v = draft;
    if (v.trim() === value.trim()) {
      live.current = false;
      setEditing(false);
      setError(null);
      if (refocus) queueMicrotask(() => display.current?.focus());
      return;
    }
    const problem = validateField(def.name, v);
    if (problem) {
      setError(problem);
      return;
    }
    saving.current = true;
    setBusy(true);
    try {
      const err = await onSave(v.trim());
      if (err) {
        setError(err.message);
      } else {
        live.current = false;
        setError(null);
        setEditing(false);
        if (refocus) queueMicrotask(() => display.current?.focus());
      }
    } finally {
      saving.current = false;
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      cancel();
    } else if (e.key === 'Enter' && !(def.multiline && e.shiftKey)) {
      e.preventDefault();
      void commit(true);
    }
  };

  const Tag = def.multiline ? 'textarea' : 'input';
  return (
    <div class={`field${inheritedFrom ? ' inherited' : ''}${error ? ' has-error' : ''}`} data-testid={`field-${def.name}`} data-field={def.name}>
      <label class="field-label" id={`${id}-label`} htmlFor={editing ? id : undefined}>
        {def.label}
      </label>
      <div class="field-main">
        {editing ? (
          <Tag
            id={id}
            ref={input}
            class="field-input"
            data-testid={`input-${def.name}`}
            value={draft}
            rows={def.multiline ? Math.min(8, Math.max(2, Math.ceil(draft.length / 48))) : undefined}
            placeholder={def.placeholder}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            disabled={busy}
            onInput={(e: Event) => {
              setDraft((e.target as HTMLInputElement).value);
              if (error) setError(null);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => void commit(false)}
          />
        ) : (
          <div
            ref={display}
            class={`field-value${value ? '' : ' empty'}`}
            role="button"
            tabIndex={0}
            aria-labelledby={`${id}-label`}
            aria-description={inheritedFrom ? `from ${inheritedFrom}` : 'click to edit'}
            data-testid={`value-${def.name}`}
            onClick={begin}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ' || e.key === 'F2') {
                e.preventDefault();
                begin();
              }
            }}
          >
            {value ? def.markup ? <Markup html={value} /> : value : <span class="placeholder-text">{def.placeholder ?? 'Add…'}</span>}
            {inheritedFrom && value && <span class="from-hint">from {inheritedFrom}</span>}
          </div>
        )}
        {offer && !editing && (
          <div class="offer" role="group" aria-label="This value comes from the container">
            <span>This comes from {inheritedFrom}.</span>
            {onOpenParent && (
              <button type="button" data-testid={`edit-parent-${def.name}`} onClick={() => { setOffer(false); onOpenParent(); }}>
                Edit {inheritedFrom}
              </button>
            )}
            <button type="button" onClick={begin}>
              Set here instead
            </button>
            <button type="button" class="link" onClick={() => setOffer(false)}>
              Cancel
            </button>
          </div>
        )}
        {error && (
          <div class="field-error" id={`${id}-error`} role="alert" data-testid={`error-${def.name}`}>
            {error}
          </div>
        )}
      </div>
    </div>
  );
}
