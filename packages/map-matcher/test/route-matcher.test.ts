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
