/**
 * Benchmark: HAProxy requests per second with random hosts and paths at 10 and 10 000 routes,
 * for both map layouts (wrk with a Lua request generator, ~10 s each), and render time for
 * 10 000 routes. Writes docs/benchmarks/haproxy-renderer.md.
 *
 * The route backends all point at a second HAProxy that answers 200 by itself, so the figure is
 * the routing HAProxy's cost, not a Node backend's.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RoutingTable } from '@switchyard/route-model';
import { freePort, makeTempDir } from '@switchyard/testkit';
import { HaproxyProcess, type MapLayout, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM } from '../test/fixtures/fourteen.ts';
import { route, table } from '../test/fixtures/routes.ts';
import { runSoak } from './soak.ts';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OUT = join(import.meta.dirname, '..', '..', '..', 'docs', 'benchmarks', 'haproxy-renderer.md');

interface RouteDef {
  host: string;
  path: string;
}

function routeDefs(n: number): RouteDef[] {
  // Half the routes have a path; a tenth of the hosts carry two paths, like real clusters.
  return Array.from({ length: n }, (_, i) => ({
    host: `app-${i % Math.max(1, Math.floor(n * 0.9))}.apps.bench.test`,
    path: i % 2 === 0 ? '' : `/api${i}`,
  }));
}

function benchTable(defs: RouteDef[], sinkPort: number): RoutingTable {
  return table(
    defs.map((d, i) =>
      route({
        namespace: `ns${i % 50}`,
        name: `r${i}`,
        host: d.host,
        path: d.path,
        services: [{ name: 'sink', servers: [{ ip: '127.0.0.1', port: sinkPort }] }],
        policies: { disableCookies: true },
      }),
    ),
  );
}

async function startSink(dir: string, close: boolean): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const cfg = join(dir, `sink-${close}.cfg`);
  await writeFile(
    cfg,
    [
      'global',
      '  maxconn 4000',
      'defaults',
      '  mode http',
      '  timeout client 30s',
      '  timeout server 30s',
      '  timeout connect 5s',
      'frontend sink',
      `  bind 127.0.0.1:${port}`,
      // One request per backend connection: with 10 000 backends the router's idle-connection
      // reuse would otherwise differ from 10 backends, and measure pooling rather than routing.
      ...(close ? ['  option httpclose'] : []),
      '  http-request return status 200 content-type text/plain string ok',
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { port, stop: () => child.kill('SIGTERM') };
}

function luaScript(defs: RouteDef[]): string {
  const hosts = defs.map((d) => JSON.stringify(d.host)).join(',\n');
  const paths = defs.map((d) => JSON.stringify(d.path)).join(',\n');
  return `local hosts = {${hosts}}
local paths = {${paths}}
local n = #hosts
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local i = math.random(n)
  -- A random tail makes every request key different, so no lookup cache helps.
  return wrk.format("GET", paths[i] .. "/" .. math.random(100000000), { Host = hosts[i] })
end
`;
}

async function wrk(port: number, script: string): Promise<{ rps: number; errors: string; non2xx: number }> {
  const { stdout } = await run(
    'wrk',
    ['-t2', '-c32', `-d${SECONDS}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}/`],
    {
      timeout: (SECONDS + 30) * 1000,
    },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors:.*/.exec(stdout)?.[0] ?? '';
  return { rps, errors, non2xx };
}

interface Cell {
  key: string;
  port: number;
  /** wrk Lua script with this cell's hosts and paths. */
  script: string;
  stop: () => Promise<void>;
  samples: number[];
  notes: string[];
}

async function startCell(key: string, layout: MapLayout, n: number, sinkPort: number): Promise<Cell> {
  const dir = await makeTempDir(`hrb-${layout}-${n}`);
  const defs = routeDefs(n);
  const httpPort = await freePort();
  const proc = new HaproxyProcess({ workingDir: dir.path, stopTimeoutMs: 2_000 });
  await proc.start(
    renderHaproxyConfig(benchTable(defs, sinkPort), {
      workingDir: dir.path,
      layout,
      defaultCertificate: DEFAULT_PEM,
      bindAddress: '127.0.0.1',
      httpPort,
      httpsPort: await freePort(),
      maxConnections: 4000,
    }),
  );
  await writeFile(join(dir.path, 'requests.lua'), luaScript(defs));
  return {
    key,
    port: httpPort,
    samples: [],
    notes: [],
    script: join(dir.path, 'requests.lua'),
    stop: async () => {
      await proc.stop({ timeoutMs: 2_000 });
      await dir.cleanup();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
};

function renderTime(layout: MapLayout, n: number): number {
  const t = benchTable(routeDefs(n), 8080);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    renderHaproxyConfig(t, { workingDir: '/var/lib/switchyard', layout, defaultCertificate: DEFAULT_PEM });
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[2] as number;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const sinkDir = await makeTempDir('hrb-sink');
  const sink = await startSink(sinkDir.path, true);
  const keepAliveSink = await startSink(sinkDir.path, false);
  const results = new Map<string, { rps: number; note: string }>();
  const cells: Cell[] = [];
  try {
    // Every HAProxy runs for the whole benchmark and the cells are measured in alternation,
    // ROUNDS times each, so load from other jobs on the machine spreads over all of them; the
    // median of each cell is reported.
    for (const layout of ['openshift', 'indexed'] as const) {
      for (const n of [10, 10_000]) {
        cells.push(await startCell(`${layout}:${n}`, layout, n, sink.port));
      }
    }
    for (const n of [10, 10_000]) {
      cells.push(await startCell(`keepalive:${n}`, 'indexed', n, keepAliveSink.port));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const cell of cells) {
        if (cell.key.startsWith('keepalive') && round >= 2) continue;
        const r = await wrk(cell.port, cell.script);
        cell.samples.push(r.rps);
        if (r.non2xx > 0) cell.notes.push(`${r.non2xx} non-2xx`);
        if (r.errors !== '') cell.notes.push(r.errors);
        console.log(`round ${round} ${cell.key}: ${fmt(r.rps)} req/s`);
      }
    }
    for (const cell of cells) {
      results.set(cell.key, { rps: median(cell.samples), note: [...new Set(cell.notes)].join('; ') });
    }
  } finally {
    for (const cell of cells) await cell.stop();
    sink.stop();
    keepAliveSink.stop();
    await sinkDir.cleanup();
  }
  const render = { openshift: renderTime('openshift', 10_000), indexed: renderTime('indexed', 10_000) };
  console.log('render 10 000 routes (ms)', render);
  const soak = await runSoak({ durationMs: 20_000, changeEveryMs: 1000, concurrency: 16, layout: 'indexed' });
  console.log('soak', soak);

  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rps = (k: string) => results.get(k)?.rps ?? 0;
  const samples = (k: string) => cells.find((c) => c.key === k)?.samples ?? [];
  const perRound = (layout: string) =>
    samples(`${layout}:10000`)
      .map((x, i) => pct(x / Math.max(1, samples(`${layout}:10`)[i] ?? 1)))
      .join(', ');
  const ratio = (layout: string) => rps(`${layout}:10000`) / Math.max(1, rps(`${layout}:10`));
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const now = new Date();
  const md = `## @switchyard/haproxy-renderer

Command: \`pnpm bench haproxy-renderer\` (from the repository root). Run on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC,
${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, HAProxy 2.6 (Debian); the CPU is shared with other
jobs and with wrk itself, so compare the ratios measured side by side rather than the absolute figures.

HAProxy requests per second (wrk, 2 threads, 32 connections; median of ${ROUNDS} runs of ${SECONDS} s per cell, the cells
measured in alternation) with random hosts and paths: each
request picks a random route and appends a random path segment, so no lookup cache helps. Half the routes have a
path, a tenth of the hosts carry two routes. Route backends point at a second HAProxy that answers 200 itself and
closes the connection after each answer, so every request opens one backend connection in every cell (with
keep-alive, 10 backends reuse idle connections far more often than 10 000 do, which measures connection pooling
rather than routing).

| routes | \`openshift\` layout (map_reg) req/s | \`indexed\` layout (map_str/map_beg) req/s |
|---:|---:|---:|
| 10 | ${fmt(rps('openshift:10'))} | ${fmt(rps('indexed:10'))} |
| 10 000 | ${fmt(rps('openshift:10000'))} | ${fmt(rps('indexed:10000'))} |
| 10 000 / 10 | ${pct(ratio('openshift'))} | ${pct(ratio('indexed'))} |
| 10 000 / 10 in each round | ${perRound('openshift')} | ${perRound('indexed')} |

For comparison, \`indexed\` with a keep-alive backend (idle backend connections reused): ${fmt(rps('keepalive:10'))} req/s at
10 routes, ${fmt(rps('keepalive:10000'))} at 10 000 (${pct(ratio('keepalive'))}). That drop comes from connection reuse
across 10 000 distinct backends and servers (fewer idle connections to reuse per server), not from the route lookup.

At 10 routes the \`indexed\` layout runs more rules per request (key normalisation with \`regsub\`, up to five map
lookups per purpose); in this run its 10-route rate was ${pct(rps('indexed:10') / Math.max(1, rps('openshift:10')))} of the \`openshift\` layout's.
${
  [...results].some(([, r]) => r.note !== '')
    ? `\nwrk notes: ${[...results]
        .filter(([, r]) => r.note !== '')
        .map(([k, r]) => `${k}: ${r.note}`)
        .join('; ')}\n`
    : ''
}
| target | value | |
|---|---:|---|
| \`indexed\` at 10 000 routes ≥ 80% of \`indexed\` at 10 | ${pct(ratio('indexed'))} | ${met(ratio('indexed') >= 0.8)} |
| render 10 000 routes, \`openshift\` layout (median of 5) | ${fmt(render.openshift)} ms | ${met(render.openshift < 1000)} (< 1 000 ms) |
| render 10 000 routes, \`indexed\` layout (median of 5) | ${fmt(render.indexed)} ms | ${met(render.indexed < 1000)} (< 1 000 ms) |

Reload under load (\`bench/soak.ts\`, here 20 s; \`pnpm exec tsx --conditions=development bench/soak.ts 60 [--keep-alive]\` in packages/haproxy-renderer for the 60 s run):
${fmt(soak.requests)} requests from 16 concurrent clients (a new connection per request), ${soak.changes} route set changes
(${soak.reloads} reloads, ${soak.runtimeUpdates} runtime-API updates), **${soak.failures} failed requests**; a WebSocket opened
before the first change ${soak.websocketEchoedAfterLastChange ? 'still echoed' : '**did not echo**'} after the last.
`;
  writeFileSync(OUT, md);
  console.log(`wrote ${OUT}`);
}

await main();
