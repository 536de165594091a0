// A stand-in for the backend in Vitest: every call is recorded, and
// `answer(name, args)` gives the result (or throws `{code, message}` as the
// real bridge does). Each test file says what its commands answer.
import type { Bridge } from '../src/bridge';

export type Call = { name: string; args: Record<string, unknown> };

export function recordingBridge(answer: (name: string, args: Record<string, unknown>) => unknown): { bridge: Bridge; calls: Call[] } {
  const calls: Call[] = [];
  const bridge: Bridge = {
    kind: 'http',
    canOpenFiles: false,
    openPath: async () => {},
    openUrl: async () => {},
    async call(name, args) {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ name, args: a });
      return answer(name, a) as never;
    },
  };
  return { bridge, calls };
}
