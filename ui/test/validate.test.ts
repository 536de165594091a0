import { describe, expect, it } from 'vitest';
import { isValidIsbn10, isValidIsbn13, validateDate, validateDoi, validateField, validateIsbn, validateUrl } from '../src/lib/validate';

describe('dates', () => {
  it('accepts YYYY, YYYY-MM, YYYY-MM-DD and empty', () => {
    for (const ok of ['2020', '2020-05', '2020-05-01', '1961', '2024-02-29', '2000-02-29', '']) expect(validateDate(ok), ok).toBeNull();
  });
  it('rejects other shapes and impossible dates', () => {
    for (const bad of ['20', '2020-5', '2020/05/01', 'May 2020', '2020-13', '2020-00', '2021-02-29', '1900-02-29', '2020-04-31', '2020-05-00', '2020-05-01x']) {
      expect(validateDate(bad), bad).not.toBeNull();
    }
  });
});

describe('ISBN', () => {
  it('checks ISBN-10 and ISBN-13 check digits', () => {
    expect(isValidIsbn10('0804725217')).toBe(true);
    expect(isValidIsbn10('0804725218')).toBe(false);
    expect(isValidIsbn10('080442957X')).toBe(true);
    expect(isValidIsbn13('9789811386404')).toBe(true);
    expect(isValidIsbn13('9789811386405')).toBe(false);
    expect(isValidIsbn13('1234567890128')).toBe(false); // not 978/979
  });
  it('takes hyphens, spaces and lists', () => {
    expect(validateIsbn('978-981-13-8640-4')).toBeNull();
    expect(validateIsbn('9789811386404, 9789811386411')).toBeNull();
    expect(validateIsbn('0-8047-2521-7; 978-981-13-8641-1')).toBeNull();
    expect(validateIsbn('')).toBeNull();
    expect(validateIsbn('978-981-13-8640-5')).toMatch(/ISBN-13/);
    expect(validateIsbn('0-8047-2521-8')).toMatch(/ISBN-10/);
    expect(validateIsbn('12345')).toMatch(/10 or 13 digits/);
    expect(validateIsbn('9789811386404, 123')).toMatch(/123/);
  });
});

describe('DOI', () => {
  it('accepts a DOI, a doi.org URL and doi: prefix', () => {
    for (const ok of ['10.1007/978-981-13-8641-1_7', 'https://doi.org/10.1162/152039703322483783', 'http://dx.doi.org/10.1000/xyz', 'doi:10.1000/abc', '']) {
      expect(validateDoi(ok), ok).toBeNull();
    }
  });
  it('rejects other shapes', () => {
    for (const bad of ['10.1/x', '11.1000/abc', '10.1000', '10.1000/', 'https://example.org/10.1000/x', 'doi 10.1000/x y']) {
      expect(validateDoi(bad), bad).not.toBeNull();
    }
  });
});

describe('field dispatch', () => {
  it('checks the fields that have rules and lets others through', () => {
    expect(validateField('issued', '2020-99')).not.toBeNull();
    expect(validateField('ISBN', 'abc')).not.toBeNull();
    expect(validateField('DOI', 'nope')).not.toBeNull();
    expect(validateField('title', '  ')).not.toBeNull();
    expect(validateField('publisher-place', 'anything at all')).toBeNull();
    expect(validateUrl('ftp://x')).not.toBeNull();
    expect(validateUrl('https://example.org')).toBeNull();
  });
});
