import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLinearMap } from '../src/internal/linear.ts';
import { createRouteMatcher, requestKey, routeRegexp, sortMapLines } from '../src/index.ts';

describe('createRouteMatcher', () => {
  const records = [
    { host: 'app.example.com', path: '/api', value: 'api' },
    { host: 'app.example.com', path: '/api/', value: 'api-slash' },
    { host: 'app.example.com', value: 'root' },
    { host: 'X.Example.com', wildcard: true, value: 'wild' },
    { host: 'h.example.com', path: '/a/', value: 'a-slash' },
    { host: 'h.example.com', path: '/a/%b', value: 'a-pct' },
  ];
  const m = createRouteMatcher({ records });

  it.each([
    { name: 'host case and port ignored', host: 'APP.example.com:8080', path: '/api', want: 'api' },
    { name: 'query ignored', host: 'app.example.com', path: '/api?x=/api/', want: 'api' },
    { name: 'slash path', host: 'app.example.com', path: '/api/v1', want: 'api-slash' },
    { name: 'root', host: 'app.example.com', path: '/other', want: 'root' },
    { name: 'wildcard (host lower-cased)', host: 'q.example.com', path: '/', want: 'wild' },
    { name: 'OpenShift quirk kept', host: 'h.example.com', path: '/a/%b', want: 'a-slash' },
    { name: 'no match', host: 'other.test', path: '/', want: undefined },
  ])('$name', ({ host, path, want }) => {
    expect(m.match(host, path)?.value).toBe(want);
  });

  it('answers like the sorted OpenShift map', () => {
    const lines = sortMapLines(
      records.map(
        (r) => `${routeRegexp(r.host.toLowerCase(), r.path ?? '', r.wildcard ?? false)} ${r.value}`,
      ),
    );
    const ref = createLinearMap(
      lines.map((l) => ({ key: l.slice(0, l.indexOf(' ')), value: l.slice(l.indexOf(' ') + 1) })),
    );
    for (const host of ['app.example.com', 'h.example.com', 'z.example.com', 'a.b.example.com']) {
      for (const path of ['/', '/api', '/api/', '/api/x', '/a/', '/a/%b', '/a', '/apix']) {
        expect(m.match(host, path)?.value, `${host}${path}`).toBe(ref.lookup(requestKey(host, path)));
      }
    }
    expect(m.records().map((r) => r.value)).toEqual(lines.map((l) => l.slice(l.indexOf(' ') + 1)));
  });

  it('add and remove', () => {
    const r = createRouteMatcher<number>();
    r.add({ host: 'a.com', value: 1 });
    r.add({ host: 'a.com', path: '/x', value: 2 });
    r.add({ host: 'a.com', value: 3 });
    expect(r.size).toBe(3);
    expect(r.match('a.com', '/x/y')?.value).toBe(2);
    expect(r.match('a.com', '/')?.value).toBe(1);
    expect(r.remove({ host: 'a.com' })).toBe(2);
    expect(r.match('a.com', '/')).toBeUndefined();
    expect(r.remove({ host: 'a.com', path: '/x' })).toBe(1);
    expect(r.size).toBe(0);
  });

  it.each([
    { name: 'missing host', rec: { value: 1 }, re: /options\.records\[0\]\.host/ },
    { name: 'bad path', rec: { host: 'a', path: 1, value: 1 }, re: /options\.records\[0\]\.path/ },
    {
      name: 'bad wildcard',
      rec: { host: 'a', wildcard: 'yes', value: 1 },
      re: /options\.records\[0\]\.wildcard/,
    },
  ])('rejects $name', ({ rec, re }) => {
    expect(() => createRouteMatcher({ records: [rec as never] })).toThrow(re);
  });
});

describe('createRouteMatcher equals the sorted OpenShift map (property)', () => {
  const LABELS = ['a', 'b', 'ab', '1a', 'www'];
  const DOMAINS = ['example.com', 'ex.com', 'com', 'a.example.com'];
  const SEGS = ['a', 'b', 'ab', '%b', '(', 'A', 'x.y'];
  const recordArb = fc.record({
    host: fc.tuple(fc.constantFrom(...LABELS), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}.${d}`),
    path: fc.oneof(
      fc.constant(''),
      fc
        .tuple(fc.array(fc.constantFrom(...SEGS), { minLength: 1, maxLength: 3 }), fc.boolean())
        .map(([s, slash]) => `/${s.join('/')}${slash ? '/' : ''}`),
    ),
    wildcard: fc.boolean(),
  });

  it('match() equals first-match over sortMapLines(keys), after adds and removes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(recordArb, {
          selector: (r) => routeRegexp(r.host, r.path, r.wildcard),
          maxLength: 30,
        }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.array(
          fc.tuple(
            fc.constantFrom(...LABELS, 'zz'),
            fc.constantFrom(...DOMAINS),
            fc.constantFrom('', '/a', '/a/b', '/ab/', '/%b', '/(/x', '/A'),
            fc.constantFrom('', ':80', '.'),
          ),
          { minLength: 20, maxLength: 40 },
        ),
        (records, removals, requests) => {
          const m = createRouteMatcher({ records: records.map((r, i) => ({ ...r, value: i })) });
          let live = records.map((r, i) => ({ ...r, value: i }));
          for (const k of removals) {
            if (live.length === 0) break;
            const victim = live[k % live.length] as (typeof live)[number];
            expect(m.remove(victim)).toBe(1);
            live = live.filter((r) => r !== victim);
          }
          const lines = sortMapLines(
            live.map((r) => `${routeRegexp(r.host, r.path, r.wildcard)} ${r.value}`),
          );
          // Keys are unique, so the value never decides the order; the reference is HAProxy's scan.
          const ref = createLinearMap(
            lines.map((l) => ({ key: l.slice(0, l.indexOf(' ')), value: l.slice(l.indexOf(' ') + 1) })),
          );
          for (const [label, domain, path, suffix] of requests) {
            const host = `${label}.${domain}${suffix}`;
            const want = ref.lookup(requestKey(host, path));
            expect(m.match(host, path)?.value, `${host}${path}`).toBe(
              want === undefined ? undefined : Number(want),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
