import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, httpBridge, selectBridge, toApiError } from '../src/bridge';

afterEach(() => vi.restoreAllMocks());

describe('bridge selection', () => {
  it('uses Tauri when its internals are present, HTTP otherwise', () => {
    expect(selectBridge({ __TAURI_INTERNALS__: {} }).kind).toBe('tauri');
    expect(selectBridge({}).kind).toBe('http');
    expect(selectBridge({}).canOpenFiles).toBe(false);
    expect(selectBridge({ __TAURI_INTERNALS__: {} }).canOpenFiles).toBe(true);
  });

  it('calls Tauri invoke with the args object as `args`', async () => {
    const invoke = vi.fn(async () => ({ path: 'p', count: 1, trash_count: 0 }));
    vi.doMock('@tauri-apps/api/core', () => ({ invoke }));
    const { tauriBridge } = await import('../src/bridge');
    const info = await tauriBridge().call('rows', { keys: ['AAAAAAAA'] });
    expect(invoke).toHaveBeenCalledWith('rows', { args: { keys: ['AAAAAAAA'] } });
    expect(info).toEqual({ path: 'p', count: 1, trash_count: 0 });
    invoke.mockRejectedValueOnce({ code: 'not_found', message: 'gone' } as never);
    await expect(tauriBridge().call('get_detail', { key: 'X' })).rejects.toMatchObject({ code: 'not_found', message: 'gone' });
    vi.doUnmock('@tauri-apps/api/core');
  });
});

describe('HTTP bridge', () => {
  it('POSTs JSON to /api/cmd/<name>', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ keys: 'AAAAAAAA', count: 1 }), { status: 200 }));
    const b = httpBridge(fetchImpl);
    const r = await b.call('list_keys', { sort: 'year', desc: true });
    expect(r).toEqual({ keys: 'AAAAAAAA', count: 1 });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/cmd/list_keys');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ sort: 'year', desc: true });
  });

  it('turns {code, message} error bodies into ApiError', async () => {
    const b = httpBridge(async () => new Response(JSON.stringify({ code: 'invalid_input', message: 'bad date' }), { status: 400 }));
    const err = await b.call('update_field', { key: 'K', field: 'issued', value: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe('bad date');
  });

  it('maps transport failures and non-JSON errors to codes', async () => {
    const down = httpBridge(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(down.call('tags', {})).rejects.toMatchObject({ code: 'network' });
    const forbidden = httpBridge(async () => new Response('nope', { status: 403 }));
    await expect(forbidden.call('tags', {})).rejects.toMatchObject({ code: 'forbidden_origin' });
  });

  it('normalizes thrown values', () => {
    expect(toApiError('{"code":"database","message":"locked"}')).toMatchObject({ code: 'database', message: 'locked' });
    expect(toApiError('plain')).toMatchObject({ code: 'internal' });
    expect(toApiError(new Error('x'))).toMatchObject({ code: 'network' });
  });
});
