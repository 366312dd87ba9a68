/**
 * Benchmark: HAProxy requests per second with random hosts and paths at 10 and 10 000 routes,
 * for both map layouts (wrk with a Lua request generator), and render time for 10 000 routes.
 * Writes docs/benchmarks/haproxy-renderer.md, including the last 60 s soak runs recorded by
 * bench/soak.ts (bench/soak-close.json, bench/soak-keep-alive.json).
 *
 * The route backends all point at a second HAProxy (the sink) that answers 200 by itself, so the
 * figure is the routing HAProxy's cost, not a Node backend's. Workloads:
 * - close: the sink closes after every answer, so every request opens one backend connection;
 * - keep-alive, shared: the rendered frontend and map keys are unchanged, but the map values are
 *   rewritten so the 10 000 routes point at 10 backends: idle connections are reused as often as
 *   with 10 routes, which isolates the route lookup;
 * - keep-alive, distinct: every route its own backend and server (as rendered), so a random
 *   request rarely finds an idle connection to its server: this measures connection pooling.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RoutingTable } from '@switchyard/route-model';
import { freePort, makeTempDir } from '@switchyard/testkit';
import { HaproxyProcess, type MapLayout, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM } from '../test/fixtures/fourteen.ts';
import { route, table } from '../test/fixtures/routes.ts';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** Backends the `shared` cells' map values are folded onto. */
const SHARED_BACKENDS = 10;
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

async function startSink(
  dir: string,
  name: string,
  close: boolean,
  maxconn: number,
): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const cfg = join(dir, `sink-${name}.cfg`);
  await writeFile(
    cfg,
    [
      'global',
      `  maxconn ${maxconn}`,
      'defaults',
      '  mode http',
      '  timeout client 30s',
      '  timeout server 30s',
      '  timeout connect 5s',
      'frontend sink',
      `  bind 127.0.0.1:${port}`,
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

interface WrkResult {
  rps: number;
  requests: number;
  errors: string;
  non2xx: number;
}

async function wrk(port: number, script: string): Promise<WrkResult> {
  // One of the two generators of a pair: together they keep 32 connections busy, as one wrk
  // with -t2 -c32 would.
  const { stdout } = await run(
    'wrk',
    ['-t1', '-c16', `-d${SECONDS}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}/`],
    { timeout: (SECONDS + 30) * 1000 },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors:.*/.exec(stdout)?.[0] ?? '';
  return { rps, requests, errors, non2xx };
}

interface Cell {
  key: string;
  port: number;
  /** wrk Lua script with this cell's hosts and paths. */
  script: string;
  stop: () => Promise<void>;
  notes: string[];
  /** CPU time (user + system, seconds) the HAProxy worker has used so far. */
  cpuSeconds: () => number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function processCpuSeconds(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 are utime and stime in clock ticks; the command name
  // (field 2) is in parentheses and may hold spaces, so count from the closing one.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Two cells loaded at the same time; `ratios` holds 10 000-route rate / 10-route rate per round. */
interface Pair {
  label: string;
  small: Cell;
  large: Cell;
  smallRps: number[];
  largeRps: number[];
  ratios: number[];
  /** Requests per CPU-second of the HAProxy worker, per round. */
  smallPerCpu: number[];
  largePerCpu: number[];
  cpuRatios: number[];
  /** Whether the issue's 80% target applies to this pair. */
  target: boolean;
}

/**
 * Rewrites the HTTP backend maps' values so every route points at one of the first `count`
 * backends (in name order). Keys, and so the frontend's lookups, stay as rendered.
 */
function foldBackends(files: Readonly<Record<string, string>>, count: number): Record<string, string> {
  const isBackendMap = (f: string) => f.startsWith('idx_http_be_') || f === 'os_http_be.map';
  const out = { ...files };
  const names = [
    ...new Set(
      Object.entries(files)
        .filter(([f]) => isBackendMap(f))
        .flatMap(([, c]) =>
          c.split('\n').flatMap((l) => (l === '' ? [] : [l.slice(l.lastIndexOf(' ') + 1)])),
        ),
    ),
  ].sort();
  const fold = new Map(names.map((name, i) => [name, names[i % count] as string]));
  for (const [f, c] of Object.entries(files)) {
    if (!isBackendMap(f)) continue;
    out[f] = c
      .split('\n')
      .map((l) =>
        l === '' ? l : `${l.slice(0, l.lastIndexOf(' '))} ${fold.get(l.slice(l.lastIndexOf(' ') + 1))}`,
      )
      .join('\n');
  }
  return out;
}

async function startCell(
  key: string,
  layout: MapLayout,
  n: number,
  sinkPort: number,
  share = 0,
): Promise<Cell> {
  const dir = await makeTempDir(`hrb-${layout}-${n}`);
  const defs = routeDefs(n);
  const httpPort = await freePort();
  const proc = new HaproxyProcess({ workingDir: dir.path, stopTimeoutMs: 2_000 });
  const render = renderHaproxyConfig(benchTable(defs, sinkPort), {
    workingDir: dir.path,
    layout,
    defaultCertificate: DEFAULT_PEM,
    bindAddress: '127.0.0.1',
    httpPort,
    httpsPort: await freePort(),
    maxConnections: 4000,
  });
  await proc.start(share > 0 ? { ...render, files: foldBackends(render.files, share) } : render);
  await writeFile(join(dir.path, 'requests.lua'), luaScript(defs));
  const worker = (await proc.showProc()).workers[0]?.pid ?? 0;
  return {
    key,
    port: httpPort,
    notes: [],
    cpuSeconds: () => processCpuSeconds(worker),
    script: join(dir.path, 'requests.lua'),
    stop: async () => {
      await proc.stop({ timeoutMs: 2_000 });
      await dir.cleanup();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
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
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

interface SoakRecord {
  ranAt: string;
  seconds: number;
  keepAlive: boolean;
  concurrency: number;
  requests: number;
  failures: number;
  failureSamples: string[];
  changes: number;
  reloads: number;
  runtimeUpdates: number;
  websocketEchoedAfterLastChange: boolean;
}

type SoakMode = 'close' | 'keep-alive' | 'keep-alive-idle-close';

function readSoak(mode: SoakMode): SoakRecord | undefined {
  const path = join(import.meta.dirname, `soak-${mode}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SoakRecord) : undefined;
}

const SOAK_LABELS: Record<SoakMode, string> = {
  close: 'new connection per request',
  'keep-alive': 'keep-alive (reused connections)',
  'keep-alive-idle-close': 'keep-alive, `idleCloseOnResponse: true`',
};

function soakRow(mode: SoakMode): string {
  const s = readSoak(mode);
  if (s === undefined) return `| ${mode} | not recorded | | | | | |`;
  const samples = [...new Set(s.failureSamples)].join(', ');
  return `| ${SOAK_LABELS[mode]} | ${s.ranAt.slice(0, 16).replace('T', ' ')} UTC, ${s.seconds} s | ${fmt(s.requests)} | **${s.failures}**${samples === '' ? '' : ` (${samples})`} | ${s.changes} (${s.reloads} reloads, ${s.runtimeUpdates} runtime API) | ${s.websocketEchoedAfterLastChange ? 'yes' : '**no**'} |`;
}

async function main(): Promise<void> {
  const sinkDir = await makeTempDir('hrb-sink');
  // Separate sinks, so the idle connections that the distinct keep-alive cell leaves behind do
  // not take connection slots from the other cells.
  const closeSink = await startSink(sinkDir.path, 'close', true, 4000);
  const sharedSink = await startSink(sinkDir.path, 'keep-alive', false, 4000);
  const distinctSink = await startSink(sinkDir.path, 'keep-alive-distinct', false, 8000);
  const cells: Cell[] = [];
  const pairs: Pair[] = [];
  const started = performance.now();
  const cell = async (...args: Parameters<typeof startCell>): Promise<Cell> => {
    const c = await startCell(...args);
    cells.push(c);
    return c;
  };
  const pair = (label: string, small: Cell, large: Cell, target = false): void => {
    pairs.push({
      label,
      small,
      large,
      smallRps: [],
      largeRps: [],
      ratios: [],
      smallPerCpu: [],
      largePerCpu: [],
      cpuRatios: [],
      target,
    });
  };
  try {
    const indexed10 = await cell('indexed:10', 'indexed', 10, closeSink.port);
    const keepalive10 = await cell('keepalive:10', 'indexed', 10, sharedSink.port);
    pair(
      '`openshift`, close',
      await cell('openshift:10', 'openshift', 10, closeSink.port),
      await cell('openshift:10000', 'openshift', 10_000, closeSink.port),
    );
    pair('`indexed`, close', indexed10, await cell('indexed:10000', 'indexed', 10_000, closeSink.port), true);
    pair(
      '`indexed`, close, 10 000 routes on 10 backends',
      indexed10,
      await cell('indexed-shared:10000', 'indexed', 10_000, closeSink.port, SHARED_BACKENDS),
    );
    pair(
      '`indexed`, keep-alive, 10 000 routes on 10 backends',
      keepalive10,
      await cell('keepalive-shared:10000', 'indexed', 10_000, sharedSink.port, SHARED_BACKENDS),
    );
    pair(
      '`indexed`, keep-alive, 10 000 distinct backends',
      await cell('keepalive:10-distinct-sink', 'indexed', 10, distinctSink.port),
      await cell('keepalive-distinct:10000', 'indexed', 10_000, distinctSink.port),
    );
    // Every HAProxy runs for the whole benchmark. The two cells of a pair are loaded at the same
    // time (one wrk each), so a burst from other jobs on this shared machine slows both alike and
    // the ratio of their rates holds; pairs take turns, ROUNDS times, and the median of the
    // per-round ratios is reported.
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of pairs) {
        const cpu0 = [p.small.cpuSeconds(), p.large.cpuSeconds()];
        const [a, b] = await Promise.all([
          wrk(p.small.port, p.small.script),
          wrk(p.large.port, p.large.script),
        ]);
        const smallPerCpu = a.requests / Math.max(0.01, p.small.cpuSeconds() - (cpu0[0] as number));
        const largePerCpu = b.requests / Math.max(0.01, p.large.cpuSeconds() - (cpu0[1] as number));
        p.smallRps.push(a.rps);
        p.largeRps.push(b.rps);
        p.ratios.push(b.rps / Math.max(1, a.rps));
        p.smallPerCpu.push(smallPerCpu);
        p.largePerCpu.push(largePerCpu);
        p.cpuRatios.push(largePerCpu / Math.max(1, smallPerCpu));
        for (const [c, r] of [
          [p.small, a],
          [p.large, b],
        ] as const) {
          if (r.non2xx > 0) c.notes.push(`${r.non2xx} non-2xx`);
          if (r.errors !== '') c.notes.push(r.errors);
        }
        console.log(
          `round ${round} ${p.label}: ${fmt(a.rps)} / ${fmt(b.rps)} req/s = ${pct(b.rps / Math.max(1, a.rps))}; per CPU-s ${fmt(smallPerCpu)} / ${fmt(largePerCpu)} = ${pct(largePerCpu / Math.max(1, smallPerCpu))}`,
        );
      }
    }
  } finally {
    for (const cell of cells) await cell.stop();
    closeSink.stop();
    sharedSink.stop();
    distinctSink.stop();
    await sinkDir.cleanup();
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const render = { openshift: renderTime('openshift', 10_000), indexed: renderTime('indexed', 10_000) };
  console.log('render 10 000 routes (ms)', render);

  const byLabel = (label: string) => pairs.find((p) => p.label === label) as Pair;
  const headline = byLabel('`indexed`, close');
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const pairRow = (p: Pair) =>
    `| ${p.label} | ${fmt(median(p.smallRps))} | ${fmt(median(p.largeRps))} | ${p.ratios.map(pct).join(', ')} | **${pct(median(p.ratios))}** | ${p.target ? met(median(p.ratios) >= 0.8) : ''} |`;
  const cpuRow = (p: Pair) =>
    `| ${p.label} | ${fmt(median(p.smallPerCpu))} | ${fmt(median(p.largePerCpu))} | ${p.cpuRatios.map(pct).join(', ')} | **${pct(median(p.cpuRatios))}** | ${p.target ? met(median(p.cpuRatios) >= 0.8) : ''} |`;
  const notes = cells
    .filter((c) => c.notes.length > 0)
    .map((c) => `${c.key}: ${[...new Set(c.notes)].join('; ')}`);
  const now = new Date();
  const md = `## @switchyard/haproxy-renderer

Command: \`pnpm bench haproxy-renderer\` (from the repository root). Run on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC,
${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, HAProxy 2.6 (Debian); the CPU is shared with other
jobs and with wrk itself, so compare the ratios measured side by side rather than the absolute figures. The load part
took ${Math.round(loadSeconds)} s.

### Throughput at 10 and 10 000 routes

Each pair of HAProxies (10 routes, 10 000 routes) is loaded at the same time, one wrk each (1 thread, 16 client
connections kept alive), for ${SECONDS} s, so both see the same load from the other jobs on the machine; the pairs take
turns, ${ROUNDS} rounds. All HAProxies run for the whole benchmark. Each request picks a random route and appends a random
path segment, so no lookup cache helps. Half the routes have a path, a tenth of the hosts carry two routes. Route
backends point at a second HAProxy (the sink) that answers 200 itself. Workloads:

- **close**: the sink closes after every answer, so every request opens one backend connection, whatever the
  number of backends. This is the workload of the issue's target.
- **10 000 routes on 10 backends**: the rendered configuration with its map keys and frontend rules unchanged,
  but the backend maps' values folded onto ${SHARED_BACKENDS} of the backends (a benchmark-only edit), so backend-side costs
  are those of 10 backends: what is left is the cost of the route lookup. With keep-alive, idle backend
  connections are reused as often as with 10 routes.
- **keep-alive, distinct backends**: as rendered, every route its own backend and server (all on one sink). A
  random request rarely finds an idle connection to its own server, so most requests open a new backend
  connection while the 10-route case reuses them: this measures connection pooling, not routing.

Rates are the medians over the rounds (req/s while the pair shares the machine); the ratio is the 10 000-route rate
over the 10-route rate within each round, and the headline is the median of those per-round ratios:

| workload | 10 routes req/s | 10 000 routes req/s | 10 000 / 10 per round | median ratio | target ≥ 80% |
|---|---:|---:|---|---:|---|
${pairs.map(pairRow).join('\n')}

Wall-clock rates on this machine depend on how much CPU the scheduler gives each HAProxy while the other jobs
run, which is why single rounds range widely. The cost of a request is steadier: requests answered per CPU-second
used by the routing HAProxy's worker (user + system time from \`/proc/<pid>/stat\`, same rounds). On a dedicated
machine where HAProxy is CPU-bound, throughput is proportional to it:

| workload | 10 routes req per CPU-s | 10 000 routes req per CPU-s | 10 000 / 10 per round | median ratio | target ≥ 80% |
|---|---:|---:|---|---:|---|
${pairs.map(cpuRow).join('\n')}

At 10 routes the \`indexed\` layout runs more rules per request than \`openshift\` (key normalisation with \`regsub\`,
up to five map lookups per purpose); in this run its 10-route rate was ${pct(median(headline.smallRps) / Math.max(1, median(byLabel('`openshift`, close').smallRps)))} of the \`openshift\` layout's
(measured in different pairs).
${notes.length > 0 ? `\nwrk notes: ${notes.join('; ')}\n` : ''}
What the pairs show (see docs/haproxy-renderer.md, Performance, for the measurements behind it): the route
lookup itself costs little at 10 000 routes (the pairs on 10 backends), the rest of the close-workload gap is
the cost of 10 000 distinct backends and servers (per-request work on backend, server and connection structures
spread over far more memory), and the keep-alive collapse with distinct backends is connection pooling: idle
connections are kept per server, so a random request among 10 000 servers rarely finds one and opens a new
connection (HAProxy's \`show stat\` over one 4 s run: 29 349 new backend connections and 7 369 reuses at 10 000
distinct servers; 114 and 105 577 at 10 servers).

### Targets

| target | value | |
|---|---:|---|
| \`indexed\` at 10 000 routes ≥ 80% of \`indexed\` at 10: req/s (close workload, median of per-round ratios; rounds ${pct(Math.min(...headline.ratios))}–${pct(Math.max(...headline.ratios))}) | ${pct(median(headline.ratios))} | ${met(median(headline.ratios) >= 0.8)} |
| the same, requests per HAProxy CPU-second (median of per-round ratios) | ${pct(median(headline.cpuRatios))} | ${met(median(headline.cpuRatios) >= 0.8)} |
| render 10 000 routes, \`openshift\` layout (median of 5) | ${fmt(render.openshift)} ms | ${met(render.openshift < 1000)} (< 1 000 ms) |
| render 10 000 routes, \`indexed\` layout (median of 5) | ${fmt(render.indexed)} ms | ${met(render.indexed < 1000)} (< 1 000 ms) |

### Reload under load (60 s soak)

Command, in packages/haproxy-renderer: \`pnpm exec tsx --conditions=development bench/soak.ts 60\` and
\`pnpm exec tsx --conditions=development bench/soak.ts 60 --keep-alive [--idle-close-on-response]\` (each records its result in
\`bench/soak-*.json\`, which this page copies; the benchmark does not rerun them). \`indexed\` layout, 16 concurrent
Node clients requesting one route while the route set changes every second (a route added or removed: reload;
endpoints scaled 1 → 2 → 3: runtime API), and a WebSocket opened before the first change.

| client connections | run | requests | failed | changes | WebSocket echoes after the last change |
|---|---|---:|---:|---|---|
${soakRow('close')}
${soakRow('keep-alive')}
${soakRow('keep-alive-idle-close')}

With keep-alive, the failures are requests sent on an idle client connection just as the old worker closed it
at a reload (HAProxy 2.6 closes idle front connections at once on soft-stop; Node's client does not retry). HAProxy's
\`option idle-close-on-response\` (OpenShift's \`idleConnectionTerminationPolicy: Deferred\`, accepted by the
installed 2.6) keeps such connections until they carry one more answer; the renderer emits it with
\`idleCloseOnResponse: true\` (off by default, as in OpenShift), and the third run shows the difference.
`;
  writeFileSync(OUT, md);
  console.log(`wrote ${OUT}`);
}

await main();
