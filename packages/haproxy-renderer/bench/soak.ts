/**
 * Reload under load: continuous requests (a bounded Node client, one connection per request)
 * while the route set changes on a timer (routes added and removed, so HAProxy reloads, and
 * endpoints scaled, applied through the runtime API). Counts failed requests and checks that a
 * WebSocket opened before the first change still echoes after the last.
 *
 * `pnpm exec tsx --conditions=development bench/soak.ts [seconds] [--keep-alive] [--idle-close-on-response]` runs
 * the 60 s version and records it in bench/soak-<mode>.json; the tests
 * run a 5 s version through `runSoak`.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort, makeTempDir, startHttpEcho } from '@switchyard/testkit';
import WebSocket from 'ws';
import { HaproxyProcess, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM } from '../test/fixtures/fourteen.ts';
import { route, table } from '../test/fixtures/routes.ts';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** How long the load runs. */
  durationMs: number;
  /** Interval between route set changes. */
  changeEveryMs: number;
  /** Requests in flight. */
  concurrency: number;
  /** Map layout. */
  layout: 'openshift' | 'indexed';
  /** Reuse connections (HTTP keep-alive) instead of one connection per request. @default false */
  keepAlive?: boolean;
  /** Render `option idle-close-on-response` (see `RenderOptions.idleCloseOnResponse`). @default false */
  idleCloseOnResponse?: boolean;
}

/** What {@link runSoak} measured. */
export interface SoakResult {
  requests: number;
  failures: number;
  failureSamples: string[];
  changes: number;
  reloads: number;
  runtimeUpdates: number;
  /** The master's reload counter at the end. */
  masterReloads: number;
  websocketEchoedAfterLastChange: boolean;
  durationMs: number;
}

function get(port: number, host: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs the soak once.
 * @param options - duration, change interval, concurrency and layout
 * @returns counts of requests, failures, reloads and the WebSocket check
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const dir = await makeTempDir('hrsoak');
  const echoes = [
    await startHttpEcho({ name: 'e0' }),
    await startHttpEcho({ name: 'e1' }),
    await startHttpEcho({ name: 'e2' }),
  ];
  const httpPort = await freePort();
  const renderOptions = {
    workingDir: dir.path,
    layout: options.layout,
    defaultCertificate: DEFAULT_PEM,
    bindAddress: '127.0.0.1',
    httpPort,
    httpsPort: await freePort(),
    maxConnections: 4000,
    dynamicServers: true,
    idleCloseOnResponse: options.idleCloseOnResponse === true,
  };
  const servers = (n: number) =>
    echoes.slice(0, n).map((e, i) => ({ ip: '127.0.0.1', port: e.port, pod: `p${i}` }));
  const render = (step: number) =>
    renderHaproxyConfig(
      table([
        route({
          name: 'load',
          host: 'load.test',
          services: [{ name: 'load', servers: servers(1 + (step % 3)) }],
        }),
        route({ name: 'ws', host: 'ws.test', services: [{ name: 'ws', servers: servers(1) }] }),
        // Every other step adds or removes a route (a backend created or removed: a reload); the
        // steps between only scale the load route's endpoints (runtime API, no reload).
        ...Array.from({ length: Math.floor(step / 2) % 5 }, (_, k) =>
          route({
            name: `extra-${k}`,
            host: `extra-${k}.test`,
            path: '/p',
            services: [{ name: 'x', servers: servers(1) }],
          }),
        ),
      ]),
      renderOptions,
    );
  const proc = new HaproxyProcess({ workingDir: dir.path, stopTimeoutMs: 5_000 });
  const started = Date.now();
  let requests = 0;
  let failures = 0;
  const failureSamples: string[] = [];
  let changes = 0;
  let reloads = 0;
  let runtimeUpdates = 0;
  let echoed = false;
  try {
    await proc.start(render(0));
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/socket`, { headers: { host: 'ws.test' } });
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let stop = false;
    const deadline = Date.now() + options.durationMs;
    const worker = async () => {
      const agent = options.keepAlive === true ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
      while (!stop && Date.now() < deadline) {
        try {
          const status = await get(httpPort, 'load.test', agent);
          requests++;
          if (status !== 200) {
            failures++;
            if (failureSamples.length < 10) failureSamples.push(`status ${status}`);
          }
        } catch (e) {
          requests++;
          failures++;
          if (failureSamples.length < 10) failureSamples.push((e as Error).message);
        }
      }
      if (agent !== false) agent.destroy();
    };
    const load = Promise.all(Array.from({ length: options.concurrency }, worker));
    let step = 0;
    const firstChange = Date.now();
    // Changes on a fixed schedule (not "interval after the previous one finished").
    while (firstChange + (step + 1) * options.changeEveryMs < deadline) {
      const wait = firstChange + (step + 1) * options.changeEveryMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      step++;
      const outcome = await proc.update(render(step));
      changes++;
      if (!outcome.ok) throw new Error(`update ${step} failed: ${outcome.output}`);
      if (outcome.mode === 'reload') reloads++;
      else runtimeUpdates++;
    }
    await load;
    stop = true;
    const before = messages.length;
    ws.send('still there?');
    const limit = Date.now() + 5_000;
    while (Date.now() < limit && messages.length === before) await new Promise((r) => setTimeout(r, 20));
    echoed = messages.slice(before).includes('still there?');
    ws.close();
    const masterReloads = (await proc.showProc()).reloads;
    return {
      requests,
      failures,
      failureSamples,
      changes,
      reloads,
      runtimeUpdates,
      masterReloads,
      websocketEchoedAfterLastChange: echoed,
      durationMs: Date.now() - started,
    };
  } finally {
    await proc.stop({ timeoutMs: 2_000 });
    await Promise.all(echoes.map((e) => e.close()));
    await dir.cleanup();
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  const keepAlive = args.includes('--keep-alive');
  const idleCloseOnResponse = args.includes('--idle-close-on-response');
  const seconds = Number(args.find((a) => !a.startsWith('--')) ?? 60);
  const result = await runSoak({
    durationMs: seconds * 1000,
    changeEveryMs: 1000,
    concurrency: 16,
    layout: 'indexed',
    keepAlive,
    idleCloseOnResponse,
  });
  console.log(JSON.stringify({ seconds, keepAlive, idleCloseOnResponse, ...result }, null, 2));
  // Recorded for bench/index.ts, which copies the last 60 s runs into the benchmark page.
  const mode = `${keepAlive ? 'keep-alive' : 'close'}${idleCloseOnResponse ? '-idle-close' : ''}`;
  const out = join(import.meta.dirname, `soak-${mode}.json`);
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        ranAt: new Date().toISOString(),
        seconds,
        keepAlive,
        idleCloseOnResponse,
        concurrency: 16,
        ...result,
      },
      null,
      2,
    )}\n`,
  );
  if (result.failures > 0 || !result.websocketEchoedAfterLastChange) process.exitCode = 1;
}
