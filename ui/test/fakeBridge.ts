// A stand-in for the backend in Vitest: every call is recorded, and
// `answer(name, args)` gives the result (or throws `{code, message}` as the
// real bridge does). Each test file says what its commands answer.
// `pressQuickLookup()` is the desktop's system-wide shortcut being pressed.
import type { Bridge } from '../src/bridge';

export type Call = { name: string; args: Record<string, unknown> };

export function recordingBridge(
  answer: (name: string, args: Record<string, unknown>) => unknown,
  { kind = 'http' }: { kind?: Bridge['kind'] } = {},
): { bridge: Bridge; calls: Call[]; pressQuickLookup(): void } {
  const calls: Call[] = [];
  const listeners = new Set<() => void>();
  const bridge: Bridge = {
    kind,
    canOpenFiles: kind === 'tauri',
    openPath: async () => {},
    openUrl: async () => {},
    async call(name, args) {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ name, args: a });
      return answer(name, a) as never;
    },
    onQuickLookup(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
  return { bridge, calls, pressQuickLookup: () => listeners.forEach((cb) => cb()) };
}
