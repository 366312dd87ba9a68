import { describe, expect, it } from 'vitest';
import { buildRoutingTable, parseManifests } from '../src/index.ts';

const routeYaml = (name: string, host: string, extra = '') => `apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: ${name}
  namespace: demo
spec:
  host: ${host}
  to:
    kind: Service
    name: svc
${extra}`;

describe('parseManifests', () => {
  it('reads multi-document YAML, skipping empty documents', () => {
    const r = parseManifests(
      `---\n${routeYaml('a', 'a.example.test')}---\n---\n${routeYaml('b', 'b.example.test')}`,
    );
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('reads JSON, a v1 List and a JSON array', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'x' },
          spec: { ports: [{ port: 80 }] },
        },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
      ],
    });
    const r = parseManifests(list);
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/s']);
    expect(r.skipped).toEqual([
      {
        index: 0,
        item: 1,
        line: 1,
        kind: 'ConfigMap',
        name: 'cm',
        message: 'kind ConfigMap is not used by the router; skipped',
      },
    ]);
    expect(parseManifests('[{"kind":"Namespace","metadata":{"name":"n"}}]').errors[0]?.message).toMatch(
      /expected an object/,
    );
  });

  it('gives namespaced objects the default namespace, but not Namespaces', () => {
    const r = parseManifests(
      'kind: Service\nmetadata:\n  name: s\n---\nkind: Namespace\nmetadata:\n  name: n\n',
      { defaultNamespace: 'apps' },
    );
    expect(r.objects.map((o) => o.metadata.namespace)).toEqual(['apps', undefined]);
  });

  it('reports a YAML syntax error with its document index and line, and still loads the others', () => {
    const text = `${routeYaml('good1', 'g1.example.test')}---\nkind: Route\nmetadata:\n  name: broken\n  labels: {a: [1, 2\nspec: {}\n---\n${routeYaml('good2', 'g2.example.test')}`;
    const r = parseManifests(text);
    expect(r.objects.map((o) => o.metadata.name)).toEqual(['good1', 'good2']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      index: 1,
      message: expect.stringMatching(/^YAML syntax error at line \d+: /),
    });
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(11);
    expect(r.errors[0]!.line).toBeLessThanOrEqual(16);
  });

  it.each([
    ['missing kind', 'metadata:\n  name: x\n', 'kind', 'kind: Required value'],
    [
      'missing name',
      'kind: Route\nmetadata: {}\nspec: {}\n',
      'metadata.name',
      'Route: metadata.name: Required value',
    ],
    ['scalar document', '42\n', undefined, 'expected an object with apiVersion and kind, got number'],
  ])('reports %s', (_n, text, field, message) => {
    const r = parseManifests(text);
    expect(r.objects).toEqual([]);
    expect(r.errors).toEqual([
      expect.objectContaining({ index: 0, line: 1, message, ...(field ? { field } : {}) }),
    ]);
  });

  it('converts non-string annotation values with a warning naming the field', () => {
    const r = parseManifests(
      `${routeYaml('a', 'a.example.test')}`.replace(
        '  namespace: demo\n',
        '  namespace: demo\n  annotations:\n    haproxy.router.openshift.io/disable_cookies: true\n',
      ),
    );
    expect(r.objects[0]!.metadata.annotations).toEqual({
      'haproxy.router.openshift.io/disable_cookies': 'true',
    });
    expect(r.warnings[0]).toMatchObject({
      name: 'demo/a',
      field: 'metadata.annotations["haproxy.router.openshift.io/disable_cookies"]',
    });
  });
});

describe('bad input: one broken object never stops the others (acceptance)', () => {
  const text = [
    routeYaml('good', 'good.example.test'),
    routeYaml(
      'bad-cert',
      'cert.example.test',
      '  tls:\n    termination: edge\n    certificate: "-----BEGIN CERTIFICATE-----\\nnot base64 at all\\n-----END CERTIFICATE-----\\n"\n    key: nope\n',
    ),
    routeYaml('bad-termination', 'term.example.test', '  tls:\n    termination: sideways\n'),
    routeYaml(
      'long-host',
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(44)}.test`,
    ),
    'kind: Route\nmetadata:\n  name: [unclosed\n',
    routeYaml('also-good', 'also.example.test'),
  ].join('---\n');

  const parsed = parseManifests(text);
  const { table, statuses } = buildRoutingTable(parsed.objects);

  it('reports the YAML error with document index and line', () => {
    expect(parsed.errors).toEqual([
      expect.objectContaining({ index: 4, message: expect.stringMatching(/YAML syntax error at line \d+/) }),
    ]);
  });

  it('admits the good routes', () => {
    expect([...table.routes.keys()]).toEqual(['demo:also-good', 'demo:good']);
  });

  it.each([
    [
      'demo:bad-cert',
      'ExtendedValidationFailed',
      /spec\.tls\.certificate: Invalid value: "redacted certificate data"/,
    ],
    [
      'demo:bad-termination',
      'ExtendedValidationFailed',
      /spec\.tls\.termination: Unsupported value: "sideways"/,
    ],
    [
      'demo:long-host',
      'InvalidHost',
      /^host name validation errors: spec\.host: Invalid value: "a{63}\.b.*": must be no more than 253 characters/,
    ],
  ])('rejects %s with %s naming the field', (key, reason, message) => {
    const s = statuses.get(key)!;
    expect(s.admitted).toBe(false);
    expect(s.condition.reason).toBe(reason);
    expect(s.condition.message).toMatch(message);
  });
});

describe('malformed Route objects never break the store', () => {
  it.each([
    ['no spec', { kind: 'Route', metadata: { name: 'r', namespace: 'demo' } }, 'spec: Required value'],
    [
      'no spec.to',
      { kind: 'Route', metadata: { name: 'r', namespace: 'demo' }, spec: { host: 'a.example.test' } },
      'spec.to.name: Required value',
    ],
    [
      'weight as a string',
      {
        kind: 'Route',
        metadata: { name: 'r', namespace: 'demo' },
        spec: { host: 'a.example.test', to: { kind: 'Service', name: 's', weight: '5' } },
      },
      'spec.to.weight: Invalid value: "5": weight must be an integer between 0 and 256',
    ],
    [
      'kind other than Service',
      {
        kind: 'Route',
        metadata: { name: 'r', namespace: 'demo' },
        spec: { host: 'a.example.test', to: { kind: 'Deployment', name: 's' } },
      },
      'spec.to.kind: Invalid value: "Deployment": must reference a Service',
    ],
    [
      'alternateBackends not a list',
      {
        kind: 'Route',
        metadata: { name: 'r', namespace: 'demo' },
        spec: { host: 'a.example.test', to: { name: 's' }, alternateBackends: 'b' },
      },
      'spec.alternateBackends: Invalid value: "b": must be a list',
    ],
  ])('%s → InvalidRoute naming the field', (_n, object, message) => {
    const good = parseManifests(routeYaml('good', 'good.example.test')).objects;
    const { table, statuses } = buildRoutingTable([object as never, ...good]);
    expect(statuses.get('demo:r')?.condition).toMatchObject({
      status: 'False',
      reason: 'InvalidRoute',
      message,
    });
    expect([...table.routes.keys()]).toEqual(['demo:good']);
  });
});
