import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pick, prng } from '@switchyard/testkit';
import { createLinearMap } from '../src/internal/linear.ts';
import { compileMap, type MapEntry, routeRegexp, sniRegexp, sortMapLines } from '../src/index.ts';

// Small alphabets so that generated hosts share suffixes, paths are prefixes of each other and
// random inputs actually hit the keys.
const LABELS = ['a', 'b', 'ab', '1a', 'x-y', 'A', 'www'];
const DOMAINS = ['example.com', 'ex.com', 'com', 'a.example.com', 'b.ex.com'];
const SEGMENTS = [
  'a',
  'b',
  'ab',
  '%b',
  '%',
  'a.b',
  'x y',
  '(',
  ')',
  '*',
  '+q',
  '?',
  '[x]',
  '{1}',
  '|',
  '$',
  '^',
  '\\',
  'A',
  "'",
  '-',
];
const REGEXES = [
  '^a',
  'b$',
  'ex.*com',
  '\\.com/',
  '^[^\\.]*\\.com',
  '/a/?$',
  '^(a|b)\\.ex\\.com(:[0-9]+)?/',
  '%b',
  '^www\\.example\\.com\\.?(:[0-9]+)?/a$',
  '[0-9]{2,}',
  '^[^/]*/(a|b)(/.*)?$',
  '\\x41',
  '^.*$',
  'a\\/b',
  '\\s',
  '(?:ab)+',
  '^com\\.?(:[0-9]+)?(/.*)?$',
];

const hostArb = fc
  .tuple(fc.constantFrom(...LABELS), fc.constantFrom(...DOMAINS), fc.constantFrom('', '', '', '.', '%', ':1'))
  .map(([l, d, odd]) => (odd === '.' ? `${l}.${d}.` : odd === '' ? `${l}.${d}` : `${l}${odd}.${d}`));
const pathArb = fc.oneof(
  fc.constantFrom('', '/', '//'),
  fc
    .tuple(fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean())
    .map(([segs, slash, rel]) => `${rel ? '' : '/'}${segs.join('/')}${slash ? '/' : ''}`),
);
interface GenEntry extends MapEntry {
  host?: string;
  path?: string;
}
const entryArb: fc.Arbitrary<GenEntry> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(hostArb, pathArb, fc.boolean())
      .map(([host, path, w]) => ({ key: routeRegexp(host, path, w), value: '', host, path })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostArb, fc.boolean())
      .map(([host, w]) => ({ key: sniRegexp(host, w), value: '', host })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...REGEXES).map((key) => ({ key, value: '' })) },
);
const mapArb = fc
  .array(entryArb, { minLength: 1, maxLength: 40 })
  .map((es) => es.map((e, i) => ({ ...e, value: `v${i}` })));

const PORTS = ['', '', '', ':80', ':8080', ':', ':x', ':80.'];
const ODD = ['', '', '', '', '\n', '?', '.', '/', ':'];

function randomInput(r: () => number, from: readonly GenEntry[] = []): string {
  const k = r();
  const seed = from.length > 0 && k > 0.5 ? pick(r, from) : undefined;
  if (seed?.host !== undefined) {
    // Near-misses and hits around a generated route: another first label, case, port, dot,
    // its path cut, extended or changed.
    let host = seed.host;
    if (r() < 0.4) host = `${pick(r, LABELS)}${host.slice(host.indexOf('.'))}`;
    if (r() < 0.1) host = `${pick(r, LABELS)}.${host}`;
    if (r() < 0.1) host = host.toUpperCase();
    if (r() < 0.15) host += '.';
    host += pick(r, PORTS);
    let path = seed.path ?? '';
    const c = r();
    if (c < 0.2) path = path.slice(0, Math.floor(r() * (path.length + 1)));
    else if (c < 0.5) path += pick(r, ['/', '', 'x', '/b', '/%b', '?q']) + pick(r, SEGMENTS);
    else if (c < 0.6) path = path.replace(/[a-z]/, 'A');
    if (path !== '' && !path.startsWith('/') && r() < 0.8) path = `/${path}`;
    return host + path + (r() < 0.03 ? '\n' : '');
  }
  if (k < 0.08) {
    // Unstructured strings over the interesting characters.
    let s = '';
    const n = Math.floor(r() * 12);
    for (let i = 0; i < n; i++)
      s += pick(r, ['a', 'b', '.', '/', ':', '8', 'c', 'o', 'm', '%', '\n', 'A', 'x', ' ']);
    return s;
  }
  let host = `${pick(r, LABELS)}.${pick(r, DOMAINS)}`;
  if (r() < 0.3) host = `${pick(r, LABELS)}.${host}`;
  if (r() < 0.1) host = pick(r, DOMAINS);
  if (r() < 0.1) host += '.';
  if (r() < 0.05) host = host.replace('.', pick(r, ['%', ':1', '/']));
  if (r() < 0.1) host = host.toUpperCase();
  host += pick(r, PORTS);
  let path = '';
  const segs = Math.floor(r() * 4);
  for (let i = 0; i < segs; i++) path += `/${pick(r, SEGMENTS)}`;
  if (r() < 0.3) path += '/';
  if (r() < 0.05) path = path.slice(1);
  return host + path + pick(r, ODD);
}

const LOOKUPS_PER_RUN = 500;
const RUNS = 220; // 220 × 500 = 110 000 lookups, plus the ones after updates

describe('indexed lookup equals the linear first-match reference', () => {
  it(`file order, ${RUNS * LOOKUPS_PER_RUN}+ lookups`, () => {
    let lookups = 0;
    fc.assert(
      fc.property(mapArb, fc.boolean(), fc.integer(), (raw, sorted, seed) => {
        // Half of the maps in OpenShift's order, half in random order (non-route patterns
        // interleaved anywhere).
        const entries = sorted
          ? sortMapLines(raw.map((e) => `${e.key} ${e.value}`)).map((l) => {
              const sp = l.indexOf(' ');
              return { key: l.slice(0, sp), value: l.slice(sp + 1) };
            })
          : raw;
        const map = compileMap(entries, { match: 'reg' });
        const ref = createLinearMap(entries);
        const r = prng(seed);
        for (let i = 0; i < LOOKUPS_PER_RUN; i++) {
          const input = randomInput(r, raw);
          lookups++;
          if (map.lookup(input) !== ref.lookup(input)) {
            throw new Error(
              `input ${JSON.stringify(input)}: indexed ${map.lookup(input)}, linear ${ref.lookup(input)}`,
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(lookups).toBeGreaterThanOrEqual(100_000);
  });

  it('after incremental add/remove, in file and openshift order', () => {
    fc.assert(
      fc.property(
        mapArb,
        fc.array(fc.tuple(fc.boolean(), entryArb), { maxLength: 10 }),
        fc.constantFrom('file' as const, 'openshift' as const),
        fc.integer(),
        (raw, ops, order, seed) => {
          const map = compileMap(raw, { match: 'reg', order });
          let current: MapEntry[] = raw.map(({ key, value }) => ({ key, value }));
          let n = raw.length;
          for (const [isAdd, e] of ops) {
            if (isAdd || current.length === 0) {
              const entry = { key: e.key, value: `v${n++}` };
              map.add(entry);
              current.push(entry);
            } else {
              const victim = (current[Math.abs(seed) % current.length] as MapEntry).key;
              const removed = map.remove(victim);
              expect(removed).toBe(current.filter((c) => c.key === victim).length);
              current = current.filter((c) => c.key !== victim);
            }
          }
          const expected =
            order === 'file'
              ? current
              : sortMapLines(current.map((c) => `${c.key} ${c.value}`)).map((l) => ({
                  key: l.slice(0, l.indexOf(' ')),
                  value: l.slice(l.indexOf(' ') + 1),
                }));
          expect(map.entries().map(({ key, value }) => ({ key, value }))).toEqual(expected);
          const ref = createLinearMap(expected);
          const r = prng(seed);
          for (let i = 0; i < 100; i++) {
            const input = randomInput(r, [...raw, ...ops.map(([, e]) => e)]);
            expect({ input, got: map.lookup(input) }).toEqual({ input, got: ref.lookup(input) });
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
