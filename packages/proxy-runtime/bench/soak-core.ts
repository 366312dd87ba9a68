/**
 * Hot update under load: continuous keep-alive requests while the table changes every
 * `intervalMs` (routes added and removed, a route's service moved between backends), plus a
 * WebSocket opened before the first change that must still echo after the last one.
 * Used by `bench/soak.ts` (60 s) and by the test suite (a few seconds).
 */
import { Agent, request } from 'node:http';
import { buildRoutingTable, type RouterObject, type RoutingTable } from '@switchyard/route-model';
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import WebSocket from 'ws';
import { createProxyRuntime } from '../src/index.ts';

/** Soak result. */
export interface SoakResult {
  readonly requests: number;
  readonly failures: number;
  readonly failureSamples: readonly string[];
  readonly updates: number;
  readonly websocketEchoedAfterLastUpdate: boolean;
  readonly durationMs: number;
}

const NS = 'soak';

function svc(name: string, port: number): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS, uid: `svc-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-1`,
        namespace: NS,
        uid: `eps-${name}`,
        labels: { 'kubernetes.io/service-name': name },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    },
  ];
}

function rt(name: string, host: string, service: string, i: number): object {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name,
      namespace: NS,
      uid: `route-${name}`,
      creationTimestamp: `2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    },
    spec: { host, to: { kind: 'Service', name: service } },
  };
}

/** Runs the soak. */
export async function runSoak(options: {
  durationMs: number;
  intervalMs: number;
  concurrency: number;
}): Promise<SoakResult> {
  const backends: EchoServer[] = await Promise.all(['a', 'b', 'c'].map((name) => startHttpEcho({ name })));
  const names = ['a', 'b', 'c'];
  const base = backends.flatMap((b, i) => svc(names[i] as string, b.port));
  const tableFor = (step: number): RoutingTable => {
    const objs: object[] = [
      ...base,
      rt('stable', 'stable.soak.test', 'a', 0),
      rt('ws', 'ws.soak.test', 'b', 1),
    ];
    objs.push(rt('moving', 'moving.soak.test', names[step % 3] as string, 2));
    // A rotating window of churn routes: some appear, some disappear at every step.
    for (let i = step % 7; i < 40; i += 3)
      objs.push(rt(`churn-${i}`, `churn-${i}.soak.test`, names[i % 3] as string, 3 + i));
    return buildRoutingTable(objs as RouterObject[], { allowLoopbackEndpoints: true }).table;
  };
  const runtime = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    table: tableFor(0),
  });
  const port = (await runtime.listen()).httpPort as number;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host: 'ws.soak.test' } });
  const wsMessages: string[] = [];
  ws.on('message', (d) => wsMessages.push(String(d)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });

  let requests = 0;
  let failures = 0;
  const samples: string[] = [];
  let running = true;
  const one = (host: string): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/x', headers: { host }, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          requests++;
          if (res.statusCode !== 200) {
            failures++;
            if (samples.length < 10) samples.push(`${host}: ${res.statusCode}`);
          }
          resolve();
        });
      });
      req.on('error', (e) => {
        requests++;
        failures++;
        if (samples.length < 10) samples.push(`${host}: ${e.message}`);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: options.concurrency }, async (_v, i) => {
    while (running) await one(i % 2 === 0 ? 'stable.soak.test' : 'moving.soak.test');
  });

  const start = Date.now();
  let updates = 0;
  while (Date.now() - start < options.durationMs) {
    await new Promise((r) => setTimeout(r, options.intervalMs));
    updates++;
    await runtime.update(tableFor(updates));
  }
  running = false;
  await Promise.all(loops);
  const before = wsMessages.length;
  ws.send('after-last-update');
  const echoed = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 5_000);
    const check = (): void => {
      if (wsMessages.slice(before).includes('after-last-update')) {
        clearTimeout(t);
        resolve(true);
      } else setTimeout(check, 10);
    };
    check();
  });
  ws.close();
  agent.destroy();
  await runtime.close({ graceMs: 1_000 });
  await Promise.all(backends.map((b) => b.close()));
  return {
    requests,
    failures,
    failureSamples: samples,
    updates,
    websocketEchoedAfterLastUpdate: echoed,
    durationMs: Date.now() - start,
  };
}
