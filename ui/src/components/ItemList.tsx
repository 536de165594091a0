import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { KeyList } from '../lib/keys';
import type { RowCache } from '../lib/rowcache';
import * as S from '../lib/selection';
import type { SortKey } from '../lib/types';
import { computeWindow, pageSize, scrollToReveal } from '../lib/virtual';
import { formatAdded, typeLabel } from '../lib/csl';
import { Markup } from './Markup';

export const ROW_HEIGHT = 28;

/**
 * The first time the list shows rows with their text (after launch), the page
 * gets the performance marks `ibid:list-rows` (those rows are in the DOM) and
 * `ibid:list-drawn` (after the next frame, in the first task after it: the
 * rows are on screen and the page takes input). The desktop benchmark
 * (ui/bench/desktop-bench.mjs) times the launch by them.
 */
export const LIST_ROWS_MARK = 'ibid:list-rows';
export const LIST_DRAWN_MARK = 'ibid:list-drawn';
let listDrawnMarked = false;

function markListDrawn() {
  if (listDrawnMarked || typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  listDrawnMarked = true;
  performance.mark(LIST_ROWS_MARK);
  const drawn = () => setTimeout(() => performance.mark(LIST_DRAWN_MARK), 0);
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(drawn);
  else drawn();
}
export const DRAG_TYPE = 'application/x-ibid-keys';

export interface Column {
  id: SortKey;
  label: string;
}

export const COLUMNS: Column[] = [
  { id: 'title', label: 'Title' },
  { id: 'creator', label: 'Creators' },
  { id: 'year', label: 'Year' },
  { id: 'type', label: 'Type' },
  { id: 'added', label: 'Date added' },
];

export interface ItemListProps {
  keys: KeyList;
  cache: RowCache;
  /** Bumps when the cache changed. */
  cacheVersion: number;
  selection: S.Selection;
  onSelection(sel: S.Selection): void;
  sort: { key: SortKey; desc: boolean };
  /** Sorting is by relevance (search results) until a header is clicked. */
  sortActive: boolean;
  onSort(key: SortKey): void;
  onOpen(): void;
  onDelete(): void;
  /** Escape in the list (clears the search). */
  onEscape(): void;
  /** Keys being dragged: the selection (after the row was selected). */
  dragKeys(): string[];
  gridRef?: { current: HTMLDivElement | null };
  label: string;
  /** Changes when the list is another one (scope, sort, search): back to the top. */
  scrollKey: string;
}

export function ItemList(p: ItemListProps) {
  const viewport = useRef<HTMLDivElement | null>(null);
  const header = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [size, setSize] = useState({ height: 400, header: ROW_HEIGHT });
  const count = p.keys.count;
  const vh = Math.max(ROW_HEIGHT, size.height - size.header);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const measure = () => setSize({ height: el.clientHeight, header: header.current?.offsetHeight ?? ROW_HEIGHT });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Another list starts at the top (a reload of the same list keeps its place).
  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [p.scrollKey]);

  const win = computeWindow({ count, rowHeight: ROW_HEIGHT, viewportHeight: vh, scrollTop, overscan: 10 });
  const visibleKeys = p.keys.slice(win.start, win.end);

  useEffect(() => {
    p.cache.request(visibleKeys);
  });

  // Keep the focused row in view when the keyboard moves it.
  const lastFocus = useRef(-1);
  useEffect(() => {
    const f = p.selection.focus;
    if (f === lastFocus.current) return;
    lastFocus.current = f;
    if (f < 0 || !viewport.current) return;
    const st = scrollToReveal(f, { count, rowHeight: ROW_HEIGHT, viewportHeight: vh, scrollTop: viewport.current.scrollTop });
    if (st !== null) {
      viewport.current.scrollTop = st;
      setScrollTop(viewport.current.scrollTop);
    }
  }, [p.selection.focus, count, vh]);

  const onKeyDown = (e: KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    const nav: Record<string, S.NavKey> = {
      ArrowUp: 'up', ArrowDown: 'down', Home: 'home', End: 'end', PageUp: 'pageup', PageDown: 'pagedown',
    };
    if (nav[e.key]) {
      e.preventDefault();
      p.onSelection(S.navigate(p.selection, nav[e.key], count, pageSize(vh, ROW_HEIGHT), e.shiftKey));
    } else if (mod && (e.key === 'a' || e.key === 'A')) {
      e.preventDefault();
      p.onSelection(S.selectAll(count, p.selection));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      p.onOpen();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && !mod) {
      e.preventDefault();
      p.onDelete();
    } else if (e.key === 'Escape') {
      p.onEscape();
    } else if (e.key === ' ' && mod && p.selection.focus >= 0) {
      e.preventDefault();
      p.onSelection(S.toggle(p.selection, p.selection.focus));
    }
  };

  const onRowClick = (i: number, e: MouseEvent) => {
    if (e.shiftKey) p.onSelection(S.shiftClick(p.selection, i));
    else if (e.ctrlKey || e.metaKey) p.onSelection(S.toggle(p.selection, i));
    else p.onSelection(S.click(p.selection, i));
    viewport.current?.focus({ preventScroll: true });
  };

  const onDragStart = (i: number, e: DragEvent) => {
    let sel = p.selection;
    if (!S.isSelected(sel, i)) {
      sel = S.click(sel, i);
      p.onSelection(sel);
    }
    const keys = S.isSelected(p.selection, i) ? p.dragKeys() : [p.keys.at(i)];
    if (!e.dataTransfer) return;
    e.dataTransfer.effectAllowed = 'copyLink';
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(keys));
    e.dataTransfer.setData('text/plain', keys.join('\n'));
    document.body.classList.add('dragging-items');
  };

  const focusId = p.selection.focus >= 0 && p.selection.focus >= win.start && p.selection.focus < win.end ? `row-${p.selection.focus}` : undefined;

  const rows = [];
  let withText = 0;
  for (let i = win.start; i < win.end; i++) {
    const key = visibleKeys[i - win.start];
    const row = p.cache.get(key);
    if (row) withText++;
    const selected = S.isSelected(p.selection, i);
    const focused = p.selection.focus === i;
    rows.push(
      <div
        key={key}
        id={`row-${i}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={selected}
        class={`row${selected ? ' selected' : ''}${focused ? ' focused' : ''}${i % 2 ? ' odd' : ''}`}
        data-testid="row"
        data-key={key}
        data-index={i}
        draggable
        onClick={(e) => onRowClick(i, e)}
        onDblClick={() => p.onOpen()}
        onDragStart={(e) => onDragStart(i, e)}
        onDragEnd={() => document.body.classList.remove('dragging-items')}
      >
        {row ? (
          <>
            <div role="gridcell" class="cell title" title={row.title.replace(/<[^>]*>/g, '')}>
              {row.title ? <Markup html={row.title} /> : <span class="untitled">(no title)</span>}
            </div>
            <div role="gridcell" class="cell creators">{row.creators}</div>
            <div role="gridcell" class="cell year">{row.year ?? ''}</div>
            <div role="gridcell" class="cell type">{typeLabel(row.type)}</div>
            <div role="gridcell" class="cell added">{formatAdded(row.added)}</div>
          </>
        ) : (
          <div role="gridcell" class="cell loading" aria-busy="true">
            <span class="placeholder" />
          </div>
        )}
      </div>,
    );
  }

  useLayoutEffect(() => {
    if (withText > 0) markListDrawn();
  });

  return (
    <div
      class="grid"
      role="grid"
      aria-label={p.label}
      aria-rowcount={count + 1}
      aria-colcount={COLUMNS.length}
      aria-multiselectable="true"
      aria-activedescendant={focusId}
      tabIndex={0}
      ref={(el) => {
        viewport.current = el;
        if (p.gridRef) p.gridRef.current = el;
      }}
      data-testid="item-list"
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div class="row header" role="row" aria-rowindex={1} ref={header}>
        {COLUMNS.map((c) => {
          const active = p.sortActive && p.sort.key === c.id;
          return (
            <div
              role="columnheader"
              class={`cell ${c.id}${active ? ' sorted' : ''}`}
              aria-sort={active ? (p.sort.desc ? 'descending' : 'ascending') : 'none'}
              key={c.id}
            >
              <button type="button" data-testid={`sort-${c.id}`} onClick={() => p.onSort(c.id)} title={`Sort by ${c.label.toLowerCase()}`}>
                {c.label}
                <span class="sort-arrow" aria-hidden="true">{active ? (p.sort.desc ? '▼' : '▲') : ''}</span>
              </button>
            </div>
          );
        })}
      </div>
      {/* Sizes and positions are set through the CSSOM (element.style), which the CSP allows. */}
      <div class="grid-body" style={{ height: `${win.contentHeight}px` }}>
        <div class="rows" style={{ transform: `translateY(${win.offsetTop}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
