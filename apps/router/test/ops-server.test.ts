import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouterMetrics } from '../src/metrics.ts';
import { type OpsServer, startOpsServer } from '../src/ops-server.ts';

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startOpsServer', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([
    ['every check passes', true, true, 200, '[+]has-synced ok\n[+]backend-http ok\nok\n'],
    [
      'one check fails',
      true,
      'no answer on :8080',
      503,
      '[+]has-synced ok\n[-]backend-http failed: no answer on :8080\nhealthz check failed\n',
    ],
    [
      'a check throws',
      true,
      new Error('boom'),
      503,
      '[+]has-synced ok\n[-]backend-http failed: boom\nhealthz check failed\n',
    ],
  ])('/healthz/ready when %s', async (_name, synced, backend, status, body) => {
    const metrics = createRouterMetrics();
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      liveness: { controller: () => true },
      readiness: {
        'has-synced': (): true | string => (synced ? true : 'not synced'),
        'backend-http': (): true | string => {
          if (backend instanceof Error) throw backend;
          return backend as true | string;
        },
      },
    });
    const answer = await get(server.port, '/healthz/ready');
    expect(answer).toMatchObject({ status, body });
    expect(await server.isReady()).toBe(status === 200);
  });

  it('/healthz is liveness, /metrics has the router and data-plane metrics, others are 404', async () => {
    const metrics = createRouterMetrics();
    metrics.routes.set({ state: 'admitted' }, 3);
    metrics.routes.set({ state: 'rejected' }, 1);
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      extraMetrics: () => '# TYPE dataplane_requests_total counter\ndataplane_requests_total 7\n',
      liveness: { controller: () => true },
      readiness: {},
    });
    expect(await get(server.port, '/healthz')).toMatchObject({ status: 200, body: '[+]controller ok\nok\n' });
    const scraped = await get(server.port, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.type).toMatch(/^text\/plain/);
    expect(scraped.body).toContain('switchyard_routes{state="admitted"} 3');
    expect(scraped.body).toContain('switchyard_routes{state="rejected"} 1');
    expect(scraped.body).toContain('template_router_reload_seconds');
    expect(scraped.body).toContain('process_cpu_user_seconds_total');
    expect(scraped.body).toContain('dataplane_requests_total 7');
    expect((await get(server.port, '/nope')).status).toBe(404);
  });

  it('STATS_USERNAME/STATS_PASSWORD: /metrics asks for Basic credentials, /healthz stays open', async () => {
    const metrics = createRouterMetrics();
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      liveness: { controller: () => true },
      readiness: { 'has-synced': () => true },
      metricsAuth: { username: 'admin', password: 's3cret:pw' },
    });
    const basic = (u: string, p: string) => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
    });
    expect((await get(server.port, '/metrics')).status).toBe(401);
    expect((await get(server.port, '/metrics', basic('admin', 'wrong'))).status).toBe(401);
    expect((await get(server.port, '/metrics', basic('admin', 's3cret:pw2'))).status).toBe(401);
    const ok = await get(server.port, '/metrics', basic('admin', 's3cret:pw'));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('switchyard_');
    expect((await get(server.port, '/healthz')).status).toBe(200);
    expect((await get(server.port, '/healthz/ready')).status).toBe(200);
  });

  it('fails with ERR_ROUTER_LISTEN naming --stats-port when the port is taken', async () => {
    const metrics = createRouterMetrics();
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      liveness: {},
      readiness: {},
    });
    await expect(
      startOpsServer({
        host: '127.0.0.1',
        port: server.port,
        registry: metrics.registry,
        liveness: {},
        readiness: {},
      }),
    ).rejects.toMatchObject({ code: 'ERR_ROUTER_LISTEN', message: expect.stringMatching(/--stats-port/) });
  });
});
