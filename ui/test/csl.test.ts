import { describe, expect, it } from 'vitest';
import { allFields, creatorsOf, dateText, inheritedCreators, isInherited, moveItem, toCreatorDtos, validateCreators, valueText } from '../src/lib/csl';

describe('CSL helpers', () => {
  it('shows dates and lists as editable text', () => {
    expect(dateText({ 'date-parts': [[2020]] })).toBe('2020');
    expect(dateText({ 'date-parts': [[2020, 5, 1]] })).toBe('2020-05-01');
    expect(dateText({ 'date-parts': [[1948], [1949]] })).toBe('1948/1949');
    expect(dateText({ raw: 'spring 1950' })).toBe('spring 1950');
    expect(valueText('ISBN', ['9789811386404', '9789811386411'])).toBe('9789811386404, 9789811386411');
    expect(valueText('volume', 4)).toBe('4');
  });

  it('knows inherited fields and creators', () => {
    const item = { title: 'Ch', publisher: 'P', editor: [{ family: 'Shen', given: 'Zhihua' }], author: [{ family: 'A' }] };
    const own = { title: 'Ch', author: [{ family: 'A' }] };
    expect(isInherited('publisher', item, own)).toBe(true);
    expect(isInherited('title', item, own)).toBe(false);
    expect(inheritedCreators(item, own)).toEqual([{ role: 'editor', names: [{ family: 'Shen', given: 'Zhihua' }] }]);
  });

  it('lists the type fields plus any other stored text field', () => {
    const f = allFields('book', { title: 't', 'citation-key': 'k', author: [{ family: 'x' }], id: 'K' }).map((x) => x.name);
    expect(f).toContain('publisher');
    expect(f).toContain('citation-key');
    expect(f).not.toContain('author');
    expect(f).not.toContain('id');
  });

  it('edits creators: parse, validate, reorder, send', () => {
    const list = creatorsOf({ author: [{ family: 'Mao', given: 'Tse-tung' }, { literal: 'CCP Central Committee' }], editor: [{ family: 'E' }] });
    expect(list.map((c) => [c.role, c.institution])).toEqual([['author', false], ['author', true], ['editor', false]]);
    const moved = moveItem(list, 2, 0);
    expect(moved.map((c) => c.role)).toEqual(['editor', 'author', 'author']);
    expect(toCreatorDtos(moved)[2]).toEqual({ role: 'author', literal: 'CCP Central Committee', family: null, given: null });
    expect(validateCreators(moved)).toBeNull();
    moved[0] = { ...moved[0], family: ' ' };
    expect(validateCreators(moved)).toMatch(/Creator 1/);
    expect(moveItem([1, 2, 3], 0, 99)).toEqual([2, 3, 1]);
  });
});
