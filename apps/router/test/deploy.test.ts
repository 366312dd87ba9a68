/**
 * The manifests under deploy/ and the docs: the Route CRD accepts every example Route (checked
 * with a small structural-schema validator), and every environment variable the Deployments set
 * is a setting the router reads, with a value it accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadSettings, SETTINGS } from '../src/settings.ts';
import { REPO_DIR } from './helpers/router-process.ts';

type Schema = {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
};

/** The structural-schema checks the API server applies, for the keywords the CRD uses. */
function validate(value: unknown, schema: Schema, path: string, errors: string[]): void {
  if (value === null) {
    if (!schema.nullable) errors.push(`${path}: null`);
    return;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) errors.push(`${path}: not int-or-string`);
    return;
  }
  const type = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type !== undefined && schema.type !== type && !(schema.type === 'number' && type === 'integer'))
    errors.push(`${path}: expected ${schema.type}, got ${type}`);
  if (schema.enum !== undefined && !schema.enum.includes(value))
    errors.push(`${path}: ${String(value)} not in enum`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: too long`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: pattern`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errors.push(`${path}: too many items`);
    const items = schema.items;
    if (items !== undefined) {
      for (const [i, item] of value.entries()) validate(item, items, `${path}[${i}]`, errors);
    }
  } else if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${path}.${key}: required`);
    for (const [key, child] of Object.entries(object)) {
      const sub = schema.properties?.[key];
      if (sub !== undefined) validate(child, sub, `${path}.${key}`, errors);
    }
  }
}

function documents(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
}

const deployDir = join(REPO_DIR, 'deploy');
const crd = documents(join(deployDir, 'route-crd.yaml'))[0] as {
  spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
};
const schema = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
const exampleRoutes = readdirSync(join(REPO_DIR, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => documents(join(REPO_DIR, 'examples', f)).map((doc) => ({ file: f, doc })))
  .filter(({ doc }) => doc.kind === 'Route');

describe('deploy/route-crd.yaml', () => {
  it('has Routes to check', () => expect(exampleRoutes.length).toBeGreaterThan(5));

  it.each(exampleRoutes.map(({ file, doc }) => [`${file} ${(doc.metadata as { name: string }).name}`, doc]))(
    'accepts the example Route %s',
    (_name, doc) => {
      const errors: string[] = [];
      validate(doc, schema, 'route', errors);
      expect(errors).toEqual([]);
    },
  );

  it.each([
    [
      'a termination that does not exist',
      { tls: { termination: 'terminate' } },
      /termination: terminate not in enum/,
    ],
    ['a route without spec.to', { to: undefined }, /spec.to: required/],
    ['a weight above 256', { to: { kind: 'Service', name: 's', weight: 300 } }, /weight: above maximum/],
    ['a path without a leading slash', { path: 'api' }, /spec.path: pattern/],
  ])('refuses %s', (_name, change, pattern) => {
    const route = structuredClone(exampleRoutes[0]?.doc) as { spec: Record<string, unknown> };
    Object.assign(route.spec, change);
    if ('to' in change && change.to === undefined) delete route.spec.to;
    const errors: string[] = [];
    validate(route, schema, 'route', errors);
    expect(errors.join('\n')).toMatch(pattern);
  });
});

describe('deploy/ Deployments', () => {
  const known = new Set(SETTINGS.flatMap((s) => s.env));
  const containers = ['deployment.yaml', 'sharding/shards.yaml'].flatMap((file) =>
    documents(join(deployDir, file))
      .filter((d) => d.kind === 'Deployment')
      .map((d) => ({
        name: `${file} ${(d.metadata as { name: string }).name}`,
        container: (
          d as {
            spec: {
              template: {
                spec: { containers: { args: string[]; env: { name: string; value: string }[] }[] };
              };
            };
          }
        ).spec.template.spec.containers[0],
      })),
  );

  it.each(containers.map((c) => [c.name, c.container]))(
    '%s sets only settings the router reads, with valid values',
    (_n, c) => {
      const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
      for (const name of Object.keys(env)) expect(known, `${name} is not a setting`).toContain(name);
      // The certificate file does not exist here; everything else must load.
      delete env.DEFAULT_CERTIFICATE_PATH;
      const result = loadSettings({ argv: c?.args ?? [], env });
      expect(result.action).toBe('run');
    },
  );
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(REPO_DIR, 'docs', 'configuration.md'), 'utf8');
  it.each(SETTINGS.map((s) => [s.flag, s]))(
    'documents --%s, its environment variable and its config key',
    (_f, spec) => {
      expect(doc).toContain(`\`--${spec.flag}\``);
      for (const env of spec.env) expect(doc).toContain(`\`${env}\``);
      expect(doc).toContain(`\`${spec.key}\``);
    },
  );
});
