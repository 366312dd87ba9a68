/**
 * Differential test: the same generated route sets served by the native runtime and by the real
 * HAProxy (configuration rendered by @switchyard/haproxy-renderer, OpenShift map layout); the
 * same generated requests must reach the same backend (or get the same redirect or 503).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { RuntimeApi, renderHaproxyConfig } from '@switchyard/haproxy-renderer';
import type { RoutingTable } from '@switchyard/route-model';
import {
  createCertificate,
  type EchoServer,
  freePort,
  makeTempDir,
  pick,
  prng,
  startHaproxy,
  startHttpEcho,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime } from '../src/index.ts';
import { endpointSlice, route, service, table } from './helpers.ts';

const HOSTS = ['h0.diff.test', 'h1.diff.test', '3h.diff.test', 'www.w0.diff.test', 'www.w1.h0.diff.test'];
const PATHS = ['', '/', '/a', '/a/', '/a/b', '/ab', '/b', '/a/%b', '/A', '/a.b', '/a/b/c'];
const ROUTES = 40;

interface Generated {
  objects: object[];
  requests: { host: string; path: string }[];
}

function generate(seed: number, echoes: EchoServer[], count: number): Generated {
  const r = prng(seed);
  const objects: object[] = [];
  for (let i = 0; i < ROUTES; i++) {
    const name = `s${seed}-r${i}`;
    objects.push(service(name), ...endpointSlice(name, [(echoes[i] as EchoServer).port]));
    const host = pick(r, HOSTS);
    const wildcard = host.startsWith('www.w') && r() < 0.7;
    const kind = r();
    const spec: Record<string, unknown> = { host, to: { kind: 'Service', name } };
    const path = pick(r, PATHS);
    if (path !== '') spec.path = path;
    if (wildcard) spec.wildcardPolicy = 'Subdomain';
    if (kind > 0.9) spec.tls = { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' };
    else if (kind > 0.8) spec.tls = { termination: 'edge', insecureEdgeTerminationPolicy: 'Allow' };
    objects.push(route(name, spec));
  }
  const requests: { host: string; path: string }[] = [];
  for (let i = 0; i < count; i++) {
    let host = pick(r, [
      ...HOSTS,
      'x.w0.diff.test',
      'a.b.w0.diff.test',
      'zz.w1.h0.diff.test',
      'nope.diff.test',
      'w0.diff.test',
    ]);
    const variant = r();
    if (variant < 0.15) host = host.toUpperCase();
    else if (variant < 0.3) host = `${host}:8080`;
    else if (variant < 0.4) host = `${host}.`;
    let path = pick(r, PATHS) || '/';
    const tail = r();
    if (tail < 0.2) path += '/x';
    else if (tail < 0.3) path += 'x';
    else if (tail < 0.4) path += '?q=/a/b';
    requests.push({ host, path });
  }
  return { objects, requests };
}

interface Outcome {
  status: number;
  target: string;
}

function ask(agent: Agent, port: number, host: string, path: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const target =
          status === 200
            ? String(res.headers['x-backend'])
            : status === 302
              ? String(res.headers.location)
              : '';
        resolve({ status, target });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function startHaproxyFor(
  t: RoutingTable,
  pem: string,
): Promise<{ port: number; api: RuntimeApi; stop(): Promise<void> }> {
  const dir = await makeTempDir('pr-diff');
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const statsPort = await freePort();
  const res = renderHaproxyConfig(
    { routes: new Map(t.routes) },
    {
      workingDir: dir.path,
      layout: 'openshift',
      bindAddress: '127.0.0.1',
      httpPort,
      httpsPort,
      statsPort,
      defaultCertificate: pem,
      allowWildcardRoutes: true,
    },
  );
  await mkdir(join(dir.path, 'run'), { recursive: true });
  for (const [p, content] of Object.entries(res.files)) {
    await mkdir(dirname(join(dir.path, p)), { recursive: true });
    await writeFile(join(dir.path, p), content, { mode: 0o600 });
  }
  const hp = await startHaproxy({
    configPath: join(dir.path, 'haproxy.config'),
    waitForPort: httpPort,
    cwd: dir.path,
  });
  return {
    port: httpPort,
    api: new RuntimeApi({ socketPath: join(dir.path, 'run', 'haproxy.sock') }),
    stop: async () => {
      await hp.stop();
      await dir.cleanup();
    },
  };
}

describe('differential: native runtime vs real HAProxy (openshift layout)', () => {
  let echoes: EchoServer[];
  let pem: string;
  beforeAll(async () => {
    echoes = await Promise.all(Array.from({ length: ROUTES }, (_v, i) => startHttpEcho({ name: `e${i}` })));
    const cert = await createCertificate({ commonName: 'default.diff.test' });
    pem = `${cert.key}\n${cert.cert}`;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(echoes.map((e) => e.close()));
  });

  it.each([[1], [2], [3]])(
    'seed %i: 700 generated requests reach the same backend',
    async (seed) => {
      const g = generate(seed, echoes, 700);
      // Conflicting generated routes are rejected by admission, for both engines alike.
      const t = table(g.objects, false);
      expect(t.routes.size).toBeGreaterThan(10);
      const native = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table: t });
      const nativePort = (await native.listen()).httpPort as number;
      const hp = await startHaproxyFor(t, pem);
      const agentN = new Agent({ keepAlive: true, maxSockets: 8 });
      const agentH = new Agent({ keepAlive: true, maxSockets: 8 });
      const mismatches: string[] = [];
      const statuses = new Map<number, number>();
      try {
        for (let i = 0; i < g.requests.length; i += 20) {
          const batch = g.requests.slice(i, i + 20);
          const results = await Promise.all(
            batch.map(async ({ host, path }) => {
              const label = (engine: string) => (e: Error) => {
                throw new Error(`${engine} ${host}${path}: ${e.message}`, { cause: e });
              };
              const [n, h] = await Promise.all([
                ask(agentN, nativePort, host, path).catch(label('native')),
                ask(agentH, hp.port, host, path).catch(label('haproxy')),
              ]);
              return { host, path, n, h };
            }),
          );
          for (const { host, path, n, h } of results) {
            statuses.set(h.status, (statuses.get(h.status) ?? 0) + 1);
            if (n.status !== h.status || n.target !== h.target)
              mismatches.push(
                `${host}${path}: native ${n.status} ${n.target} / haproxy ${h.status} ${h.target}`,
              );
          }
        }
      } finally {
        agentN.destroy();
        agentH.destroy();
        await native.close({ graceMs: 200 });
        await hp.stop();
      }
      expect(mismatches).toEqual([]);
      // The generated set exercises routing, redirects and misses, not just one outcome.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(200);
      expect(statuses.get(503) ?? 0).toBeGreaterThan(10);
      expect(statuses.get(302) ?? 0).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each([
    ['rate-http 3', { 'rate-limit-connections.rate-http': '3' }],
    ['rate-tcp 3', { 'rate-limit-connections.rate-tcp': '3' }],
    ['concurrent-tcp 2 (sequential requests)', { 'rate-limit-connections.concurrent-tcp': '2' }],
  ])(
    'rate limits: %s gives the same accept/reject sequence',
    async (_n, extra) => {
      // Sequential connections never overlap by design; only conn_cur depends on release time.
      const concurrent = 'rate-limit-connections.concurrent-tcp' in extra;
      const annotations: Record<string, string> = {
        'haproxy.router.openshift.io/rate-limit-connections': 'true',
      };
      for (const [k, v] of Object.entries(extra)) annotations[`haproxy.router.openshift.io/${k}`] = v;
      const t = table([
        service('rl'),
        ...endpointSlice('rl', [(echoes[0] as EchoServer).port]),
        route('rl', { host: 'rl.diff.test', to: { kind: 'Service', name: 'rl' } }, annotations),
      ]);
      const native = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table: t });
      const nativePort = (await native.listen()).httpPort as number;
      const hp = await startHaproxyFor(t, pem);
      const backendName = [...t.routes.values()][0]?.backendName as string;
      // `conn_cur` counts streams the engine has not released yet; a client sees the response
      // before the engine gets round to releasing its stream (HAProxy frees it once both sides
      // of the connection are shut). Each request of a sequence therefore starts only once the
      // engine reports nothing tracked in flight, instead of depending on how fast it was.
      const haproxyIdle = async (): Promise<boolean> => {
        const out = await hp.api.command(`show table ${backendName}`);
        // The table's own header line: a wrong name must not read as "idle".
        return out.includes(`# table: ${backendName},`) && !/conn_cur=[1-9]/.test(out);
      };
      const nativeIdle = async (): Promise<boolean> =>
        /switchyard_frontend_current_connections\{frontend="public"\} 0\b/.test(await native.metrics());
      const waitIdle = async (idle: () => Promise<boolean>): Promise<void> => {
        for (let i = 0; i < 1_000; i++) {
          if (await idle()) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error('the engine kept a tracked connection open for 10 s');
      };
      const sequence = async (port: number, idle: () => Promise<boolean>): Promise<string[]> => {
        const out: string[] = [];
        for (let i = 0; i < 6; i++) {
          if (concurrent) await waitIdle(idle);
          // A new connection per request: both engines see separate streams.
          const agent = new Agent({ keepAlive: false });
          out.push(
            await ask(agent, port, 'rl.diff.test', '/').then(
              (o) => String(o.status),
              () => 'closed',
            ),
          );
          agent.destroy();
        }
        return out;
      };
      try {
        const h = await sequence(hp.port, haproxyIdle);
        const n = await sequence(nativePort, nativeIdle);
        expect(n).toEqual(h);
        expect(h).toContain('200');
      } finally {
        await native.close({ graceMs: 200 });
        await hp.stop();
      }
    },
    60_000,
  );

  it.each([
    ['a plain route', {}, undefined],
    [
      'an edge route with Allow (cookie without Secure)',
      {},
      { termination: 'edge', insecureEdgeTerminationPolicy: 'Allow' },
    ],
    ['a named cookie', { 'router.openshift.io/cookie_name': 'my_cookie' }, undefined],
  ])(
    'sticky cookie: %s is set like HAProxy sets it',
    async (_n, annotations, tls) => {
      const t = table([
        service('ck'),
        ...endpointSlice('ck', [(echoes[1] as EchoServer).port, (echoes[2] as EchoServer).port]),
        route(
          'ck',
          { host: 'ck.diff.test', to: { kind: 'Service', name: 'ck' }, ...(tls ? { tls } : {}) },
          annotations,
        ),
      ]);
      const native = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table: t });
      const nativePort = (await native.listen()).httpPort as number;
      const hp = await startHaproxyFor(t, pem);
      const cookieOf = (port: number): Promise<{ setCookie: string; cacheControl: string }> =>
        new Promise((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port, path: '/', headers: { host: 'ck.diff.test' }, agent: false },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({
                  setCookie: String(res.headers['set-cookie'] ?? '').replace(/=[0-9a-f]{32};/, '=<server>;'),
                  cacheControl: String(res.headers['cache-control'] ?? ''),
                }),
              );
            },
          );
          req.on('error', reject);
          req.end();
        });
      try {
        const h = await cookieOf(hp.port);
        const n = await cookieOf(nativePort);
        expect(n).toEqual(h);
        expect(h.setCookie).toContain('=<server>;');
      } finally {
        await native.close({ graceMs: 200 });
        await hp.stop();
      }
    },
    60_000,
  );
});

/** A raw backend: records each request head's bytes, answers with a fixed small response. */
async function startRawBackend(): Promise<{ port: number; heads: Buffer[]; close(): Promise<void> }> {
  const heads: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      heads.push(buf.subarray(0, end + 2));
      buf = Buffer.alloc(0);
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    heads,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One request on a fresh connection; everything the proxy sent back, as bytes. */
function rawExchange(port: number, host: string, path = '/'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const t = setTimeout(() => s.destroy(new Error('timeout')), 10_000);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

/** The raw bytes of header `name`'s line(s) in a head (name compared case-insensitively). */
function headerLines(head: Buffer, name: string): string[] {
  const text = head.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return (end < 0 ? text : text.slice(0, end))
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}

describe('header bytes: route header values beyond latin1, native runtime vs real HAProxy', () => {
  const VALUES = ['price €5', 'naïve', '日本 ✓', 'plain ascii'];
  it.each([
    ['request', 'backend'],
    ['response', 'client'],
  ] as const)(
    'a %s header action sends the same bytes to the %s as HAProxy (UTF-8), other routes unaffected',
    async (side, _receiver) => {
      const be = await startRawBackend();
      const objects: object[] = [service('plain'), ...endpointSlice('plain', [be.port])];
      VALUES.forEach((value, i) => {
        objects.push(service(`u${i}`), ...endpointSlice(`u${i}`, [be.port]));
        objects.push(
          route(`u${i}`, {
            host: `u${i}.bytes.test`,
            to: { kind: 'Service', name: `u${i}` },
            httpHeaders: {
              actions: { [side]: [{ name: 'X-Price', action: { type: 'Set', set: { value } } }] },
            },
          }),
        );
      });
      objects.push(route('plain', { host: 'plain.bytes.test', to: { kind: 'Service', name: 'plain' } }));
      const t = table(objects);
      const cert = await createCertificate({ commonName: 'default.bytes.test' });
      const native = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table: t });
      const nativePort = (await native.listen()).httpPort as number;
      const hp = await startHaproxyFor(t, `${cert.key}\n${cert.cert}`);
      try {
        for (const [i, value] of VALUES.entries()) {
          const seen: { engine: string; status: string; lines: string[] }[] = [];
          for (const [engine, port] of [
            ['haproxy', hp.port],
            ['native', nativePort],
          ] as const) {
            be.heads.length = 0;
            const answer = await rawExchange(port, `u${i}.bytes.test`);
            const head = side === 'request' ? be.heads[0] : answer;
            seen.push({
              engine,
              status: answer.toString('latin1').split('\r\n')[0] ?? '',
              lines: head ? headerLines(head, 'X-Price') : [],
            });
          }
          const [h, n] = seen as [(typeof seen)[0], (typeof seen)[0]];
          expect(h.status).toBe('HTTP/1.1 200 OK');
          // HAProxy puts the UTF-8 bytes of the configured text on the wire.
          expect(h.lines).toEqual([Buffer.from(value, 'utf8').toString('latin1')]);
          expect(n).toEqual({ ...h, engine: 'native' });
        }
        // The table that holds those routes still serves its other routes, on both engines.
        for (const port of [hp.port, nativePort]) {
          const answer = (await rawExchange(port, 'plain.bytes.test')).toString('latin1');
          expect(answer.startsWith('HTTP/1.1 200 OK')).toBe(true);
          expect(answer.endsWith('ok')).toBe(true);
        }
      } finally {
        await native.close({ graceMs: 200 });
        await hp.stop();
        await be.close();
      }
    },
    60_000,
  );

  it('a rewrite-target beyond latin1 sends the same request line to the backend as HAProxy', async () => {
    const be = await startRawBackend();
    const t = table([
      service('rw'),
      ...endpointSlice('rw', [be.port]),
      route(
        'rw',
        { host: 'rw.bytes.test', path: '/app', to: { kind: 'Service', name: 'rw' } },
        { 'haproxy.router.openshift.io/rewrite-target': '/prix€' },
      ),
    ]);
    const cert = await createCertificate({ commonName: 'default.bytes.test' });
    const native = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table: t });
    const nativePort = (await native.listen()).httpPort as number;
    const hp = await startHaproxyFor(t, `${cert.key}\n${cert.cert}`);
    try {
      const lines: string[] = [];
      for (const port of [hp.port, nativePort]) {
        be.heads.length = 0;
        const answer = (await rawExchange(port, 'rw.bytes.test', '/app/x?q=1')).toString('latin1');
        expect(answer.startsWith('HTTP/1.1 200 OK')).toBe(true);
        lines.push((be.heads[0] ?? Buffer.alloc(0)).toString('latin1').split('\r\n')[0] ?? '');
      }
      expect(lines[0]).toBe(`GET ${Buffer.from('/prix€/x', 'utf8').toString('latin1')}?q=1 HTTP/1.1`);
      expect(lines[1]).toBe(lines[0]);
    } finally {
      await native.close({ graceMs: 200 });
      await hp.stop();
      await be.close();
    }
  }, 60_000);
});
