import { describe, expect, it } from 'vitest';
import { type Namespace, createRouteStore, isRouteModelError, parseLabelSelector } from '../src/index.ts';
import { route } from './helpers.ts';

describe('parseLabelSelector', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['', {}, true],
    ['shard=a', { shard: 'a' }, true],
    ['shard==a', { shard: 'b' }, false],
    ['shard!=a', {}, true],
    ['shard!=a', { shard: 'a' }, false],
    ['shard in (a, b)', { shard: 'b' }, true],
    ['shard in (a,b)', {}, false],
    ['shard notin (a,b)', {}, true],
    ['shard notin (a,b)', { shard: 'a' }, false],
    ['shard', { shard: '' }, true],
    ['!shard', { shard: 'x' }, false],
    ['env=prod,tier in (web),!legacy', { env: 'prod', tier: 'web' }, true],
    ['env=prod,tier in (web),!legacy', { env: 'prod', tier: 'web', legacy: 'y' }, false],
    ['example.com/team=blue', { 'example.com/team': 'blue' }, true],
  ])('%j on %j → %s', (text, labels, want) => {
    const p = parseLabelSelector(text);
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.selector.matches(labels)).toBe(want);
  });

  it.each(['a=b=c', 'in (x)', 'a in x', '=b', 'a b'])('rejects %j', (text) => {
    expect(parseLabelSelector(text)).toEqual({
      ok: false,
      error: expect.stringContaining('not a valid label selector term'),
    });
  });
});

const ns = (name: string, labels: Record<string, string>): Namespace => ({
  kind: 'Namespace',
  metadata: { name, labels },
});

describe('sharding and namespace scope (ROUTE_LABELS, NAMESPACE_LABELS, --namespace)', () => {
  it('ignores routes outside the route selector: no status, no host claim', () => {
    const store = createRouteStore({ routeSelector: 'shard=a' });
    const outside = route('ns', 'outside', { host: 's.example.test', created: 0 });
    outside.metadata.labels = { shard: 'b' };
    const inside = route('ns2', 'inside', { host: 's.example.test', created: 1 });
    inside.metadata.labels = { shard: 'a' };
    store.apply([
      { type: 'upsert', object: outside },
      { type: 'upsert', object: inside },
    ]);
    expect([...store.statuses.keys()]).toEqual(['ns2:inside']);
    expect(store.statuses.get('ns2:inside')?.admitted).toBe(true);
    // Relabelled into the shard: now it is the older owner.
    outside.metadata.labels = { shard: 'a' };
    store.apply([{ type: 'upsert', object: outside }]);
    expect(store.statuses.get('ns:outside')?.admitted).toBe(true);
    expect(store.statuses.get('ns2:inside')?.condition.reason).toBe('HostAlreadyClaimed');
  });

  it('follows namespace labels: routes come and go with their namespace', () => {
    const store = createRouteStore({ namespaceSelector: 'router=public' });
    store.apply([{ type: 'upsert', object: route('team', 'r', { host: 'n.example.test' }) }]);
    expect(store.statuses.size).toBe(0);
    const change = store.apply([{ type: 'upsert', object: ns('team', { router: 'public' }) }]);
    expect(change.diff.added).toEqual(['team:r']);
    expect(store.statuses.get('team:r')?.admitted).toBe(true);
    store.apply([{ type: 'upsert', object: ns('team', { router: 'internal' }) }]);
    expect(store.statuses.size).toBe(0);
    expect(store.table.routes.size).toBe(0);
    store.apply([{ type: 'upsert', object: ns('team', { router: 'public' }) }]);
    store.apply([{ type: 'delete', object: ns('team', {}) }]);
    expect(store.table.routes.size).toBe(0);
  });

  it('limits routes to the listed namespaces', () => {
    const store = createRouteStore({ namespaces: ['a'] });
    store.apply([
      { type: 'upsert', object: route('a', 'r', { host: 'a.example.test' }) },
      { type: 'upsert', object: route('b', 'r', { host: 'b.example.test' }) },
    ]);
    expect([...store.table.routes.keys()]).toEqual(['a:r']);
    expect(store.counts.routes).toBe(2);
  });

  it('refuses a malformed selector at creation', () => {
    try {
      createRouteStore({ routeSelector: 'a=b=c' });
      expect.unreachable();
    } catch (e) {
      expect(isRouteModelError(e) && e.code).toBe('ERR_ROUTE_MODEL_INVALID_OPTIONS');
      expect((e as Error).message).toMatch(
        /^options\.routeSelector: "a=b=c" is not a valid label selector term/,
      );
    }
  });
});
