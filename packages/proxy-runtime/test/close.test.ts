import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createProxyRuntime } from '../src/index.ts';
import { backendFor, get, route, sleep, table } from './helpers.ts';

describe('close()', () => {
  it('stops accepting, lets an in-flight request finish, then resolves', async () => {
    const slow: Server = createServer((_req, res) => {
      setTimeout(() => res.end('late'), 300);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const rt = createProxyRuntime({
      host: '127.0.0.1',
      httpPort: 0,
      httpsPort: false,
      table: table([
        ...backendFor('slow', [(slow.address() as AddressInfo).port]),
        route('slow', { host: 'slow.test', to: { kind: 'Service', name: 'slow' } }),
      ]),
    });
    const port = (await rt.listen()).httpPort as number;
    const pending = get(port, 'slow.test', '/');
    await sleep(50);
    const closing = rt.close({ graceMs: 5_000 });
    await sleep(20);
    await expect(get(port, 'slow.test', '/')).rejects.toThrow();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body).toBe('late');
    await closing;
    await expect(rt.listen()).rejects.toMatchObject({ code: 'ERR_PROXY_RUNTIME_STATE' });
    await expect(rt.update(table([]))).rejects.toMatchObject({ code: 'ERR_PROXY_RUNTIME_STATE' });
    await new Promise((r2) => slow.close(() => r2(undefined)));
  });
});
