import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { EditableField } from '../src/components/EditableField';
import { mountPointEachTest } from './mount';

let root!: HTMLElement;
mountPointEachTest((el) => (root = el));

const q = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

async function type(el: HTMLElement, value: string) {
  await act(() => {
    (el as HTMLInputElement).value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
async function key(el: HTMLElement, k: string) {
  await act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  });
}

describe('EditableField', () => {
  it('click to edit, Enter saves the trimmed value', async () => {
    const onSave = vi.fn(async () => null);
    await act(() => render(<EditableField def={{ name: 'publisher-place', label: 'Place' }} value="Peking" onSave={onSave} />, root));
    expect(q('value-publisher-place')!.textContent).toBe('Peking');
    await act(() => q('value-publisher-place')!.click());
    const input = q('input-publisher-place')!;
    expect((input as HTMLInputElement).value).toBe('Peking');
    await type(input, ' Beijing ');
    await key(input, 'Enter');
    await flush();
    expect(onSave).toHaveBeenCalledWith('Beijing');
    expect(q('input-publisher-place')).toBeNull();
  });

  it('Escape cancels, and the blur that follows does not save', async () => {
    const onSave = vi.fn(async () => null);
    await act(() => render(<EditableField def={{ name: 'publisher', label: 'Publisher' }} value="Old" onSave={onSave} />, root));
    await act(() => q('value-publisher')!.click());
    const input = q('input-publisher')!;
    await type(input, 'New');
    await key(input, 'Escape');
    await act(() => {
      input.dispatchEvent(new FocusEvent("blur"));
    });
    await flush();
    expect(onSave).not.toHaveBeenCalled();
    expect(q('value-publisher')!.textContent).toBe('Old');
  });

  it('validates before sending and shows the problem next to the field', async () => {
    const onSave = vi.fn(async () => null);
    await act(() => render(<EditableField def={{ name: 'ISBN', label: 'ISBN' }} value="" onSave={onSave} />, root));
    await act(() => q('value-ISBN')!.click());
    await type(q('input-ISBN')!, '978-0-00-000000-1');
    await key(q('input-ISBN')!, 'Enter');
    await flush();
    expect(onSave).not.toHaveBeenCalled();
    expect(q('error-ISBN')!.textContent).toMatch(/ISBN-13/);
    expect(q('input-ISBN')!.getAttribute('aria-invalid')).toBe('true');
  });

  it('shows a server error by the field and stays in the editor', async () => {
    const onSave = vi.fn(async () => ({ message: 'unknown language code' }));
    await act(() => render(<EditableField def={{ name: 'language', label: 'Language' }} value="en" onSave={onSave} />, root));
    await act(() => q('value-language')!.click());
    await type(q('input-language')!, 'xx-bad');
    await key(q('input-language')!, 'Enter');
    await flush();
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(q('error-language')!.textContent).toBe('unknown language code');
    expect(q('input-language')).not.toBeNull();
  });

  it('an inherited value offers to edit the container instead', async () => {
    const onOpenParent = vi.fn();
    const onSave = vi.fn(async () => null);
    await act(() =>
      render(<EditableField def={{ name: 'publisher', label: 'Publisher' }} value="Palgrave" inheritedFrom="the book" onOpenParent={onOpenParent} onSave={onSave} />, root),
    );
    expect(q('value-publisher')!.textContent).toContain('from the book');
    await act(() => q('value-publisher')!.click());
    expect(q('input-publisher')).toBeNull();
    await act(() => q('edit-parent-publisher')!.click());
    expect(onOpenParent).toHaveBeenCalled();
  });

  it('renders markup values through the sanitizer', async () => {
    await act(() =>
      render(<EditableField def={{ name: 'title', label: 'Title', markup: true }} value={'<i>ok</i><img src=x onerror="x()"><script>y()</script>'} onSave={async () => null} />, root),
    );
    const v = q('value-title')!;
    expect(v.querySelector('i')!.textContent).toBe('ok');
    expect(v.querySelector('img, script')).toBeNull();
  });
});
