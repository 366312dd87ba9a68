/**
 * Response bodies reach the client byte for byte, whichever way the request path sends them:
 * joined with the head in one string write (a small body that arrives in one read), as a
 * buffer (over the join limit), or streamed over several reads (chunked or paced).
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { backendFor, route, table } from './helpers.ts';

let backend: Server;
let rt: ProxyRuntime;
let port: number;
/** Bodies the backend serves, by id. */
const bodies = new Map<string, Buffer>();

/** Every byte value, repeated to `size` bytes (so latin1 round trips are exercised). */
function allBytes(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

beforeAll(async () => {
  backend = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = bodies.get(url.searchParams.get('id') ?? '') ?? Buffer.alloc(0);
    const mode = url.searchParams.get('mode');
    if (mode === 'chunked') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Several writes: the runtime sees the body over more than one read.
      const step = Math.max(1, Math.ceil(body.length / 3));
      for (let i = 0; i < body.length; i += step) res.write(body.subarray(i, i + step));
      res.end();
      return;
    }
    if (mode === 'paced') {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => res.end(body.subarray(body.length >> 1)), 20);
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const bePort = (backend.address() as AddressInfo).port;
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    table: table([
      ...backendFor('bytes', [bePort]),
      route('bytes', { host: 'bytes.test', to: { kind: 'Service', name: 'bytes' } }),
    ]),
  });
  port = (await rt.listen()).httpPort as number;
});

afterAll(async () => {
  await rt.close({ graceMs: 500 });
  await new Promise((r) => backend.close(r));
});

/** Fetches `path` through the runtime on a keep-alive-free connection, as raw bytes. */
function fetchBytes(path: string): Promise<{ status: number; body: Buffer; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host: 'bytes.test' }, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), res }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('response bodies are forwarded byte for byte', () => {
  it.each([
    { name: 'empty', size: 0, mode: 'length' },
    { name: 'one byte', size: 1, mode: 'length' },
    { name: 'every byte value (joined with the head)', size: 256, mode: 'length' },
    { name: 'at the join limit', size: 16_384, mode: 'length' },
    { name: 'one past the join limit', size: 16_385, mode: 'length' },
    { name: 'several reads', size: 300_000, mode: 'length' },
    { name: 'chunked, small', size: 100, mode: 'chunked' },
    { name: 'chunked, large', size: 200_000, mode: 'chunked' },
    { name: 'paced over two reads', size: 4_000, mode: 'paced' },
  ])('$name ($size bytes, $mode)', async ({ name, size, mode }) => {
    const body = allBytes(size);
    bodies.set(name, body);
    const r = await fetchBytes(`/?id=${encodeURIComponent(name)}&mode=${mode}`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(size);
    expect(r.body.equals(body)).toBe(true);
    if (mode === 'length') expect(r.res.headers['content-length']).toBe(String(size));
  });

  it('random bodies come back unchanged (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
        fc.constantFrom('length', 'chunked'),
        async (bytes, mode) => {
          const id = `p${n++}`;
          const body = Buffer.from(bytes);
          bodies.set(id, body);
          const r = await fetchBytes(`/?id=${id}&mode=${mode}`);
          bodies.delete(id);
          return r.status === 200 && r.body.equals(body);
        },
      ),
      { numRuns: 40 },
    );
  });
});
