import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { get, proxyTo, sleep, table } from './helpers.ts';

describe('close()', () => {
  it('stops accepting, lets an in-flight request finish, then resolves', async () => {
    const slow: Server = createServer((_req, res) => {
      setTimeout(() => res.end('late'), 300);
    });
    const { rt, port } = await proxyTo('slow', slow);
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
