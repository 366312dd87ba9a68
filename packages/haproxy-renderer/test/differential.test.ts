import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type EchoServer, pick, prng, startHttpEcho, startHttpsEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../src/index.ts';
import {
  buildRoutes,
  HOSTS,
  KIND_COUNT,
  PATHS,
  REQUEST_HOSTS,
  REQUEST_PATHS,
} from './fixtures/differential.ts';
import { PKI } from './fixtures/fourteen.ts';
import { route, table } from './fixtures/routes.ts';
import { type LayoutEngine, startLayoutEngines, stopLayoutEngines } from './helpers.ts';

/** Which route answered: status, redirect location and the route's cookie name (its routing key). */
function outcome(res: {
  statusCode?: number | undefined;
  headers: Record<string, string | string[] | undefined>;
}): string {
  const cookie = res.headers['set-cookie']?.[0]?.split('=')[0] ?? '';
  return `${res.statusCode} ${res.headers.location ?? ''} ${cookie}`;
}

function ask(
  engine: LayoutEngine,
  tls: boolean,
  host: string,
  path: string,
  agent: HttpAgent,
): Promise<string> {
  const t0 = Date.now();
  return new Promise<string>((resolve) => {
    const options = {
      host: '127.0.0.1',
      port: tls ? engine.options.httpsPort : engine.options.httpPort,
      path,
      headers: { host },
      agent,
      ...(tls ? { servername: 'nosuch.sni.test', rejectUnauthorized: false } : {}),
    };
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on('end', () => resolve(outcome(res)));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.end();
  }).then((r) => {
    if (process.env.DIFF_DEBUG && Date.now() - t0 > 50)
      console.log('slow', Date.now() - t0, engine.layout, tls, host, path, r);
    return r;
  });
}

const SETS = Number(process.env.DIFF_SETS ?? 4);
const HTTP_PER_SET = Number(process.env.DIFF_HTTP ?? 400);
const HTTPS_PER_SET = Number(process.env.DIFF_HTTPS ?? 150);

describe('differential: indexed vs openshift layout in real HAProxy', () => {
  let echo: EchoServer;
  let secureEcho: EchoServer;
  const engines: LayoutEngine[] = [];

  beforeAll(async () => {
    echo = await startHttpEcho({ name: 'echo' });
    // Re-encrypt routes need a TLS backend (a plain one makes HAProxy retry for seconds).
    secureEcho = await startHttpsEcho({ name: 'secure', ...PKI.backend });
    await startLayoutEngines('hrd', engines);
  });

  afterAll(async () => {
    await stopLayoutEngines(engines);
    await echo?.close();
    await secureEcho?.close();
  });

  it(`routes ${SETS * (HTTP_PER_SET + HTTPS_PER_SET)} requests over ${SETS} generated route sets to the same backends`, async () => {
    let compared = 0;
    const mismatches: string[] = [];
    const seen = new Map<string, number>();
    for (let set = 0; set < SETS; set++) {
      const rnd = prng(1000 + set);
      const choices = Array.from({ length: 20 + set * 5 }, () => ({
        host: Math.floor(rnd() * HOSTS.length),
        path: Math.floor(rnd() * PATHS.length),
        wildcard: rnd() < 0.3,
        kind: Math.floor(rnd() * KIND_COUNT),
      }));
      const routes = buildRoutes(choices, (s) =>
        route({
          ...s,
          services: [
            {
              name: 'svc',
              servers: [
                { ip: '127.0.0.1', port: s.termination === 'reencrypt' ? secureEcho.port : echo.port },
              ],
            },
          ],
        }),
      );
      for (const e of engines) {
        const t0 = Date.now();
        const res = await e.proc.apply(renderHaproxyConfig(table(routes), e.options));
        if (process.env.DIFF_DEBUG) console.log(e.layout, 'apply ms', Date.now() - t0);
        expect(res.ok, `${e.layout} reload: ${res.ok ? '' : res.output}`).toBe(true);
      }
      const requests = Array.from({ length: HTTP_PER_SET + HTTPS_PER_SET }, (_, i) => ({
        tls: i >= HTTP_PER_SET,
        host: pick(rnd, REQUEST_HOSTS),
        path: pick(rnd, REQUEST_PATHS),
      }));
      const agents = engines.map(() => ({
        http: new HttpAgent({ keepAlive: true, maxSockets: 8 }),
        https: new HttpsAgent({ keepAlive: true, maxSockets: 8 }),
      }));
      // 8 requests in flight per engine.
      for (let i = 0; i < requests.length; i += 8) {
        const batch = requests.slice(i, i + 8);
        const answers = await Promise.all(
          engines.map((e, k) =>
            Promise.all(
              batch.map((r) =>
                ask(
                  e,
                  r.tls,
                  r.host,
                  r.path,
                  r.tls ? (agents[k]?.https as HttpsAgent) : (agents[k]?.http as HttpAgent),
                ),
              ),
            ),
          ),
        );
        if (process.env.DIFF_DEBUG && i % 80 === 0) console.log('batch', i, Date.now());
        for (const [j, r] of batch.entries()) {
          const a = answers[0]?.[j];
          const b = answers[1]?.[j];
          compared++;
          const kind = (a ?? '').split(' ')[0] as string;
          seen.set(kind, (seen.get(kind) ?? 0) + 1);
          if (a !== b)
            mismatches.push(
              `set ${set} ${r.tls ? 'https' : 'http'} ${r.host}${r.path}: openshift=${a} indexed=${b}`,
            );
        }
      }
      for (const a of agents) {
        a.http.destroy();
        a.https.destroy();
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(2000);
    // The requests reach routes, redirects and the default backend, not only one of them.
    if (process.env.DIFF_DEBUG) console.log(seen);
    expect(seen.get('200') ?? 0).toBeGreaterThan(200);
    expect(seen.get('302') ?? 0).toBeGreaterThan(50);
    expect(seen.get('503') ?? 0).toBeGreaterThan(50);
  }, 120_000);
});
