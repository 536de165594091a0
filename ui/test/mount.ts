import { render } from 'preact';
import { afterEach, beforeAll, beforeEach } from 'vitest';

/**
 * A fresh element in the document for each test (handed to `set`), with
 * whatever was rendered into it unmounted and the element removed after it.
 */
export function mountPointEachTest(set: (el: HTMLElement) => void): void {
  let el: HTMLElement | null = null;
  beforeEach(() => {
    el = document.createElement('div');
    document.body.appendChild(el);
    set(el);
  });
  afterEach(() => {
    if (!el) return;
    render(null, el);
    el.remove();
    el = null;
  });
}

/** jsdom has no ResizeObserver, which the App's list uses: a do-nothing one. */
export function stubResizeObserver(): void {
  beforeAll(() => {
    (globalThis as Record<string, unknown>).ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  });
}
