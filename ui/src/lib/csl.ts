// What the detail pane knows about CSL: types, roles, fields and how to show
// a stored value as editable text.
import type { CslItem, CslName, CslValue } from './types';

export const CSL_TYPES = [
  'article', 'article-journal', 'article-magazine', 'article-newspaper', 'bill', 'book',
  'broadcast', 'chapter', 'classic', 'collection', 'dataset', 'document', 'entry',
  'entry-dictionary', 'entry-encyclopedia', 'event', 'figure', 'graphic', 'hearing',
  'interview', 'legal_case', 'legislation', 'manuscript', 'map', 'motion_picture',
  'musical_score', 'pamphlet', 'paper-conference', 'patent', 'performance', 'periodical',
  'personal_communication', 'post', 'post-weblog', 'regulation', 'report', 'review',
  'review-book', 'software', 'song', 'speech', 'standard', 'thesis', 'treaty', 'webpage',
] as const;

export const ROLES = [
  'author', 'chair', 'collection-editor', 'compiler', 'composer', 'container-author',
  'contributor', 'curator', 'director', 'editor', 'editorial-director', 'editor-translator',
  'executive-producer', 'guest', 'host', 'illustrator', 'interviewer', 'narrator', 'organizer',
  'original-author', 'performer', 'producer', 'recipient', 'reviewed-author', 'script-writer',
  'series-creator', 'translator',
] as const;

const TYPE_LABELS: Record<string, string> = {
  'article-journal': 'Journal article',
  'article-magazine': 'Magazine article',
  'article-newspaper': 'Newspaper article',
  'paper-conference': 'Conference paper',
  'entry-dictionary': 'Dictionary entry',
  'entry-encyclopedia': 'Encyclopedia entry',
  'post-weblog': 'Blog post',
  'personal_communication': 'Letter',
  'legal_case': 'Legal case',
  'motion_picture': 'Film',
  'musical_score': 'Musical score',
  'review-book': 'Book review',
};

export function typeLabel(t: string): string {
  if (TYPE_LABELS[t]) return TYPE_LABELS[t];
  const s = t.replace(/[-_]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function roleLabel(r: string): string {
  const s = r.replace(/-/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface FieldDef {
  name: string;
  label: string;
  multiline?: boolean;
  /** Rendered as sanitized markup when not editing. */
  markup?: boolean;
  placeholder?: string;
}

const F = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, ...extra });

const TITLE = F('title', 'Title', { multiline: true, markup: true });
const ABSTRACT = F('abstract', 'Abstract', { multiline: true, markup: true });
const ISSUED = F('issued', 'Date', { placeholder: 'YYYY, YYYY-MM or YYYY-MM-DD' });
const DOI = F('DOI', 'DOI', { placeholder: '10.1234/abc' });
const ISBN = F('ISBN', 'ISBN', { placeholder: '978-…' });
const URL_ = F('URL', 'URL', { placeholder: 'https://…' });
const LANG = F('language', 'Language');
const PUB = F('publisher', 'Publisher');
const PLACE = F('publisher-place', 'Place');
const SERIES = F('collection-title', 'Series');
const SERIES_NO = F('collection-number', 'Series number');
const VOL = F('volume', 'Volume');
const ISSUE = F('issue', 'Issue');
const PAGE = F('page', 'Pages');
const EDITION = F('edition', 'Edition');
const NUMBER = F('number', 'Number');
const ISSN = F('ISSN', 'ISSN');

function containerLabel(type: string): string {
  if (type.startsWith('article-journal') || type === 'review' || type === 'review-book') return 'Journal';
  if (type === 'article-magazine') return 'Magazine';
  if (type === 'article-newspaper') return 'Newspaper';
  if (type === 'chapter' || type.startsWith('entry')) return 'Book';
  if (type === 'paper-conference') return 'Proceedings';
  if (type === 'post-weblog') return 'Blog';
  if (type === 'webpage') return 'Website';
  return 'Container';
}

/** The fields the detail pane lists for a type, in order. */
export function fieldsFor(type: string): FieldDef[] {
  const container = F('container-title', containerLabel(type), { markup: true });
  switch (type) {
    case 'article-journal':
    case 'article-magazine':
    case 'article-newspaper':
    case 'review':
    case 'review-book':
      return [TITLE, container, VOL, ISSUE, PAGE, ISSUED, DOI, ISSN, URL_, LANG, ABSTRACT];
    case 'book':
    case 'collection':
    case 'classic':
      return [TITLE, SERIES, SERIES_NO, EDITION, VOL, PUB, PLACE, ISSUED, ISBN, DOI, URL_, LANG, ABSTRACT];
    case 'chapter':
    case 'entry':
    case 'entry-dictionary':
    case 'entry-encyclopedia':
    case 'paper-conference':
      return [TITLE, container, SERIES, VOL, PAGE, EDITION, PUB, PLACE, ISSUED, ISBN, DOI, URL_, LANG, ABSTRACT];
    case 'report':
    case 'thesis':
      return [TITLE, SERIES, NUMBER, PUB, PLACE, ISSUED, DOI, URL_, LANG, ABSTRACT];
    case 'webpage':
    case 'post':
    case 'post-weblog':
      return [TITLE, container, ISSUED, URL_, LANG, ABSTRACT];
    default:
      return [TITLE, container, PUB, PLACE, ISSUED, VOL, ISSUE, PAGE, NUMBER, DOI, ISBN, URL_, LANG, ABSTRACT];
  }
}

const NOT_FIELDS = new Set(['id', 'type', ...ROLES]);

/**
 * Every field to show: the type's own list plus any other text field the
 * item carries (so nothing stored is hidden).
 */
export function allFields(type: string, item: CslItem): FieldDef[] {
  const list = fieldsFor(type);
  const known = new Set(list.map((f) => f.name));
  for (const [k, v] of Object.entries(item)) {
    if (known.has(k) || NOT_FIELDS.has(k) || isNameList(v)) continue;
    list.push(F(k, fieldLabel(k), { multiline: typeof v === 'string' && v.length > 80 }));
    known.add(k);
  }
  return list;
}

export function fieldLabel(name: string): string {
  if (/^[A-Z]+$/.test(name)) return name;
  const s = name.replace(/-/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function isNameList(v: CslValue | undefined): v is CslName[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null;
}

function pad(n: unknown): string {
  return String(n).padStart(2, '0');
}

/** A CSL date object as the text update_field takes back (2020-05-01). */
export function dateText(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (typeof v !== 'object') return '';
  const o = v as { 'date-parts'?: unknown[][]; raw?: string; literal?: string };
  const parts = o['date-parts'];
  if (Array.isArray(parts) && Array.isArray(parts[0]) && parts[0].length > 0) {
    const text = (p: unknown[]) => [String(p[0]), ...p.slice(1, 3).map(pad)].join('-');
    const first = text(parts[0]);
    return Array.isArray(parts[1]) && parts[1].length > 0 ? `${first}/${text(parts[1])}` : first;
  }
  return o.raw ?? o.literal ?? '';
}

const DATE_FIELDS = new Set(['issued', 'accessed', 'original-date', 'event-date', 'submitted', 'available-date']);

/** A stored value as editable text. */
export function valueText(field: string, v: CslValue | undefined): string {
  if (v == null) return '';
  if (DATE_FIELDS.has(field)) return dateText(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) {
    if (isNameList(v)) return v.map(nameText).join('; ');
    return v.map(String).join(', ');
  }
  if (typeof v === 'object' && ('date-parts' in v || 'raw' in v || 'literal' in v)) return dateText(v);
  return JSON.stringify(v);
}

export function nameText(n: CslName): string {
  if (n.literal) return n.literal;
  return [n.family, n.given].filter(Boolean).join(', ');
}

/** Whether the value shown comes from the container, not the work itself. */
export function isInherited(field: string, item: CslItem, own: CslItem): boolean {
  return item[field] !== undefined && own[field] === undefined;
}

/** "the book", "the journal"… for hints about inherited fields. */
export function containerNoun(parentType: string | undefined): string {
  switch (parentType) {
    case 'book':
    case 'collection':
    case 'classic':
      return 'the book';
    case 'periodical':
      return 'the journal';
    case 'series':
      return 'the series';
    default:
      return 'the container';
  }
}

export function formatAdded(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface EditableCreator {
  /** Stable within the editor (for DnD and React keys). */
  id: number;
  role: string;
  family: string;
  given: string;
  literal: string;
  /** An institution: only `literal` is used. */
  institution: boolean;
}

let nextCreatorId = 1;

export function newCreator(role = 'author', institution = false): EditableCreator {
  return { id: nextCreatorId++, role, family: '', given: '', literal: '', institution };
}

/** The work's own creators, every role, in the stored order. */
export function creatorsOf(own: CslItem): EditableCreator[] {
  const out: EditableCreator[] = [];
  for (const [k, v] of Object.entries(own)) {
    if (!(ROLES as readonly string[]).includes(k) || !Array.isArray(v)) continue;
    for (const n of v as CslName[]) {
      const literal = typeof n.literal === 'string' ? n.literal : '';
      out.push({
        id: nextCreatorId++,
        role: k,
        family: typeof n.family === 'string' ? n.family : '',
        given: typeof n.given === 'string' ? n.given : '',
        literal,
        institution: !!literal && !n.family,
      });
    }
  }
  return out;
}

/** Creators the work shows from its container (read-only here). */
export function inheritedCreators(item: CslItem, own: CslItem): { role: string; names: CslName[] }[] {
  const out: { role: string; names: CslName[] }[] = [];
  for (const r of ROLES) {
    const v = item[r];
    if (own[r] === undefined && isNameList(v)) out.push({ role: r, names: v });
  }
  return out;
}

/** Checks creators before set_creators; returns a message or null. */
export function validateCreators(list: EditableCreator[]): string | null {
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.institution ? !c.literal.trim() : !c.family.trim()) {
      return `Creator ${i + 1} needs ${c.institution ? 'a name' : 'a family name'} (or remove that row).`;
    }
  }
  return null;
}

export function toCreatorDtos(list: EditableCreator[]) {
  return list.map((c) =>
    c.institution
      ? { role: c.role, literal: c.literal.trim(), family: null, given: null }
      : { role: c.role, family: c.family.trim(), given: c.given.trim() || null, literal: null },
  );
}

/** Moves one element of a list (for drag-and-drop and the up/down buttons). */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const out = list.slice();
  if (from < 0 || from >= out.length) return out;
  const clamped = Math.max(0, Math.min(out.length - 1, to));
  const [x] = out.splice(from, 1);
  out.splice(clamped, 0, x);
  return out;
}
