import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RouterObject, buildRoutingTable, parseManifests } from '../src/index.ts';

const dir = join(import.meta.dirname, '../../../examples');

function loadExamples(): RouterObject[] {
  const objects: RouterObject[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const parsed = parseManifests(readFileSync(join(dir, f), 'utf8'));
    expect(parsed.errors, f).toEqual([]);
    expect(parsed.warnings, f).toEqual([]);
    objects.push(...parsed.objects);
  }
  return objects;
}

describe('examples/', () => {
  const objects = loadExamples();

  it('admits every example route but the host conflict, with loopback endpoints and wildcards allowed', () => {
    const { table, statuses } = buildRoutingTable(objects, {
      allowLoopbackEndpoints: true,
      allowWildcardRoutes: true,
    });
    expect([...table.routes.keys()]).toEqual([
      'secure:passthrough',
      'secure:reencrypt',
      'secure:secure',
      'shop:canary',
      'shop:storefront',
      'web:api',
      'web:frontend',
      'wild:wildcard',
    ]);
    expect(statuses.get('impostor:storefront-copy')?.condition).toMatchObject({
      status: 'False',
      reason: 'HostAlreadyClaimed',
      // With wildcard routes allowed, HostAdmitter rejects it first, with its own message.
      message: 'a route in another namespace holds host shop.apps.example.test',
    });
    for (const s of statuses.values()) expect(s.diagnostics, s.key).toEqual([]);
  });

  it.each([
    ['web:frontend', 'none', 'be_http:web:frontend', [18080]],
    ['web:api', 'none', 'be_http:web:api', [18081]],
    ['secure:secure', 'edge', 'be_edge_http:secure:secure', [18082]],
    ['secure:reencrypt', 'reencrypt', 'be_secure:secure:reencrypt', [18083]],
    ['secure:passthrough', 'passthrough', 'be_tcp:secure:passthrough', [18084]],
    ['shop:canary', 'none', 'be_http:shop:canary', [18085, 18086]],
    ['wild:wildcard', 'edge', 'be_edge_http:wild:wildcard', [18087]],
    ['shop:storefront', 'none', 'be_http:shop:storefront', [18088]],
  ] as const)('%s is %s with backend %s on ports %j', (key, termination, backend, ports) => {
    const { table } = buildRoutingTable(objects, { allowLoopbackEndpoints: true, allowWildcardRoutes: true });
    const e = table.routes.get(key)!;
    expect(e.termination).toBe(termination);
    expect(e.backendName).toBe(backend);
    expect(e.serviceUnits.flatMap((u) => u.servers.map((s) => [s.ip, s.port]))).toEqual(
      ports.map((p) => ['127.0.0.1', p]),
    );
  });

  it('carries the certificates, the redirect and the canary weights', () => {
    const { table } = buildRoutingTable(objects, { allowLoopbackEndpoints: true, allowWildcardRoutes: true });
    const edge = table.routes.get('secure:secure')!;
    expect(edge.insecurePolicy).toBe('Redirect');
    expect(edge.tls?.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(edge.tls?.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(edge.tls?.caCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(edge.policies.hstsHeader).toBe('max-age=31536000;includeSubDomains');
    expect(table.routes.get('secure:reencrypt')!.tls?.destinationCACertificate).toMatch(/BEGIN CERTIFICATE/);
    const canary = table.routes.get('shop:canary')!;
    expect(canary.serviceUnits.map((u) => [u.name, u.weight, u.serverWeight])).toEqual([
      ['shop-v1', 90, 256],
      ['shop-v2', 10, 28],
    ]);
    expect(table.routes.get('wild:wildcard')!.wildcard).toBe(true);
  });

  it('rejects the wildcard route and drops loopback servers with OpenShift defaults', () => {
    const { table, statuses } = buildRoutingTable(objects);
    expect(statuses.get('wild:wildcard')?.condition).toMatchObject({
      reason: 'RouteNotAdmitted',
      message: 'wildcard routes are not allowed',
    });
    expect(table.routes.get('web:frontend')!.serviceUnits[0]!.servers).toEqual([]);
    expect(statuses.get('impostor:storefront-copy')?.condition).toMatchObject({
      reason: 'HostAlreadyClaimed',
      message: 'a route in another namespace holds shop.apps.example.test and is older than storefront-copy',
    });
  });
});
