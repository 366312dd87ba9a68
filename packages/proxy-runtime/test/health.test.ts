import { startHttpEcho } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { createProxyRuntime } from '../src/index.ts';
import type { ServerState } from '../src/internal/backends.ts';
import { HealthChecker } from '../src/internal/health.ts';
import { endpointSlice, get, route, service, sleep, table } from './helpers.ts';

function server(checkInterval: number): ServerState {
  return {
    id: 'ept:s:http:127.0.0.1:1',
    idHash: 'x',
    ip: '127.0.0.1',
    port: 1,
    weight: 1,
    maxconn: 0,
    active: 0,
    current: 0,
    draining: false,
    poolKey: 'k',
    backend: 'be_http:ns:r',
    counters: undefined,
    checkInterval,
    up: true,
    setCookie: undefined,
  };
}

async function until(cond: () => boolean, ms = 3_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

describe('health checks (fall 3, rise 2)', () => {
  it('goes down after three failed checks and up after two good ones', async () => {
    let healthy = true;
    let probes = 0;
    const checker = new HealthChecker(async () => {
      probes++;
      return healthy;
    });
    const s = server(10);
    checker.sync([s]);
    await until(() => probes >= 3);
    expect(s.up).toBe(true);
    healthy = false;
    const failedFrom = probes;
    expect(await until(() => !s.up)).toBe(true);
    expect(probes - failedFrom).toBeGreaterThanOrEqual(3);
    healthy = true;
    const okFrom = probes;
    expect(await until(() => s.up)).toBe(true);
    expect(probes - okFrom).toBeGreaterThanOrEqual(2);
    checker.stop();
  });

  it('a server that needs no check any more is up and not probed', async () => {
    let probes = 0;
    const checker = new HealthChecker(async () => {
      probes++;
      return false;
    });
    const s = server(10);
    checker.sync([s]);
    await until(() => !s.up);
    s.checkInterval = 0;
    checker.sync([s]);
    expect(s.up).toBe(true);
    const n = probes;
    await sleep(60);
    expect(probes).toBeLessThanOrEqual(n + 1);
    checker.stop();
  });

  it('end to end: a dead endpoint is taken out, so requests stop paying for the refused connection', async () => {
    const live = await startHttpEcho({ name: 'live' });
    const dead = await startHttpEcho({ name: 'dead' });
    const rt = createProxyRuntime({
      host: '127.0.0.1',
      httpPort: 0,
      httpsPort: false,
      table: table([
        service('hc'),
        ...endpointSlice('hc', [live.port, dead.port]),
        route(
          'hc',
          { host: 'hc.test', to: { kind: 'Service', name: 'hc' } },
          {
            'haproxy.router.openshift.io/balance': 'roundrobin',
            'router.openshift.io/haproxy.health.check.interval': '30ms',
          },
        ),
      ]),
    });
    const port = (await rt.listen()).httpPort as number;
    try {
      await dead.close();
      const errors = async (): Promise<number> =>
        Number(
          /switchyard_backend_connection_errors_total\{[^}]*route="hc"\} ([0-9]+)/.exec(
            await rt.metrics(),
          )?.[1] ?? 0,
        );
      // Checks every 30 ms, down after 3 failures (generous wait: timers run late on a busy machine).
      await sleep(1_500);
      const before = await errors();
      for (let i = 0; i < 10; i++) {
        const r = await get(port, 'hc.test', '/');
        expect(r.json?.backend).toBe('live');
      }
      expect(await errors()).toBe(before);
    } finally {
      await rt.close({ graceMs: 200 });
      await live.close();
    }
  });
});
