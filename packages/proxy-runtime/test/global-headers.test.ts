// Global header actions (OpenShift's ROUTER_HTTP_REQUEST_HEADERS / ROUTER_HTTP_RESPONSE_HEADERS):
// frontend rules, so on requests they act before the route's own actions (the route wins), and
// on responses after them (the global action wins), as HAProxy orders frontend and backend rules.
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, isProxyRuntimeError, type ProxyRuntime } from '../src/index.ts';
import { backendFor, get, route, table } from './helpers.ts';

let echo: EchoServer;
let rt: ProxyRuntime;
let port: number;

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'a' });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    requestHeaders: [
      { type: 'Set', name: 'X-Global', value: 'from-router' },
      { type: 'Set', name: 'X-Shared', value: 'global' },
      { type: 'Delete', name: 'X-Secret' },
      { type: 'Set', name: 'X-Unicode', value: 'prix €5' },
    ],
    responseHeaders: [
      { type: 'Set', name: 'X-Frame-Options', value: 'DENY' },
      { type: 'Set', name: 'X-Resp', value: 'global' },
    ],
    table: table([
      ...backendFor('a', [echo.port]),
      route('plain', { host: 'plain.test', to: { kind: 'Service', name: 'a' } }),
      route('own', {
        host: 'own.test',
        to: { kind: 'Service', name: 'a' },
        httpHeaders: {
          actions: {
            request: [{ name: 'X-Shared', action: { type: 'Set', set: { value: 'route' } } }],
            response: [{ name: 'X-Resp', action: { type: 'Set', set: { value: 'route' } } }],
          },
        },
      }),
    ]),
  });
  port = (await rt.listen()).httpPort as number;
});
afterAll(async () => {
  await rt.close({ graceMs: 10 });
  await echo.close();
});

describe('global header actions', () => {
  it('set and delete request headers on every route, and set response headers', async () => {
    const r = await get(port, 'plain.test', '/', { 'x-secret': 'token', 'x-global': 'client' });
    const seen = r.json?.headers ?? {};
    expect(seen['x-global']).toBe('from-router');
    expect(seen['x-secret']).toBeUndefined();
    // Sent as its UTF-8 bytes, as HAProxy sends it.
    expect(Buffer.from(String(seen['x-unicode']), 'latin1').toString('utf8')).toBe('prix €5');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-resp']).toBe('global');
  });

  it("on requests the route's action wins; on responses the global one does", async () => {
    const r = await get(port, 'own.test', '/');
    expect(r.json?.headers?.['x-shared']).toBe('route');
    expect(r.headers['x-resp']).toBe('global');
  });

  it.each([
    [{ requestHeaders: [{ type: 'Set', name: 'Bad Name', value: 'x' }] }, 'requestHeaders[0].name'],
    [{ responseHeaders: [{ type: 'Set', name: 'X-A', value: '' }] }, 'responseHeaders[0].value'],
    [{ requestHeaders: [{ type: 'Append', name: 'X-A', value: 'v' }] }, 'requestHeaders[0].type'],
  ])('refuses %j, naming %s', (options, field) => {
    let error: unknown;
    try {
      createProxyRuntime({ httpPort: false, httpsPort: false, ...(options as object) });
    } catch (e) {
      error = e;
    }
    expect(isProxyRuntimeError(error) && error.code).toBe('ERR_PROXY_RUNTIME_INVALID_OPTION');
    expect((error as Error).message).toContain(`ProxyRuntimeOptions.${field}:`);
  });
});
