import { readFile } from 'node:fs/promises';
import { type EchoServer, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HaproxyProcess,
  planUpdate,
  type RenderOptions,
  type RenderResult,
  RuntimeApi,
  renderHaproxyConfig,
} from '../src/index.ts';
import { DEFAULT_PEM, PKI } from './fixtures/fourteen.ts';
import { type RouteSpec, route, table } from './fixtures/routes.ts';
import { liveOptions, whoAnswers } from './helpers.ts';

const base: RenderOptions = { workingDir: '/w', defaultCertificate: DEFAULT_PEM, dynamicServers: true };
const web = (over: Partial<RouteSpec> = {}, n = 1, weight = 1): RouteSpec => ({
  name: 'web',
  host: 'web.test',
  services: [
    {
      name: 'web',
      weight,
      servers: Array.from({ length: n }, (_, i) => ({ ip: '10.0.0.1', port: 8000 + i, pod: `web-${i}` })),
    },
  ],
  ...over,
});
const render = (specs: RouteSpec[], options: Partial<RenderOptions> = {}): RenderResult =>
  renderHaproxyConfig(table(specs.map(route)), { ...base, ...options });

describe('planUpdate', () => {
  it.each([
    { name: 'nothing changed', prev: [web()], next: [web()], reload: false, commands: [] as string[] },
    {
      name: 'one endpoint added',
      prev: [web()],
      next: [web({}, 2)],
      reload: false,
      commands: [
        'add server be_http:ns:web/pod:web-1:web:http:10.0.0.1:8001 10.0.0.1:8001 weight 1 check inter 5000ms',
        'set server be_http:ns:web/pod:web-1:web:http:10.0.0.1:8001 state ready',
        'enable health be_http:ns:web/pod:web-1:web:http:10.0.0.1:8001',
      ],
    },
    {
      name: 'one endpoint removed',
      prev: [web({}, 2)],
      next: [web()],
      reload: false,
      commands: [
        'set server be_http:ns:web/pod:web-1:web:http:10.0.0.1:8001 state maint',
        'del server be_http:ns:web/pod:web-1:web:http:10.0.0.1:8001',
      ],
    },
    {
      name: 'server weights change with an alternate backend',
      prev: [
        web({
          services: [
            { name: 'a', weight: 1, servers: [{ ip: '10.0.0.1', port: 1 }] },
            { name: 'b', weight: 1, servers: [{ ip: '10.0.0.2', port: 1 }] },
          ],
        }),
      ],
      next: [
        web({
          services: [
            { name: 'a', weight: 3, servers: [{ ip: '10.0.0.1', port: 1 }] },
            { name: 'b', weight: 1, servers: [{ ip: '10.0.0.2', port: 1 }] },
          ],
        }),
      ],
      reload: false,
      commands: ['set server be_http:ns:web/ept:b:http:10.0.0.2:1 weight 85'],
    },
    {
      name: 'a route added',
      prev: [web()],
      next: [web(), web({ name: 'other', host: 'other.test' })],
      reload: true,
      commands: [],
    },
    {
      name: 'a route removed',
      prev: [web(), web({ name: 'other', host: 'other.test' })],
      next: [web()],
      reload: true,
      commands: [],
    },
    {
      name: 'an annotation changed',
      prev: [web()],
      next: [web({ policies: { timeout: '5s' } })],
      reload: true,
      commands: [],
    },
    {
      name: 'a certificate added',
      prev: [web({ termination: 'edge' })],
      next: [web({ termination: 'edge', tls: { certificate: PKI.edge.cert, key: PKI.edge.key } })],
      reload: true,
      commands: [],
    },
  ])('$name', ({ prev, next, reload, commands }) => {
    const plan = planUpdate(render(prev), render(next));
    expect(plan.reload).toBe(reload);
    if (reload) expect(plan.reasons.length).toBeGreaterThan(0);
    expect(
      plan.commands.filter((c) => c.type === 'command').map((c) => (c.type === 'command' ? c.command : '')),
    ).toEqual(commands);
  });

  it('a host change is a map swap, not a reload', () => {
    const plan = planUpdate(render([web()]), render([web({ host: 'moved.test' })]));
    expect(plan.reload).toBe(false);
    expect(plan.commands.map((c) => (c.type === 'replace-map' ? c.path : c.command))).toEqual([
      '/w/os_http_be.map',
      '/w/os_route_http_redirect.map',
    ]);
  });

  it('in the indexed layout a host change swaps only the maps HAProxy reads', () => {
    const plan = planUpdate(
      render([web()], { layout: 'indexed' }),
      render([web({ host: 'moved.test' })], { layout: 'indexed' }),
    );
    expect(plan.reload).toBe(false);
    expect(plan.commands.map((c) => (c.type === 'replace-map' ? c.path : c.command))).toEqual([
      // No route redirects, so the redirect maps stay empty and unchanged.
      '/w/idx_http_be_exact.map',
      '/w/idx_http_be_prefix.map',
    ]);
  });

  it('static cookies (OpenShift default) make a new server need a reload', () => {
    const plan = planUpdate(
      render([web()], { dynamicServers: false }),
      render([web({}, 2)], { dynamicServers: false }),
    );
    expect(plan.reload).toBe(true);
    expect(plan.reasons[0]).toMatch(/static cookies/);
  });
});

describe.each(['openshift', 'indexed'] as const)(
  'runtime updates in a real HAProxy, %s layout (no reload)',
  (layout) => {
    let tmp: TempDir;
    let proc: HaproxyProcess;
    let options: RenderOptions;
    const echoes: EchoServer[] = [];

    const scaled = (n: number, host = 'scale.test'): RenderResult =>
      renderHaproxyConfig(
        table([
          route({
            name: 'scale',
            host,
            services: [
              {
                name: 'scale',
                servers: echoes
                  .slice(0, n)
                  .map((e, i) => ({ ip: '127.0.0.1', port: e.port, pod: `scale-${i}` })),
              },
            ],
            policies: { balance: 'roundrobin' },
          }),
        ]),
        options,
      );

    async function reached(requests: number, host = 'scale.test'): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      for (let i = 0; i < requests; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, () => whoAnswers(options.httpPort as number, host, '/')),
        );
        for (const b of batch) counts.set(b, (counts.get(b) ?? 0) + 1);
      }
      return counts;
    }

    beforeAll(async () => {
      tmp = await makeTempDir('hrr');
      for (let i = 0; i < 20; i++) echoes.push(await startHttpEcho({ name: `e${i}` }));
      options = await liveOptions(tmp.path, { dynamicServers: true, layout });
      proc = new HaproxyProcess({ workingDir: tmp.path, stopTimeoutMs: 2_000 });
      await proc.start(scaled(1));
    });

    afterAll(async () => {
      await proc?.stop({ timeoutMs: 2_000 });
      await Promise.all(echoes.map((e) => e.close()));
      await tmp?.cleanup();
    });

    it('scales 1 → 20 → 1 endpoints without a reload; traffic reaches exactly the current endpoints', async () => {
      const before = await proc.showProc();
      const api = new RuntimeApi({ socketPath: proc.statsSocket });
      const workerPid = (await api.showInfo()).Pid;
      expect([...(await reached(20)).keys()]).toEqual(['e0']);

      const up = await proc.update(scaled(20));
      expect(up).toMatchObject({ ok: true, mode: 'runtime' });
      const wide = await reached(400);
      expect([...wide.keys()].sort()).toEqual(echoes.map((e) => e.name).sort());
      const servers = await api.servers('be_http:ns:scale');
      expect([...servers.values()].filter((s) => !s.maintenance)).toHaveLength(20);
      const last = (echoes[19] as EchoServer).port;
      expect(servers.get(`pod:scale-19:scale:http:127.0.0.1:${last}`)?.address).toBe(`127.0.0.1:${last}`);

      const down = await proc.update(scaled(1));
      expect(down).toMatchObject({ ok: true, mode: 'runtime' });
      expect([...(await reached(100)).keys()]).toEqual(['e0']);
      expect(
        [...(await api.servers('be_http:ns:scale')).values()].filter((s) => !s.maintenance),
      ).toHaveLength(1);

      const after = await proc.showProc();
      expect(after.masterPid).toBe(before.masterPid);
      expect(after.reloads).toBe(before.reloads);
      expect((await api.showInfo()).Pid).toBe(workerPid);
      // The files hold the runtime state, so a reload would load the same servers.
      const onDisk = await readFile(proc.configPath, 'utf8');
      expect(onDisk.match(/^ {2}server pod:scale-/gm)).toHaveLength(1);
    });

    it('moves a route to another host with a map swap, without a reload', async () => {
      const before = await proc.showProc();
      const moved = await proc.update(scaled(1, 'moved.test'));
      expect(moved).toMatchObject({ ok: true, mode: 'runtime' });
      expect(await whoAnswers(options.httpPort as number, 'moved.test', '/')).toBe('e0');
      expect(await whoAnswers(options.httpPort as number, 'scale.test', '/')).toBe('status:503');
      expect((await proc.showProc()).reloads).toBe(before.reloads);
    });

    it('a reload after runtime updates loads the same state from the files', async () => {
      await proc.update(scaled(3, 'moved.test'));
      const outcome = await proc.reload();
      expect(outcome.ok).toBe(true);
      expect([...(await reached(60, 'moved.test')).keys()].sort()).toEqual(['e0', 'e1', 'e2']);
    });
  },
);
