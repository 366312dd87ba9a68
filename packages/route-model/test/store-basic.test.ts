import { describe, expect, it } from 'vitest';
import { buildRoutingTable, createRouteStore } from '../src/index.ts';
import { route, service, slice, tls } from './helpers.ts';

describe('buildRoutingTable: common cases', () => {
  it('builds an HTTP route with servers, backend name and routing key', () => {
    const { table, statuses } = buildRoutingTable([
      route('ns1', 'route1', { host: 'www.example.test', path: '/api' }),
      service('ns1', 'svc'),
      slice('ns1', 'svc', 'svc-abc', [
        { ip: '10.0.0.2', pod: 'pod-2' },
        { ip: '10.0.0.1', pod: 'pod-1' },
      ]),
    ]);
    const e = table.routes.get('ns1:route1');
    expect(e).toBeDefined();
    expect(e!.host).toBe('www.example.test');
    expect(e!.path).toBe('/api');
    expect(e!.termination).toBe('none');
    expect(e!.insecurePolicy).toBe('None');
    expect(e!.backendName).toBe('be_http:ns1:route1');
    expect(e!.routingKeyName).toBe('fff122aff563dd80a54a14181ab7c993');
    expect(e!.serviceUnits).toHaveLength(1);
    const unit = e!.serviceUnits[0]!;
    expect(unit.key).toBe('ns1/svc');
    expect(unit.weight).toBe(1);
    expect(unit.serverWeight).toBe(1);
    expect(unit.servers.map((s) => s.id)).toEqual([
      'pod:pod-1:svc:http:10.0.0.1:8080',
      'pod:pod-2:svc:http:10.0.0.2:8080',
    ]);
    expect(e!.activeServiceUnits).toBe(1);
    expect(e!.activeEndpoints).toBe(2);
    expect(statuses.get('ns1:route1')).toMatchObject({
      admitted: true,
      condition: { type: 'Admitted', status: 'True' },
    });
  });

  it.each([
    ['edge', 'be_edge_http', 'Redirect', 'Redirect'],
    ['reencrypt', 'be_secure', undefined, 'None'],
    ['passthrough', 'be_tcp', 'Redirect', 'Redirect'],
    ['edge', 'be_edge_http', 'Allow', 'Allow'],
  ] as const)('termination %s gives %s with insecure policy %s → %s', (term, prefix, policy, expected) => {
    const t = policy ? tls(term, { insecureEdgeTerminationPolicy: policy }) : tls(term);
    const { table } = buildRoutingTable([route('ns', 'r', { host: 'a.example.test', tls: t })]);
    const e = table.routes.get('ns:r')!;
    expect(e.backendName).toBe(`${prefix}:ns:r`);
    expect(e.insecurePolicy).toBe(expected);
    expect(e.tls === undefined).toBe(term === 'passthrough');
  });

  it('weights alternate backends with the float32 algorithm', () => {
    const { table } = buildRoutingTable([
      route('ns', 'r', {
        host: 'w.example.test',
        to: { kind: 'Service', name: 'a', weight: 20 },
        alternateBackends: [{ kind: 'Service', name: 'b', weight: 10 }],
      }),
      slice('ns', 'a', 'a-1', ['10.0.0.1', '10.0.0.2']),
      slice('ns', 'b', 'b-1', ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4']),
    ]);
    const e = table.routes.get('ns:r')!;
    expect(e.serviceUnits.map((u) => [u.key, u.weight, u.serverWeight])).toEqual([
      ['ns/a', 20, 256],
      ['ns/b', 10, 64],
    ]);
    expect(e.activeServiceUnits).toBe(2);
  });

  it('keeps identity of unchanged entries when another route changes', () => {
    const store = createRouteStore();
    store.apply([
      { type: 'upsert', object: route('ns', 'a', { host: 'a.example.test' }) },
      { type: 'upsert', object: route('ns', 'b', { host: 'b.example.test' }) },
      { type: 'synced' },
    ]);
    const a1 = store.table.routes.get('ns:a');
    const change = store.apply([
      { type: 'upsert', object: route('ns', 'b', { host: 'b.example.test', path: '/x' }) },
    ]);
    expect(store.table.routes.get('ns:a')).toBe(a1);
    expect(change.diff.changed).toEqual(['ns:b']);
  });
});

describe('objects from @kubernetes/client-node', () => {
  it('accepts Date timestamps and objects without kind (list items)', () => {
    const older = route('ns1', 'older', { host: 'd.example.test' });
    older.metadata.creationTimestamp = new Date('2026-01-01T00:00:00.000Z');
    const newer = route('ns2', 'newer', { host: 'd.example.test' });
    newer.metadata.creationTimestamp = new Date('2026-01-01T00:00:00.900Z'); // same second: UID decides
    newer.metadata.uid = '0';
    delete (newer as { kind?: string }).kind;
    const svc = service('ns1', 'svc');
    delete (svc as { kind?: string }).kind;
    const sl = slice('ns1', 'svc', 'svc-1', ['10.0.0.1']);
    delete (sl as { kind?: string }).kind;
    const { table, statuses } = buildRoutingTable([older, newer, svc, sl]);
    expect(statuses.get('ns2:newer')?.admitted).toBe(true);
    expect(statuses.get('ns1:older')?.condition.reason).toBe('HostAlreadyClaimed');
    expect(table.routes.get('ns2:newer')!.creationTimestamp).toBe('2026-01-01T00:00:00Z');
  });
});
