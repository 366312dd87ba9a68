import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessLogEntry, createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { backendFor, get, route, table } from './helpers.ts';

let a: EchoServer;
let b: EchoServer;
let rt: ProxyRuntime;
let port: number;
const logs: AccessLogEntry[] = [];

beforeAll(async () => {
  a = await startHttpEcho({ name: 'a' });
  b = await startHttpEcho({ name: 'b' });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    workers: 2,
    onAccessLog: (e) => logs.push(e),
    table: table([
      ...backendFor('a', [a.port]),
      route('w', { host: 'w.test', to: { kind: 'Service', name: 'a' } }),
    ]),
  });
  port = (await rt.listen()).httpPort as number;
}, 60_000);

afterAll(async () => {
  await rt?.close({ graceMs: 500 });
  await Promise.all([a.close(), b.close()]);
}, 30_000);

describe('workers: 2', () => {
  it('serves from several processes sharing the socket, and update reaches every worker', async () => {
    const agent = new Agent({ keepAlive: false });
    const ask = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/', headers: { host: 'w.test' }, agent },
          (res) => {
            let body = '';
            res.on('data', (c) => {
              body += c;
            });
            res.on('end', () => resolve(JSON.parse(body).backend));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const first = await Promise.all(Array.from({ length: 40 }, ask));
    expect(new Set(first)).toEqual(new Set(['a']));
    await rt.update(
      table([
        ...backendFor('a', [a.port]),
        ...backendFor('b', [b.port]),
        route('w', { host: 'w.test', to: { kind: 'Service', name: 'b' } }),
      ]),
    );
    // Fresh connections land on either worker; all must see the new table.
    const after = await Promise.all(Array.from({ length: 40 }, ask));
    expect(new Set(after)).toEqual(new Set(['b']));
    // Both processes accept connections (the kernel spreads fresh connections; on a busy machine
    // one may win a whole batch, so try a few).
    for (let i = 0; i < 20 && new Set(logs.map((l) => l.worker)).size < 2; i++) {
      await Promise.all(Array.from({ length: 20 }, ask));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(new Set(logs.map((l) => l.worker))).toEqual(new Set([0, 1]));
    agent.destroy();
  });

  it('sums metrics over workers and relays access logs', async () => {
    await get(port, 'w.test', '/');
    const text = await rt.metrics();
    const m = /switchyard_backend_requests_total\{backend="http",namespace="pr",route="w"\} ([0-9]+)/.exec(
      text,
    );
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.backend === 'be_http:pr:w' && l.status === 200)).toBe(true);
  });

  it('a worker that dies leaves the others serving, and update skips it', async () => {
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)])
      .toString()
      .trim()
      .split(/\s+/)
      .map(Number)
      .filter((n) => n > 0);
    // Kill one of our own worker processes (by pid).
    const victim = children.find((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes('worker-entry');
      } catch {
        return false;
      }
    });
    expect(victim).toBeDefined();
    process.kill(victim as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await rt.update(
      table([
        ...backendFor('a', [a.port]),
        route('w', { host: 'w.test', to: { kind: 'Service', name: 'a' } }),
      ]),
    );
    for (let i = 0; i < 10; i++) expect((await get(port, 'w.test', '/')).json?.backend).toBe('a');
  });
});
