import { afterEach, describe, expect, it } from 'vitest';
import { defuseHandlers, plainText, renderMarkdown, sanitizeInline } from '../src/lib/sanitize';

function mount(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  document.body.appendChild(div);
  return div;
}

afterEach(() => {
  document.body.innerHTML = '';
  delete (window as unknown as Record<string, unknown>).__pwned;
});

describe('inline sanitizer (titles, abstracts)', () => {
  it('keeps the publisher markup whitelist', () => {
    const out = sanitizeInline('A <i>b</i> <b>c</b> H<sub>2</sub>O x<sup>2</sup> <em>e</em> <strong>s</strong> <span>p</span>');
    expect(out).toBe('A <i>b</i> <b>c</b> H<sub>2</sub>O x<sup>2</sup> <em>e</em> <strong>s</strong> <span>p</span>');
  });

  it('turns <sc> into a span with a class', () => {
    expect(sanitizeInline('The <sc>Cold War</sc>')).toBe('The <span class="sc">Cold War</span>');
  });

  it('drops every attribute, even on allowed tags', () => {
    expect(sanitizeInline('<i class="x" style="color:red" onclick="alert(1)">t</i><span id="a" title="b">u</span>')).toBe('<i>t</i><span>u</span>');
  });

  it('leaves <script> and its content out', () => {
    const out = sanitizeInline('Bad <script>window.__pwned=2</script><i>ok</i>');
    expect(out).toBe('Bad <i>ok</i>');
    const el = mount(out);
    expect(el.querySelector('script')).toBeNull();
  });

  it('drops <img onerror> and other elements, keeping harmless text', () => {
    const hostile = '<img src=x onerror="window.__pwned=1">Bad <script>window.__pwned=2</script><i>ok</i>';
    const out = sanitizeInline(hostile);
    expect(out).not.toMatch(/img|onerror|script|pwned/i);
    const el = mount(out);
    expect(el.querySelector('i')?.textContent).toBe('ok');
    expect(el.textContent).toBe('Bad ok');
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
  });

  it('drops links, keeping their text (no javascript: anywhere)', () => {
    const out = sanitizeInline('<a href="javascript:alert(1)">click</a> <svg onload=alert(1)><i>x</i></svg> <iframe src="javascript:1"></iframe>');
    expect(out).not.toMatch(/javascript|href|svg|iframe|onload/i);
    expect(out).toContain('click');
  });

  it('survives unbalanced and broken markup', () => {
    const el = mount(sanitizeInline('<i>open <b>both</i> end'));
    expect(el.textContent).toBe('open both end');
    expect(el.querySelectorAll('*').length).toBeGreaterThan(0);
    expect(sanitizeInline('</i>stray close<')).not.toContain('</i>stray');
    const weird = sanitizeInline('<<script>script>alert(1)<</script>/script>');
    expect(mount(weird).querySelector('script')).toBeNull();
    expect(sanitizeInline('<i onmouseover=alert(1)//x>t')).toBe('<i>t</i>');
  });

  it('renames handler attributes before parsing (no CSP noise), leaving text alone', () => {
    expect(defuseHandlers('<img src=x onerror="a()" onload=b()>')).toBe('<img src=x data-defused-onerror="a()" data-defused-onload=b()>');
    expect(defuseHandlers('<svg/onload=alert(1)>')).toBe('<svg/data-defused-onload=alert(1)>');
    expect(defuseHandlers('Working on=site notes, <i>online</i>')).toBe('Working on=site notes, <i>online</i>');
    expect(sanitizeInline('<b ONCLICK="x()">t</b>')).toBe('<b>t</b>');
  });

  it('escapes plain text with special characters', () => {
    expect(sanitizeInline('Cats & dogs')).toBe('Cats &amp; dogs');
    expect(sanitizeInline('a < b')).toBe('a &lt; b');
    expect(sanitizeInline('')).toBe('');
  });

  it('gives plain text for labels', () => {
    expect(plainText('<i>Uncertain</i> Partners<script>x()</script>')).toBe('Uncertain Partners');
    expect(plainText('plain')).toBe('plain');
  });
});

describe('notes: Markdown then the sanitizer', () => {
  it('renders Markdown structure', () => {
    const el = mount(renderMarkdown('# Head\n\nSome *em* and **strong**.\n\n- one\n- two\n\n> quoted\n\n```\ncode\n```\n\n1. first'));
    expect(el.querySelector('h1')?.textContent).toBe('Head');
    expect(el.querySelector('em')?.textContent).toBe('em');
    expect(el.querySelectorAll('ul li').length).toBe(2);
    expect(el.querySelector('blockquote')).not.toBeNull();
    expect(el.querySelector('pre code')?.textContent).toBe('code\n');
    expect(el.querySelector('ol li')?.textContent).toBe('first');
  });

  it('keeps http(s) links, opening elsewhere, and strips javascript: ones', () => {
    const el = mount(renderMarkdown('[good](https://example.org/x) [bad](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">raw</a> [data](data:text/html,hi)'));
    const links = Array.from(el.querySelectorAll('a'));
    expect(links.length).toBe(4);
    expect(links[0].getAttribute('href')).toBe('https://example.org/x');
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer');
    for (const a of links.slice(1)) expect(a.hasAttribute('href')).toBe(false);
    expect(el.innerHTML).not.toMatch(/javascript|data:/i);
  });

  it('drops raw HTML that is not allowed', () => {
    const el = mount(renderMarkdown('Hi <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> <b onclick="x()">b</b>'));
    expect(el.querySelector('img, script')).toBeNull();
    expect(el.querySelector('b')?.hasAttribute('onclick')).toBe(false);
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
  });
});
