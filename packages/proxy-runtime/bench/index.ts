/**
 * `pnpm bench` (= `tsx --conditions=development bench/index.ts`): requests per second and p99
 * latency through the native runtime, http-proxy (keep-alive agent), @fastify/reply-from and
 * HAProxy (OpenShift map layout, one thread), at 10 and 10 000 routes with random hosts and
 * paths, plus TLS edge (keep-alive and new handshakes) and workers 1 vs 2. One load generator
 * (wrk, one thread, 50 connections, keep-alive) and one HAProxy backend answering directly.
 * Writes docs/benchmarks/proxy-runtime.md.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { renderHaproxyConfig } from '@switchyard/haproxy-renderer';
import { createCertificate, freePort, makeTempDir, startHaproxy } from '@switchyard/testkit';
import { generateRoutes, routeTable } from './routes.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TLS_ROUNDS = Number(process.env.BENCH_TLS_ROUNDS ?? 3);
const WARMUP = 1;
/** Another copy of this package's `src/index.ts` (e.g. the previous commit) measured as `native (baseline)`. */
const BASELINE = process.env.BENCH_BASELINE;
const CONNECTIONS = 50;

interface Point {
  readonly name: string;
  readonly routes: number;
  /** Median over the rounds. */
  readonly rps: number;
  /** Best round: other load on a shared machine only ever lowers a run, so this is the closest to capacity. */
  readonly best?: number;
  /** Lowest and highest round. */
  readonly min?: number;
  readonly p99ms: number;
  readonly errors: number;
  /** CPU time of the proxy process(es) per request, in microseconds (median round). */
  readonly cpuUs?: number;
  /** Requests per second of every round, in round order (for paired ratios). */
  readonly rounds?: readonly number[];
}

async function wrk(
  url: string,
  targetsFile: string,
  close = false,
  seconds = SECONDS,
): Promise<Omit<Point, 'name' | 'routes'>> {
  const args = [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    join(here, 'wrk.lua'),
    url,
    '--',
    targetsFile,
  ];
  if (close) args.push('close');
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(stdout)?.[1] ?? 0);
  const p99raw = /99%\s+([0-9.]+)(us|ms|s)/.exec(stdout);
  const p99ms = p99raw
    ? Number(p99raw[1]) * (p99raw[2] === 'us' ? 0.001 : p99raw[2] === 's' ? 1000 : 1)
    : Number.NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+([0-9]+)/.exec(stdout)?.[1] ?? 0);
  const sockErr = /Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)/.exec(
    stdout,
  );
  const errs = sockErr ? Number(sockErr[1]) + Number(sockErr[3]) + Number(sockErr[4]) : 0;
  return { rps, p99ms, errors: non2xx + errs };
}

async function startChild(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; port: number; tlsPort?: number }> {
  const require = createRequire(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(require.resolve('tsx')).href,
      '--conditions=development',
      join(here, 'server.ts'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], ...(env ? { env: { ...process.env, ...env } } : {}) },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.once('exit', (c) => reject(new Error(`server ${args.join(' ')} exited ${c}`)));
  });
  const { port, tlsPort } = JSON.parse(line) as { port: number; tlsPort?: number };
  return { child, port, ...(tlsPort ? { tlsPort } : {}) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

interface Target {
  readonly name: string;
  readonly routes: number;
  readonly url: string;
  readonly targets: string;
  readonly close?: boolean;
  /** Process whose CPU time (with its direct children, e.g. workers) is charged to this target. */
  readonly pid?: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process and its direct children (workers), in seconds; undefined off Linux. */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const ticks = async (p: string): Promise<[number, number] | undefined> => {
    try {
      const stat = await readFile(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces): state is field 3.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(f[1]), Number(f[11]) + Number(f[12])];
    } catch {
      return undefined;
    }
  };
  const own = await ticks(String(pid));
  if (!own) return undefined;
  let total = own[1];
  for (const p of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(p)) continue;
    const t = await ticks(p);
    if (t && t[0] === pid) total += t[1];
  }
  return total / TICKS_PER_SECOND;
}

interface Round {
  readonly rps: number;
  readonly requests: number;
  readonly p99ms: number;
  readonly errors: number;
  readonly cpuUs: number | undefined;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Measures every target `rounds` times, interleaved (A B C A B C ...), and keeps the median per
 * target: other work on a shared machine then hits every proxy alike instead of one point. The
 * order rotates each round so no target always runs right after the same neighbour.
 */
async function measure(list: readonly Target[], points: Point[], rounds = ROUNDS): Promise<void> {
  for (const t of list) await wrk(t.url, t.targets, t.close, WARMUP); // JIT, pools; not recorded
  const runs = new Map<Target, Round[]>(list.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < list.length; i++) {
      const t = list[(i + r) % list.length] as Target;
      const c0 = await cpuSeconds(t.pid);
      const res = await wrk(t.url, t.targets, t.close);
      const c1 = await cpuSeconds(t.pid);
      const requests = res.rps * SECONDS;
      const cpuUs =
        c0 !== undefined && c1 !== undefined && requests > 0 ? ((c1 - c0) * 1e6) / requests : undefined;
      runs.get(t)?.push({ ...res, requests, cpuUs });
    }
  }
  for (const t of list) {
    const rs = runs.get(t) ?? [];
    const byRps = [...rs].sort((a, b) => a.rps - b.rps);
    const mid = byRps[Math.floor(byRps.length / 2)] as Round;
    const cpus = rs.map((x) => x.cpuUs).filter((x): x is number => x !== undefined);
    points.push({
      name: t.name,
      routes: t.routes,
      rps: median(rs.map((x) => x.rps)),
      best: (byRps.at(-1) as Round).rps,
      min: (byRps[0] as Round).rps,
      p99ms: mid.p99ms,
      errors: rs.reduce((n, x) => n + x.errors, 0),
      ...(cpus.length > 0 ? { cpuUs: median(cpus) } : {}),
      rounds: rs.map((x) => x.rps),
    });
    console.error(t.name, t.routes, rs.map((x) => x.rps.toFixed(0)).join(' '));
  }
}

async function startHaproxyProxy(
  tmpDir: string,
  n: number,
  routes: ReturnType<typeof generateRoutes>,
  backendPort: number,
  pem: string,
): Promise<{ httpPort: number; httpsPort: number; pid: number; stop(): Promise<void> }> {
  const dir = join(tmpDir, `haproxy-${n}`);
  await mkdir(join(dir, 'run'), { recursive: true });
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const res = renderHaproxyConfig(
    { routes: new Map(routeTable(routes, backendPort, true).routes) },
    {
      workingDir: dir,
      layout: 'openshift',
      bindAddress: '127.0.0.1',
      httpPort,
      httpsPort,
      statsPort: await freePort(),
      threads: 1,
      defaultCertificate: pem,
    },
  );
  for (const [p, content] of Object.entries(res.files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), content, { mode: 0o600 });
  }
  const hp = await startHaproxy({ configPath: join(dir, 'haproxy.config'), waitForPort: httpPort, cwd: dir });
  return { httpPort, httpsPort, pid: hp.pid, stop: () => hp.stop() };
}

const SCRIPTS_HEADING = '## @switchyard/proxy-runtime: client aborts and hot-update soak';

async function main(): Promise<void> {
  const tmp = await makeTempDir('pr-bench');
  const points: Point[] = [];
  const backendPort = await freePort();
  const beCfg = join(tmp.path, 'backend.cfg');
  await writeFile(
    beCfg,
    `global\n  nbthread 1\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\nfrontend fe\n  bind 127.0.0.1:${backendPort}\n  http-request return status 200 content-type text/plain string ok\n`,
  );
  const backend = await startHaproxy({ configPath: beCfg, waitForPort: backendPort });
  const cert = await createCertificate({ commonName: 'default.bench.test' });
  const pem = `${cert.key}\n${cert.cert}`;
  const stops: (() => Promise<void>)[] = [];
  try {
    const targetsFor = async (n: number): Promise<string> => {
      const routes = generateRoutes(n);
      const file = join(tmp.path, `targets-${n}.txt`);
      const lines: string[] = [];
      for (let i = 0; i < Math.min(20_000, n * 20); i++) {
        const r = routes[(i * 7919) % routes.length] as { host: string; path: string };
        lines.push(`${r.host} ${r.path === '' ? `/x${i % 97}` : `${r.path}/y${i % 89}`}`);
      }
      await writeFile(file, `${lines.join('\n')}\n`);
      return file;
    };
    const t10 = await targetsFor(10);
    const t10k = await targetsFor(10_000);
    const start = async (
      args: string[],
      env?: NodeJS.ProcessEnv,
    ): Promise<{ port: number; tlsPort?: number; pid?: number }> => {
      const s = await startChild(args, env);
      stops.push(() => stopChild(s.child));
      return { ...s, ...(s.child.pid !== undefined ? { pid: s.child.pid } : {}) };
    };
    const n10 = await start(['native', '10', String(backendPort)]);
    const n10k = await start(['native', '10000', String(backendPort)]);
    const w2 = await start(['native', '10', String(backendPort), '2']);
    const hp10 = await start(['http-proxy', '10', String(backendPort)]);
    const hp10k = await start(['http-proxy', '10000', String(backendPort)]);
    const rf10 = await start(['reply-from', '10', String(backendPort)]);
    const rf10k = await start(['reply-from', '10000', String(backendPort)]);
    const base10 = BASELINE ? await start(['native-baseline', '10', String(backendPort)]) : undefined;
    const base10k = BASELINE ? await start(['native-baseline', '10000', String(backendPort)]) : undefined;
    const ha10 = await startHaproxyProxy(tmp.path, 10, generateRoutes(10), backendPort, pem);
    stops.push(ha10.stop);
    const ha10k = await startHaproxyProxy(tmp.path, 10_000, generateRoutes(10_000), backendPort, pem);
    stops.push(ha10k.stop);
    const http = (p: number): string => `http://127.0.0.1:${p}`;
    const HA = 'haproxy (openshift layout, 1 thread)';
    const BASELINE_NAME = 'native (baseline)';
    const pid = (x: { pid?: number }): { pid?: number } => (x.pid !== undefined ? { pid: x.pid } : {});
    await measure(
      [
        { name: 'native', routes: 10, url: http(n10.port), targets: t10, ...pid(n10) },
        { name: 'http-proxy', routes: 10, url: http(hp10.port), targets: t10, ...pid(hp10) },
        { name: 'reply-from', routes: 10, url: http(rf10.port), targets: t10, ...pid(rf10) },
        { name: HA, routes: 10, url: http(ha10.httpPort), targets: t10, pid: ha10.pid },
        { name: 'native', routes: 10_000, url: http(n10k.port), targets: t10k, ...pid(n10k) },
        { name: 'http-proxy', routes: 10_000, url: http(hp10k.port), targets: t10k, ...pid(hp10k) },
        { name: 'reply-from', routes: 10_000, url: http(rf10k.port), targets: t10k, ...pid(rf10k) },
        { name: 'native, workers: 2', routes: 10, url: http(w2.port), targets: t10, ...pid(w2) },
        ...(base10 && base10k
          ? [
              { name: BASELINE_NAME, routes: 10, url: http(base10.port), targets: t10, ...pid(base10) },
              {
                name: BASELINE_NAME,
                routes: 10_000,
                url: http(base10k.port),
                targets: t10k,
                ...pid(base10k),
              },
            ]
          : []),
      ],
      points,
    );
    // map_reg over 10 000 routes is so slow that one short run is enough to show it.
    const c0 = await cpuSeconds(ha10k.pid);
    const slow = await wrk(http(ha10k.httpPort), t10k);
    const c1 = await cpuSeconds(ha10k.pid);
    points.push({
      name: HA,
      routes: 10_000,
      ...slow,
      ...(c0 !== undefined && c1 !== undefined && slow.rps > 0
        ? { cpuUs: ((c1 - c0) * 1e6) / (slow.rps * SECONDS) }
        : {}),
    });
    const https = (p: number | undefined): string => `https://127.0.0.1:${p}`;
    await measure(
      [
        { name: 'native TLS edge keep-alive', routes: 10, url: https(n10.tlsPort), targets: t10 },
        { name: 'haproxy TLS edge keep-alive', routes: 10, url: https(ha10.httpsPort), targets: t10 },
        {
          name: 'native TLS edge new handshake per request',
          routes: 10,
          url: https(n10.tlsPort),
          targets: t10,
          close: true,
        },
        {
          name: 'haproxy TLS edge new handshake per request',
          routes: 10,
          url: https(ha10.httpsPort),
          targets: t10,
          close: true,
        },
      ],
      points,
      TLS_ROUNDS,
    );
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await backend.stop();
    await tmp.cleanup();
  }
  await writeReport(points);
}

async function writeReport(points: Point[]): Promise<void> {
  const find = (name: string, n: number): Point | undefined =>
    points.find((p) => p.name === name && p.routes === n);
  const rps = (name: string, n: number): number => find(name, n)?.rps ?? 0;
  /** Ratios a/b of the rounds measured side by side (same round): median, lowest, highest. */
  const paired = (a: Point | undefined, b: Point | undefined): { med: number; lo: number; hi: number } => {
    const ra = a?.rounds ?? [];
    const rb = b?.rounds ?? [];
    const rs = ra.map((x, i) => x / (rb[i] ?? Number.NaN)).filter((x) => Number.isFinite(x));
    if (rs.length === 0) return { med: Number.NaN, lo: Number.NaN, hi: Number.NaN };
    return { med: median(rs), lo: Math.min(...rs), hi: Math.max(...rs) };
  };
  const fmt = (r: { med: number; lo: number; hi: number }): string =>
    `${r.med.toFixed(2)} (rounds ${r.lo.toFixed(2)}–${r.hi.toFixed(2)})`;
  const HA = 'haproxy (openshift layout, 1 thread)';
  const n10 = rps('native', 10);
  const n10k = rps('native', 10_000);
  const hp10 = rps(HA, 10);
  const hp10k = rps(HA, 10_000);
  const vsHttpProxy = paired(find('native', 10), find('http-proxy', 10));
  const vsReplyFrom = paired(find('native', 10), find('reply-from', 10));
  const vsHaproxy = paired(find('native', 10), find(HA, 10));
  const scale = paired(find('native', 10_000), find('native', 10));
  const targets: [string, boolean, string][] = [
    [
      'native ahead of http-proxy and @fastify/reply-from at 10 routes',
      n10 > rps('http-proxy', 10) && n10 > rps('reply-from', 10),
      `${n10.toFixed(0)} vs ${rps('http-proxy', 10).toFixed(0)} / ${rps('reply-from', 10).toFixed(0)}; paired ratios ${fmt(vsHttpProxy)} / ${fmt(vsReplyFrom)}`,
    ],
    [
      'native at least 1/3 of HAProxy at 10 routes',
      n10 >= hp10 / 3,
      `ratio ${(n10 / hp10).toFixed(2)}; paired ${fmt(vsHaproxy)}`,
    ],
    [
      'native at least 5x HAProxy (openshift layout) at 10 000 routes',
      n10k >= 5 * hp10k,
      `ratio ${(n10k / hp10k).toFixed(2)}`,
    ],
    [
      'native at 10 000 routes at least 80% of native at 10',
      n10k >= 0.8 * n10,
      `ratio ${(n10k / n10).toFixed(2)}; paired ${fmt(scale)}`,
    ],
  ];
  const num = (v: number | undefined, d = 0): string => (v === undefined ? '-' : v.toFixed(d));
  const date = new Date().toISOString();
  const envPrefix = ['BENCH_ROUNDS', 'BENCH_TLS_ROUNDS', 'BENCH_SECONDS', 'BENCH_BASELINE']
    .filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${k === 'BENCH_BASELINE' ? '<copy>/src/index.ts' : process.env[k]} `)
    .join('');
  const baseline: string[] = [];
  if (find('native (baseline)', 10)) {
    baseline.push(
      '',
      '### Before / after',
      '',
      '`native (baseline)` is the previous version of this package (`BENCH_BASELINE=<copy>/src/index.ts`), measured in the same rounds as the current one.',
      '',
      '| routes | current req/s | baseline req/s | paired ratio current/baseline | CPU µs/request current | CPU µs/request baseline |',
      '|---:|---:|---:|---|---:|---:|',
    );
    for (const n of [10, 10_000]) {
      const cur = find('native', n);
      const old = find('native (baseline)', n);
      baseline.push(
        `| ${n} | ${num(cur?.rps)} | ${num(old?.rps)} | ${fmt(paired(cur, old))} | ${num(cur?.cpuUs, 1)} | ${num(old?.cpuUs, 1)} |`,
      );
    }
  }
  const md = [
    '## @switchyard/proxy-runtime',
    '',
    `Command: \`${envPrefix}pnpm bench proxy-runtime\` (from the root; \`pnpm bench\` in \`packages/proxy-runtime\`). Run: ${date}.`,
    '',
    `Machine: ${(await import('node:os')).cpus().length} cores shared by the load generator (wrk, 1 thread, ${CONNECTIONS} keep-alive connections), the proxy under test and the backend (HAProxy answering \`200 ok\` directly). Each HTTP point is the median of ${ROUNDS} rounds of ${SECONDS} s (TLS: ${TLS_ROUNDS} rounds), after a ${WARMUP} s warm-up; within a round every proxy runs once, in an order that rotates from round to round, so load from other processes hits them alike. Requests go to random routes (random hosts, half with a random path). Node libraries have no router: they get a host map (paths not checked). HAProxy runs OpenShift's configuration rendered by @switchyard/haproxy-renderer (\`map_reg\` maps), one thread. Numbers on a shared machine move between runs; compare ratios within one run.`,
    '',
    'CPU µs/request is the CPU time (user + system, with worker processes) the proxy process used during the round divided by the requests it served: it depends much less on what else runs on the machine than req/s does.',
    '',
    '| proxy | routes | req/s (median) | req/s (lowest–highest round) | CPU µs/request | p99 ms (median round) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...points.map(
      (p) =>
        `| ${p.name} | ${p.routes} | ${p.rps.toFixed(0)} | ${p.min === undefined || p.best === undefined ? '-' : `${p.min.toFixed(0)}–${p.best.toFixed(0)}`} | ${num(p.cpuUs, 1)} | ${p.p99ms.toFixed(2)} | ${p.errors} |`,
    ),
    '',
    "Targets are judged on the medians. The paired ratios divide the two proxies' figures of the same round (measured seconds apart), which cancels most of the machine's load swings; the range shows the lowest and highest round.",
    '',
    '| target | met | measured |',
    '|---|---|---|',
    ...targets.map(([t, ok, m]) => `| ${t} | ${ok ? 'yes' : 'no'} | ${m} |`),
    '',
    `Workers: \`workers: 1\` ${n10.toFixed(0)} req/s, \`workers: 2\` ${rps('native, workers: 2', 10).toFixed(0)} req/s (2 cores shared with wrk and the backend: a figure, not a target).`,
    ...baseline,
    '',
  ].join('\n');
  const out = join(here, '../../../docs/benchmarks/proxy-runtime.md');
  await mkdir(dirname(out), { recursive: true });
  // Sections recorded by the acceptance scripts (bench/aborts.ts, bench/soak.ts) follow their
  // own level-2 heading; a new benchmark report replaces only its own part of the page.
  const previous = await readFile(out, 'utf8').catch(() => '');
  const kept = previous.indexOf(SCRIPTS_HEADING);
  await writeFile(out, kept < 0 ? md : `${md}\n${previous.slice(kept)}`);
  console.log(md);
}

await main();
