// What the Export dialog remembers (localStorage): the format, the citation
// style and language. Copy citation / Copy bibliography entry use the same
// style and language.
import type { ExportFormat } from './types';

export interface ExportPrefs {
  format: ExportFormat;
  /** A style id (`american-psychological-association`, `springer-link`…). */
  style: string;
  /** Its title, for messages ('' when not known). */
  styleTitle: string;
  /** '' for the style's own language. */
  locale: string;
  /** BibTeX with LaTeX accents instead of UTF-8. */
  latex: boolean;
}

export const PREFS_KEY = 'ibid.export';
/** APA, by the id `styles` lists it under (the backend also takes `apa`). */
export const DEFAULT_PREFS: ExportPrefs = { format: 'text', style: 'american-psychological-association', styleTitle: 'APA Style 7th edition', locale: '', latex: false };

export const FORMATS: { id: ExportFormat; label: string; ext: string; mime: string; styled: boolean }[] = [
  { id: 'text', label: 'Bibliography: plain text', ext: 'txt', mime: 'text/plain', styled: true },
  { id: 'html', label: 'Bibliography: HTML', ext: 'html', mime: 'text/html', styled: true },
  { id: 'markdown', label: 'Bibliography: Markdown', ext: 'md', mime: 'text/markdown', styled: true },
  { id: 'rtf', label: 'Bibliography: RTF (Word)', ext: 'rtf', mime: 'application/rtf', styled: true },
  { id: 'bibtex', label: 'BibTeX', ext: 'bib', mime: 'application/x-bibtex', styled: false },
  { id: 'biblatex', label: 'BibLaTeX', ext: 'bib', mime: 'application/x-bibtex', styled: false },
  { id: 'ris', label: 'RIS', ext: 'ris', mime: 'application/x-research-info-systems', styled: false },
  { id: 'csl-json', label: 'CSL-JSON', ext: 'json', mime: 'application/json', styled: false },
];

export const formatInfo = (f: ExportFormat) => FORMATS.find((x) => x.id === f) ?? FORMATS[0];

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadPrefs(): ExportPrefs {
  try {
    const raw = storage()?.getItem(PREFS_KEY);
    if (!raw) return { ...DEFAULT_PREFS };
    const o = JSON.parse(raw) as Partial<ExportPrefs>;
    return {
      format: FORMATS.some((f) => f.id === o.format) ? (o.format as ExportFormat) : DEFAULT_PREFS.format,
      style: typeof o.style === 'string' && o.style ? o.style : DEFAULT_PREFS.style,
      styleTitle: typeof o.style === 'string' && o.style ? (typeof o.styleTitle === 'string' ? o.styleTitle : '') : DEFAULT_PREFS.styleTitle,
      locale: typeof o.locale === 'string' ? o.locale : '',
      latex: o.latex === true,
    };
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function savePrefs(p: ExportPrefs): void {
  try {
    storage()?.setItem(PREFS_KEY, JSON.stringify(p));
  } catch {
    /* private mode, full: not remembered */
  }
}

/** A file name for an export: the scope's name, made safe, with the format's extension. */
export function fileName(base: string, format: ExportFormat): string {
  const safe = base.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').replace(/\s+/g, ' ').trim().replace(/^\.+/, '').slice(0, 80) || 'export';
  return `${safe}.${formatInfo(format).ext}`;
}
