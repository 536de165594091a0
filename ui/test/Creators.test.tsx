import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { Creators } from '../src/components/Creators';
import type { CslItem } from '../src/lib/types';
import { mountPointEachTest } from './mount';

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

const own = (): CslItem =>
  ({ id: 'K1', type: 'book', title: 'Uncertain Partners', author: [{ family: 'Goncharov', given: 'Sergei' }, { family: 'Lewis', given: 'John' }, { family: 'Xue', given: 'Litai' }] }) as CslItem;

const show = (item: CslItem) =>
  act(() => render(<Creators itemKey="K1" item={item} own={item} inheritedFrom="" onSave={async () => null} />, root));

describe('Creators editor', () => {
  // A CI run of the e2e test "creators: add a person…" lost its new row: the answer to the save
  // before arrived after "+ Person" and the reload replaced the list.
  it('keeps a row being added when the work reloads (the answer to an earlier save)', async () => {
    await show(own());
    expect(root.querySelectorAll('[data-testid="creator"]').length).toBe(3);
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid="add-creator"]')!.click());
    expect(root.querySelectorAll('[data-testid="creator"]').length).toBe(4);
    await show(own()); // the same work, a new object: what a reload gives
    expect(root.querySelectorAll('[data-testid="creator"]').length).toBe(4);
    // Another work: its own creators only.
    await act(() => render(<Creators itemKey="K2" item={own()} own={own()} inheritedFrom="" onSave={async () => null} />, root));
    expect(root.querySelectorAll('[data-testid="creator"]').length).toBe(3);
  });
});
