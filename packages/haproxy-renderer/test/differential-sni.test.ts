import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type EchoServer, prng, startHttpEcho, startTcpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../src/index.ts';
import { buildRoutes, HOSTS, KIND_COUNT, PATHS, REQUEST_SNIS } from './fixtures/differential.ts';
import { route, table } from './fixtures/routes.ts';
import { type LayoutEngine, startLayoutEngines, stopLayoutEngines } from './helpers.ts';

/** A real ClientHello carrying `sni`, captured from Node's TLS client. */
function captureClientHello(sni: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => {
      sock.once('data', (d: Buffer) => {
        resolve(d);
        sock.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const c = tlsConnect({ host: '127.0.0.1', port, servername: sni, rejectUnauthorized: false });
      c.on('error', () => undefined);
      c.setTimeout(5_000, () => {
        c.destroy();
        server.close();
        reject(new Error(`no ClientHello for ${sni}`));
      });
    });
  });
}

/** Replays a ClientHello to `public_ssl`: the TCP echo's name for passthrough, else `tls` (fe_sni answered). */
function replay(port: number, hello: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port }, () => sock.write(hello));
    let done = false;
    const finish = (v: string) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(v);
    };
    sock.once('data', (d: Buffer) => {
      if (d[0] === 0x16 || d[0] === 0x15) finish('tls');
      else finish(`tcp:${d.toString('latin1').split('\n')[0]}`);
    });
    sock.on('error', (e) => finish(`error:${(e as NodeJS.ErrnoException).code}`));
    sock.on('close', () => finish('closed'));
    sock.setTimeout(8_000, () => finish('timeout'));
  });
}

describe('differential: SNI routing in public_ssl, indexed vs openshift, real HAProxy', () => {
  const engines: LayoutEngine[] = [];
  const tcp: EchoServer[] = [];
  let http: EchoServer;
  const hellos = new Map<string, Buffer>();

  beforeAll(async () => {
    http = await startHttpEcho({ name: 'http' });
    for (let i = 0; i < 25; i++) tcp.push(await startTcpEcho({ name: `r${i}` }));
    for (const sni of REQUEST_SNIS) {
      try {
        hellos.set(sni, await captureClientHello(sni));
      } catch {
        // Node refuses some names as SNI; they cannot be sent by this client.
      }
    }
    await startLayoutEngines('hrs', engines);
  });

  afterAll(async () => {
    await stopLayoutEngines(engines);
    await Promise.all([http?.close(), ...tcp.map((t) => t.close())]);
  });

  it('sends every ClientHello to the same place in both layouts', async () => {
    expect(hellos.size).toBeGreaterThan(8);
    const mismatches: string[] = [];
    const seen = new Set<string>();
    for (let set = 0; set < 6; set++) {
      const rnd = prng(77 + set);
      const choices = Array.from({ length: 25 }, () => ({
        host: Math.floor(rnd() * HOSTS.length),
        path: Math.floor(rnd() * PATHS.length),
        wildcard: rnd() < 0.4,
        // Mostly passthrough routes, the rest any kind.
        kind: rnd() < 0.6 ? KIND_COUNT - 2 : Math.floor(rnd() * KIND_COUNT),
      }));
      const routes = buildRoutes(choices, (s) => {
        const i = Number(s.name.slice(1));
        const port = s.termination === 'passthrough' ? (tcp[i] as EchoServer).port : http.port;
        return route({ ...s, services: [{ name: 'svc', servers: [{ ip: '127.0.0.1', port }] }] });
      });
      for (const e of engines) {
        const outcome = await e.proc.apply(renderHaproxyConfig(table(routes), e.options));
        expect(outcome.ok).toBe(true);
      }
      for (const [sni, hello] of hellos) {
        const [a, b] = await Promise.all(engines.map((e) => replay(e.options.httpsPort as number, hello)));
        seen.add(a as string);
        if (a !== b) mismatches.push(`set ${set} sni ${sni}: openshift=${a} indexed=${b}`);
      }
    }
    expect(mismatches).toEqual([]);
    if (process.env.DIFF_DEBUG) console.log(hellos.size, [...seen]);
    // Both passthrough and terminated connections were exercised.
    expect([...seen].some((s) => s.startsWith('tcp:r'))).toBe(true);
    expect(seen.has('tls')).toBe(true);
  }, 120_000);
});
