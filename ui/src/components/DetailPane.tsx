import { useState } from 'preact/hooks';
import type { Bridge } from '../bridge';
import { type FieldDef, allFields, containerNoun, formatSize, isInherited, typeLabel, valueText, CSL_TYPES } from '../lib/csl';
import type { CollectionDto, CreatorDto, Detail } from '../lib/types';
import { CitedByTab, CitedWorksTab } from './CitedWorks';
import { Creators } from './Creators';
import { EditableField, type SaveError } from './EditableField';
import { Markup, MarkdownView } from './Markup';

export interface DetailActions {
  updateField(key: string, field: string, value: string): Promise<SaveError | null>;
  setCreators(key: string, creators: CreatorDto[]): Promise<string | null>;
  addTag(key: string, tag: string): Promise<string | null>;
  removeTag(key: string, tag: string): Promise<void>;
  addNote(key: string, body: string): Promise<string | null>;
  /** "Paste notes or references": replaces the work's citations; an error line or null. */
  pasteNotes(key: string, text: string): Promise<string | null>;
  openKey(key: string): void;
  restore(keys: string[]): void;
  trash(keys: string[]): void;
  openView(collectionKey: string): void;
  /** Copy citation / Copy bibliography entry of these works (in the Export dialog's style). */
  copy(kind: 'citation' | 'bibliography', keys: string[]): void;
}

/** "Copy citation" and "Copy bibliography entry" for the works shown. */
function CopyButtons({ keys, actions }: { keys: () => string[]; actions: DetailActions }) {
  return (
    <div class="copy-buttons">
      <button type="button" data-testid="copy-citation" onClick={() => actions.copy('citation', keys())} title="Copy a citation in the style chosen in Export (Ctrl+Shift+C)" aria-keyshortcuts="Control+Shift+C">
        Copy citation
      </button>
      <button type="button" data-testid="copy-bibliography" onClick={() => actions.copy('bibliography', keys())} title="Copy the bibliography entry in the style chosen in Export (Ctrl+Shift+B)" aria-keyshortcuts="Control+Shift+B">
        Copy bibliography entry
      </button>
    </div>
  );
}

interface Props {
  detail: Detail | null;
  loading: boolean;
  error: string | null;
  selectedCount: number;
  canBack: boolean;
  onBack(): void;
  actions: DetailActions;
  bridge: Bridge;
  collections: CollectionDto[];
  paneRef: { current: HTMLElement | null };
  /** Escape outside an editor: back to the list. */
  onLeave(): void;
  /** The selected keys (for the multi-selection's copy buttons). */
  selectedKeys(): string[];
}

export function DetailPane(p: Props) {
  const d = p.detail;
  let body;
  if (p.selectedCount > 1 && !p.canBack) {
    body = (
      <div class="detail-empty" data-testid="multi-selection">
        <p>
          <strong>{p.selectedCount.toLocaleString()}</strong> items selected
        </p>
        <p class="hint">Drag them onto a collection in the sidebar, or press Delete to move them to the Trash.</p>
        <CopyButtons keys={p.selectedKeys} actions={p.actions} />
      </div>
    );
  } else if (p.error) {
    body = (
      <div class="detail-empty" role="alert">
        {p.error}
      </div>
    );
  } else if (!d) {
    body = <div class="detail-empty">{p.loading ? 'Loading…' : 'Select an item to see and edit its details.'}</div>;
  } else {
    body = <DetailBody {...p} detail={d} />;
  }
  return (
    <section
      class="detail"
      aria-label="Item details"
      data-testid="detail"
      tabIndex={-1}
      onKeyDown={(e) => {
        const t = e.target as HTMLElement;
        if (e.key === 'Escape' && !e.defaultPrevented && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) p.onLeave();
      }}
      ref={(el) => {
        p.paneRef.current = el;
      }}>
      {body}
    </section>
  );
}

type Tab = 'details' | 'cited' | 'cited-by';

function DetailBody(p: Props & { detail: Detail }) {
  const d = p.detail;
  const a = p.actions;
  // The tab belongs to the item shown: another item opens on its details.
  const [tabOf, setTabOf] = useState<{ key: string; tab: Tab }>({ key: d.key, tab: 'details' });
  const tab: Tab = tabOf.key === d.key ? tabOf.tab : 'details';
  const setTab = (t: Tab) => setTabOf({ key: d.key, tab: t });
  const type = String(d.item.type ?? d.own.type ?? 'document');
  const parentNoun = containerNoun(d.parent?.type);
  const fields = allFields(type, d.item);
  const cols = d.collections
    .map((k) => p.collections.find((c) => c.key === k || c.path === k))
    .filter((c): c is CollectionDto => !!c);

  const renderField = (f: FieldDef) => {
          const inherited = !!d.parent && isInherited(f.name, d.item, d.own);
          return (
            <EditableField
              key={`${d.key}-${f.name}`}
              def={f}
              value={valueText(f.name, (inherited ? d.item : d.own)[f.name] ?? d.item[f.name])}
              inheritedFrom={inherited ? parentNoun : undefined}
              onOpenParent={d.parent ? () => a.openKey(d.parent!.key) : undefined}
              onSave={(v) => a.updateField(d.key, f.name, v)}
            />
          );
        };

  return (
    <div class="detail-body" data-testid="detail-body" data-key={d.key}>
      {p.canBack && (
        <button type="button" class="link back" data-testid="detail-back" onClick={p.onBack}>
          ← Back
        </button>
      )}
      {d.trashed && (
        <div class="banner" role="status">
          This item is in the Trash.
          <button type="button" data-testid="detail-restore" onClick={() => a.restore([d.key])}>
            Restore
          </button>
        </div>
      )}
      <header class="detail-head">
        <select
          class="type-select"
          aria-label="Item type"
          data-testid="type-select"
          value={type}
          onChange={(e) => void a.updateField(d.key, 'type', (e.target as HTMLSelectElement).value)}
        >
          {(CSL_TYPES as readonly string[]).includes(type) ? null : <option value={type}>{typeLabel(type)}</option>}
          {CSL_TYPES.map((t) => (
            <option value={t} key={t}>
              {typeLabel(t)}
            </option>
          ))}
        </select>
        <span class="key" title="Item key">
          {d.key}
        </span>
      </header>
      <CopyButtons keys={() => [d.key]} actions={a} />

      {d.parent && (
        <p class="parent-link">
          In {parentNoun.replace(/^the /, 'the ')}:{' '}
          <button type="button" class="link" data-testid="parent-link" onClick={() => a.openKey(d.parent!.key)}>
            <Markup html={d.parent.title || d.parent.key} />
          </button>
        </p>
      )}

      <div class="detail-tabs" role="tablist" aria-label="Item views">
        <button type="button" role="tab" aria-selected={tab === 'details'} data-testid="tab-details" onClick={() => setTab('details')}>
          Details
        </button>
        <button type="button" role="tab" aria-selected={tab === 'cited'} data-testid="tab-cited" onClick={() => setTab('cited')}>
          Cited works{d.cites > 0 ? ` (${d.cites})` : ''}
        </button>
        {d.cited_by > 0 && (
          <button type="button" role="tab" aria-selected={tab === 'cited-by'} data-testid="tab-cited-by" onClick={() => setTab('cited-by')}>
            Cited by ({d.cited_by})
          </button>
        )}
      </div>

      {tab === 'cited' ? (
        <section role="tabpanel" aria-label="Cited works" class="tab-panel">
          <CitedWorksTab itemKey={d.key} version={d} bridge={p.bridge} openKey={a.openKey} onPaste={(text) => a.pasteNotes(d.key, text)} />
        </section>
      ) : tab === 'cited-by' ? (
        <section role="tabpanel" aria-label="Cited by" class="tab-panel">
          <CitedByTab itemKey={d.key} version={d} bridge={p.bridge} openKey={a.openKey} />
        </section>
      ) : (
        <>
          <section class="fields detail-title" aria-label="Title" data-testid="detail-title">
            {fields.slice(0, 1).map(renderField)}
          </section>

          <Creators itemKey={d.key} item={d.item} own={d.own} inheritedFrom={parentNoun} onSave={(c) => a.setCreators(d.key, c)} />

          <section class="fields" aria-label="More fields">
            {fields.slice(1).map(renderField)}
          </section>

          {d.children.length > 0 && (
            <section class="children" aria-labelledby="children-heading">
              <h3 id="children-heading">{type === 'book' || type === 'collection' ? 'Chapters' : 'Contains'}</h3>
              <ul>
                {d.children.map((c) => (
                  <li key={c.key}>
                    <button type="button" class="link" data-testid="child-link" onClick={() => a.openKey(c.key)}>
                      <Markup html={c.title || c.key} />
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}

          <Tags detail={d} actions={a} />

          {cols.length > 0 && (
            <section class="in-collections" aria-labelledby="incol-heading">
              <h3 id="incol-heading">In collections</h3>
              <ul class="chips">
                {cols.map((c) => (
                  <li key={c.key} class="chip">
                    <button type="button" class="link" onClick={() => a.openView(c.key)}>
                      {c.path}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}

          <Notes detail={d} actions={a} bridge={p.bridge} />

          <Attachments detail={d} bridge={p.bridge} />
        </>
      )}
    </div>
  );
}

function Tags({ detail: d, actions: a }: { detail: Detail; actions: DetailActions }) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async () => {
    const t = draft.trim();
    if (!t) return;
    if (d.tags.includes(t)) {
      setDraft('');
      return;
    }
    const err = await a.addTag(d.key, t);
    if (err) setError(err);
    else {
      setDraft('');
      setError(null);
    }
  };
  return (
    <section class="tag-editor" aria-labelledby="tags-heading-detail" data-testid="tags">
      <h3 id="tags-heading-detail">Tags</h3>
      <ul class="chips">
        {d.tags.map((t) => (
          <li class="chip" key={t} data-testid="tag-chip">
            <span>{t}</span>
            <button type="button" class="icon" aria-label={`Remove tag ${t}`} title="Remove tag" onClick={() => void a.removeTag(d.key, t)}>
              ×
            </button>
          </li>
        ))}
        <li class="chip-input">
          <input
            aria-label="Add a tag"
            placeholder="Add tag…"
            data-testid="tag-input"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void add();
              } else if (e.key === 'Escape') setDraft('');
            }}
          />
        </li>
      </ul>
      {error && (
        <div class="field-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}

function Notes({ detail: d, actions: a, bridge }: { detail: Detail; actions: DetailActions; bridge: Bridge }) {
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    if (!draft.trim()) return;
    const err = await a.addNote(d.key, draft);
    if (err) setError(err);
    else {
      setDraft('');
      setAdding(false);
      setError(null);
    }
  };
  return (
    <section class="notes" aria-labelledby="notes-heading" data-testid="notes">
      <h3 id="notes-heading">Notes</h3>
      {d.notes.length === 0 && !adding && <p class="hint">No notes.</p>}
      {d.notes.map((n) => (
        <article class="note" key={n.key} data-testid="note">
          <MarkdownView source={n.body} onLink={(url) => void bridge.openUrl(url)} />
        </article>
      ))}
      {adding ? (
        <div class="note-editor">
          <textarea
            autoFocus
            rows={5}
            aria-label="New note (Markdown)"
            placeholder="Write a note in Markdown…"
            data-testid="note-input"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void save();
              } else if (e.key === 'Escape') {
                e.stopPropagation();
                setAdding(false);
              }
            }}
          />
          <div class="buttons">
            <button type="button" class="primary" data-testid="note-save" onClick={() => void save()}>
              Add note
            </button>
            <button type="button" onClick={() => setAdding(false)}>
              Cancel
            </button>
            <span class="hint">Markdown; Ctrl+Enter adds it.</span>
          </div>
          {error && (
            <div class="field-error" role="alert">
              {error}
            </div>
          )}
        </div>
      ) : (
        <button type="button" data-testid="add-note" onClick={() => setAdding(true)}>
          + Note
        </button>
      )}
    </section>
  );
}

function Attachments({ detail: d, bridge }: { detail: Detail; bridge: Bridge }) {
  const [error, setError] = useState<string | null>(null);
  if (d.attachments.length === 0) return null;
  return (
    <section class="attachments" aria-labelledby="att-heading" data-testid="attachments">
      <h3 id="att-heading">Attachments</h3>
      <ul>
        {d.attachments.map((f) => (
          <li key={f.key} class="attachment">
            <span class="path" title={`${f.path}\nSHA-256 ${f.sha256}`}>
              {f.path.split(/[\\/]/).pop()}
            </span>
            <span class="size">{formatSize(f.size)}</span>
            {bridge.canOpenFiles && (
              <button
                type="button"
                data-testid="open-attachment"
                onClick={() =>
                  bridge.openPath(f.path).then(
                    () => setError(null),
                    (e) => setError(`Could not open ${f.path}: ${e.message}. Check that the file still exists.`),
                  )
                }
              >
                Open
              </button>
            )}
          </li>
        ))}
      </ul>
      {!bridge.canOpenFiles && <p class="hint">Open attachments from the Ibid desktop app.</p>}
      {error && (
        <div class="field-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
