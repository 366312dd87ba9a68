/**
 * Convergence benchmark of the `switchyard` process: the time from a change (a manifest file
 * saved, or a Route created through the Kubernetes API) to the first request served by the new
 * route, over 100 changes, for each engine. Writes docs/benchmarks/router.md.
 *
 * Run: `pnpm bench router` from the repository root (or `pnpm bench` here).
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import {
  haproxyAvailable,
  httpGet,
  type K8sApiServer,
  makeTempDir,
  startHttpEcho,
  startK8sApiServer,
} from '@switchyard/testkit';
import { endpointSlice, route, service } from '../test/helpers/objects.ts';
import {
  REPO_DIR,
  type RouterProcess,
  startRouterProcess,
  writeManifest,
} from '../test/helpers/router-process.ts';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);

interface Result {
  engine: string;
  source: string;
  samples: number[];
  note: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Polls `host` until it answers 200 from backend `a`; returns the time of that answer. */
async function firstServed(port: number, host: string, agent: Agent, deadlineMs: number): Promise<number> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const answer = await httpGet(port, host, '/', { agent }).catch(() => undefined);
    if (answer?.status === 200 && answer.backend === 'a') return performance.now();
    if (performance.now() > deadline) throw new Error(`${host} not served within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function measureFiles(
  engine: 'native' | 'haproxy',
  backendPort: number,
  options: { changes?: number; pauseMs?: number } = {},
): Promise<Result> {
  const dir = await makeTempDir(`switchyard-bench-${engine}-`);
  const routesDir = join(dir.path, 'routes');
  await mkdir(routesDir);
  const base = [service('bench', 'svc-a'), endpointSlice('bench', 'svc-a', backendPort)];
  const file = join(routesDir, 'bench.yaml');
  await writeManifest(file, base);
  const proc = await startRouterProcess([
    '--routes',
    routesDir,
    '--engine',
    engine,
    '--reload-interval',
    '1s',
    '--log-level',
    'warn',
  ]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  const routes: object[] = [];
  try {
    const changes = options.changes ?? CHANGES;
    for (let i = 0; i < changes; i += 1) {
      routes.push(route('bench', `r${i}`, `r${i}.bench.test`, 'svc-a'));
      // A pause between changes, as edits by a person or a CI job would be spaced.
      await new Promise((resolve) =>
        setTimeout(resolve, options.pauseMs ?? (engine === 'haproxy' ? 50 : 20)),
      );
      const changedAt = performance.now();
      await writeManifest(file, [...base, ...routes]);
      samples.push((await firstServed(proc.httpPort, `r${i}.bench.test`, agent, 30_000)) - changedAt);
    }
  } finally {
    agent.destroy();
    await proc.stop();
    await dir.cleanup();
  }
  const idle = options.pauseMs !== undefined && options.pauseMs > 1000;
  return {
    engine,
    source: idle ? 'manifest file saved, 1.2 s after the last change' : 'manifest file saved',
    samples,
    note:
      engine === 'haproxy'
        ? idle
          ? 'each change is the first after a quiet interval: applied at once (render, haproxy -c, reload)'
          : 'RELOAD_INTERVAL 1s (the minimum): a change within 1 s of the last reload waits for the coalesced run'
        : 'file watch debounce 15 ms; only changed documents re-parsed',
  };
}

async function measureApi(engine: 'native' | 'haproxy', backendPort: number): Promise<Result> {
  const api: K8sApiServer = await startK8sApiServer();
  const dir = await makeTempDir('switchyard-bench-api-');
  let proc: RouterProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  try {
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } as never);
    api.create(service('bench', 'svc-a') as never);
    api.create(endpointSlice('bench', 'svc-a', backendPort) as never);
    const kubeconfig = await api.writeKubeconfig(join(dir.path, 'kubeconfig'));
    proc = await startRouterProcess([
      '--kubeconfig',
      kubeconfig,
      '--engine',
      engine,
      '--allow-loopback-endpoints',
      '--reload-interval',
      '1s',
      '--log-level',
      'warn',
    ]);
    for (let i = 0; i < CHANGES; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, engine === 'haproxy' ? 50 : 20));
      const changedAt = performance.now();
      api.create(route('bench', `r${i}`, `r${i}.bench.test`, 'svc-a') as never);
      samples.push((await firstServed(proc.httpPort, `r${i}.bench.test`, agent, 30_000)) - changedAt);
    }
  } finally {
    agent.destroy();
    await proc?.stop();
    await api.close();
    await dir.cleanup();
  }
  return {
    engine,
    source: 'Route created through the API',
    samples,
    note: 'k8s-watcher watch → store → engine; status writes run alongside',
  };
}

async function main(): Promise<void> {
  const backend = await startHttpEcho({ name: 'a' });
  const results: Result[] = [];
  const engines: ('native' | 'haproxy')[] = ['native'];
  if (haproxyAvailable() && process.env.BENCH_SKIP_HAPROXY !== '1') engines.push('haproxy');
  try {
    for (const engine of engines) {
      const measures: [string, () => Promise<Result>][] = [
        ['manifest file saved', () => measureFiles(engine, backend.port)],
        ['Route created through the API', () => measureApi(engine, backend.port)],
      ];
      if (engine === 'haproxy')
        measures.push([
          'manifest file saved, 1.2 s after the last change',
          () => measureFiles(engine, backend.port, { changes: Math.min(CHANGES, 20), pauseMs: 1200 }),
        ]);
      for (const [label, measure] of measures) {
        try {
          const result = await measure();
          results.push(result);
          const sorted = [...result.samples].sort((x, y) => x - y);
          console.log(
            `${engine} / ${result.source}: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
          );
        } catch (error) {
          console.error(`${engine} / ${label}: ${(error as Error).message.slice(0, 2000)}`);
          results.push({
            engine,
            source: label,
            samples: [],
            note: `failed: ${(error as Error).message.split('\n')[0]}`,
          });
        }
      }
    }
  } finally {
    await backend.close();
  }

  const rows = results.map((r) => {
    const sorted = [...r.samples].sort((x, y) => x - y);
    const fmt = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(1));
    return `| ${r.engine} | ${r.source} | ${r.samples.length} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} | ${fmt(sorted.at(-1) ?? Number.NaN)} | ${r.note} |`;
  });
  const nativeFiles = results.find((r) => r.engine === 'native' && r.source.startsWith('manifest'));
  const nativeP99 = nativeFiles
    ? percentile(
        [...nativeFiles.samples].sort((x, y) => x - y),
        99,
      )
    : Number.NaN;
  const target = Number.isNaN(nativeP99)
    ? 'not measured'
    : nativeP99 < 100
      ? `met (${nativeP99.toFixed(1)} ms)`
      : `NOT met (${nativeP99.toFixed(1)} ms)`;
  const text = [
    '## router',
    '',
    `Command: \`pnpm bench router\` (apps/router/bench/index.ts). Run on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `Convergence: the time from a change to the first request served by the new route, measured from outside the`,
    `real \`switchyard\` process over ${CHANGES} changes (each adds one route; a client polls the new host every`,
    '~1 ms over keep-alive until it answers 200 from the backend). The CPU is shared with other jobs: compare',
    'rows within one run rather than with other machines.',
    '',
    '| engine | change | samples | p50 ms | p99 ms | max ms | notes |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Target (issue 8): native p99 under 100 ms for a manifest change: ${target}.`,
    '',
  ].join('\n');
  writeFileSync(join(REPO_DIR, 'docs', 'benchmarks', 'router.md'), text);
  console.log(text);
}

await main();
