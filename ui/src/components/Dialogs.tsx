import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CSL_TYPES, typeLabel } from '../lib/csl';
import type { ImportResult } from '../lib/types';

/** A modal <dialog>: Escape (the cancel event, or the dialog closed by the browser) and the close button call onClose. */
export function Modal({ title, onClose, children, testid }: { title: string; onClose(): void; children: ComponentChildren; testid: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
      d.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby={`${testid}-title`}
      data-testid={testid}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // A browser may close the dialog on Escape without a cancel event
      // (WebKit does, without a recent user activation: the close-watcher
      // rule): it must not stay mounted, closed, with the app thinking it open.
      onClose={onClose}
    >
      <h2 id={`${testid}-title`}>{title}</h2>
      {children}
    </dialog>
  );
}

export function NewItemDialog({ onCreate, onClose }: { onCreate(type: string, title: string): Promise<string | null>; onClose(): void }) {
  const [type, setType] = useState('article-journal');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) {
      setError('Give the item a title; you can change it later.');
      return;
    }
    setBusy(true);
    const err = await onCreate(type, title.trim());
    setBusy(false);
    if (err) setError(err);
  };
  return (
    <Modal title="New item" onClose={onClose} testid="new-item-dialog">
      <form onSubmit={submit} class="form">
        <label>
          Type
          <select value={type} data-testid="new-item-type" onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            {CSL_TYPES.map((t) => (
              <option value={t} key={t}>
                {typeLabel(t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Title
          <input
            data-autofocus
            value={title}
            data-testid="new-item-title"
            aria-invalid={error ? true : undefined}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          />
        </label>
        {error && (
          <div class="field-error" role="alert">
            {error}
          </div>
        )}
        <p class="hint">Fill in the other fields in the detail pane afterwards.</p>
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy} data-testid="new-item-create">
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** After an import: what was added and what failed; `onUndo` (when it added anything) takes it back. */
export function ImportSummary({
  result, fileName, onUndo, onClose,
}: { result: ImportResult; fileName: string; onUndo?: () => void; onClose(): void }) {
  return (
    <Modal title="Import finished" onClose={onClose} testid="import-summary">
      <p data-testid="import-added">
        Added <strong>{result.added.length}</strong> item{result.added.length === 1 ? '' : 's'} from {fileName}.
      </p>
      {result.failed.length > 0 && (
        <>
          <p data-testid="import-failed">
            {result.failed.length} item{result.failed.length === 1 ? ' was' : 's were'} not imported:
          </p>
          <ul class="failures">
            {result.failed.slice(0, 100).map((f) => (
              <li key={f.item}>
                Item {f.item}: {f.message}
              </li>
            ))}
            {result.failed.length > 100 && <li>… and {result.failed.length - 100} more.</li>}
          </ul>
          <p class="hint">Fix those items in the file, then import a file with only them.</p>
        </>
      )}
      <div class="buttons">
        {onUndo && (
          <button
            type="button"
            data-testid="import-undo"
            onClick={onUndo}
            title={`Remove the ${result.added.length === 1 ? 'item' : `${result.added.length} items`} this import added (Ctrl+Z)`}
            aria-keyshortcuts="Control+Z"
          >
            Undo import
          </button>
        )}
        <button type="button" class="primary" data-autofocus onClick={onClose} data-testid="import-close">
          OK
        </button>
      </div>
    </Modal>
  );
}

export function ConfirmDialog({
  title, message, confirm, onConfirm, onClose,
}: { title: string; message: string; confirm: string; onConfirm(): void; onClose(): void }) {
  return (
    <Modal title={title} onClose={onClose} testid="confirm-dialog">
      <p>{message}</p>
      <div class="buttons">
        <button type="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          data-testid="confirm-ok"
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirm}
        </button>
      </div>
    </Modal>
  );
}
