// The ONLY module that talks to the backend. In the Tauri webview it uses
// `invoke` (each command takes its args object as the single `args`
// parameter) and the opener plugin; in a plain browser it POSTs to
// `ibid serve` on the same origin at /api/cmd/<name>.
import type { ApiErrorShape, ArgsOf, CommandName, ResultOf } from './lib/types';

/** An error from the backend (or the transport), with a stable `code`. */
export class ApiError extends Error implements ApiErrorShape {
  code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

export interface Bridge {
  /** 'tauri' in the desktop window, 'http' in a plain browser. */
  readonly kind: 'tauri' | 'http';
  call<N extends CommandName>(name: N, args: ArgsOf<N>): Promise<ResultOf<N>>;
  /** Whether files can be opened with the OS (only in the desktop app). */
  readonly canOpenFiles: boolean;
  openPath(path: string): Promise<void>;
  openUrl(url: string): Promise<void>;
  /**
   * Calls `cb` whenever the system-wide quick-lookup shortcut is pressed (the
   * desktop app shows and focuses the window first); returns the unsubscribe.
   * In a plain browser there is no such shortcut: a no-op.
   */
  onQuickLookup(cb: () => void): () => void;
}

/** The event the desktop app emits when its quick-lookup shortcut is pressed (src-tauri/src/shortcut.rs). */
export const QUICK_LOOKUP_EVENT = 'quick-lookup';

/** Turns whatever was thrown or returned as an error into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as { code: unknown; message: unknown };
    return new ApiError(String(o.code), String(o.message));
  }
  if (typeof e === 'string') {
    // Tauri may hand back a serialized error.
    try {
      const o = JSON.parse(e);
      if (o && typeof o === 'object' && 'code' in o) return toApiError(o);
    } catch {
      /* plain text */
    }
    return new ApiError('internal', e);
  }
  if (e instanceof Error) return new ApiError('network', e.message);
  return new ApiError('internal', String(e));
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export function httpBridge(fetchImpl: FetchLike = (i, init) => fetch(i, init), base = ''): Bridge {
  return {
    kind: 'http',
    canOpenFiles: false,
    async call(name, args) {
      let res: Response;
      try {
        res = await fetchImpl(`${base}/api/cmd/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args ?? {}),
        });
      } catch (e) {
        throw new ApiError('network', `cannot reach Ibid: ${e instanceof Error ? e.message : String(e)}`);
      }
      const text = await res.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = undefined;
      }
      if (!res.ok) {
        if (body && typeof body === 'object' && 'code' in body) throw toApiError(body);
        throw new ApiError(res.status === 403 ? 'forbidden_origin' : 'http', `HTTP ${res.status}: ${text.slice(0, 200)}`);
      }
      if (body === undefined) throw new ApiError('internal', `${name}: the answer was not JSON`);
      return body as never;
    },
    async openPath() {
      throw new ApiError('unsupported', 'opening files needs the desktop app');
    },
    async openUrl(url) {
      window.open(url, '_blank', 'noopener,noreferrer');
    },
    onQuickLookup() {
      return () => {};
    },
  };
}

export function tauriBridge(): Bridge {
  return {
    kind: 'tauri',
    canOpenFiles: true,
    async call(name, args) {
      const { invoke } = await import('@tauri-apps/api/core');
      try {
        return (await invoke(name, { args: args ?? {} })) as never;
      } catch (e) {
        throw toApiError(e);
      }
    },
    async openPath(path) {
      const { openPath } = await import('@tauri-apps/plugin-opener');
      try {
        await openPath(path);
      } catch (e) {
        throw toApiError(e);
      }
    },
    async openUrl(url) {
      const { openUrl } = await import('@tauri-apps/plugin-opener');
      try {
        await openUrl(url);
      } catch (e) {
        throw toApiError(e);
      }
    },
    onQuickLookup(cb) {
      let unlisten: (() => void) | null = null;
      let stopped = false;
      void import('@tauri-apps/api/event')
        .then(({ listen }) => listen(QUICK_LOOKUP_EVENT, () => cb()))
        .then((un) => {
          if (stopped) un();
          else unlisten = un;
        })
        .catch((e: unknown) => console.warn('quick-lookup shortcut: cannot listen', e));
      return () => {
        stopped = true;
        unlisten?.();
      };
    },
  };
}

/** Picks the implementation: Tauri when its internals are injected. */
export function selectBridge(win: object = window): Bridge {
  return '__TAURI_INTERNALS__' in win ? tauriBridge() : httpBridge();
}

let current: Bridge | null = null;

export function bridge(): Bridge {
  if (!current) current = selectBridge();
  return current;
}

/** For tests: use a fake backend. */
export function setBridge(b: Bridge | null): void {
  current = b;
}

export function call<N extends CommandName>(name: N, args: ArgsOf<N>): Promise<ResultOf<N>> {
  return bridge().call(name, args);
}
