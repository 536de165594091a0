// Checks run before a field is sent with update_field. Each returns null when
// the value is fine, or a message saying what to type instead.

export type Validator = (value: string) => string | null;

const DATE_RE = /^(-?\d{1,4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** YYYY, YYYY-MM or YYYY-MM-DD (a real day). Empty clears. */
export function validateDate(value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  const m = DATE_RE.exec(v);
  if (!m || m[1].replace('-', '').length !== 4) return 'Use a date like 2020, 2020-05 or 2020-05-01.';
  const year = Number(m[1]);
  if (m[2] !== undefined) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return `There is no month ${m[2]}: use 01 to 12.`;
    if (m[3] !== undefined) {
      const day = Number(m[3]);
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      const max = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
      if (day < 1 || day > max) return `${m[1]}-${m[2]} has no day ${m[3]}.`;
    }
  }
  return null;
}

/** The digits (and a final X) of an ISBN, without hyphens or spaces. */
export function isbnDigits(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

export function isValidIsbn10(d: string): boolean {
  if (!/^\d{9}[\dX]$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (d[i] === 'X' ? 10 : Number(d[i])) * (10 - i);
  return sum % 11 === 0;
}

export function isValidIsbn13(d: string): boolean {
  if (!/^97[89]\d{10}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

/** One or more ISBN-10/13, separated by commas or semicolons. Empty clears. */
export function validateIsbn(value: string): string | null {
  const parts = value.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
  for (const p of parts) {
    const d = isbnDigits(p);
    if (d.length === 10) {
      if (!isValidIsbn10(d)) return `${p} is not a valid ISBN-10 (check digit or characters).`;
    } else if (d.length === 13) {
      if (!isValidIsbn13(d)) return `${p} is not a valid ISBN-13 (check digit, or it does not start with 978/979).`;
    } else {
      return `${p} is not an ISBN: use 10 or 13 digits, e.g. 978-0-8047-2521-4.`;
    }
  }
  return null;
}

const DOI_RE = /^10\.\d{4,9}\/\S+$/;

/** 10.NNNN/suffix, or the same behind a doi.org URL or a doi: prefix. Empty clears. */
export function validateDoi(value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  const bare = v.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '').replace(/^doi:\s*/i, '');
  if (DOI_RE.test(bare)) return null;
  return 'A DOI looks like 10.1234/abc (or https://doi.org/10.1234/abc).';
}

export function validateUrl(value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return null;
  } catch {
    /* fall through */
  }
  return 'Use a full web address starting with http:// or https://.';
}

export function validateRequired(value: string): string | null {
  return value.trim() ? null : 'This field cannot be empty.';
}

const VALIDATORS: Record<string, Validator> = {
  issued: validateDate,
  accessed: validateDate,
  'original-date': validateDate,
  'event-date': validateDate,
  submitted: validateDate,
  ISBN: validateIsbn,
  DOI: validateDoi,
  URL: validateUrl,
  title: validateRequired,
};

/** The check for a CSL field, if it has one. */
export function validateField(field: string, value: string): string | null {
  const v = VALIDATORS[field];
  return v ? v(value) : null;
}
