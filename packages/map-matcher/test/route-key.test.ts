import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOpenShiftKey } from '../src/internal/route-key.ts';
import { routeRegexp, sniRegexp } from '../src/index.ts';

// The index trusts parseOpenShiftKey: whatever it accepts must be exactly what routeRegexp /
// sniRegexp generate from the parsed parts, or the index would answer for a different regex.
const CHARS = [
  'a',
  '.',
  '/',
  ':',
  '\\',
  '(',
  ')',
  '?',
  '*',
  '[',
  ']',
  '^',
  '$',
  ' ',
  'x',
  '2',
  '0',
  '\t',
  'n',
  '-',
  '%',
  '|',
  '{',
];
const hostArb = fc.array(fc.constantFrom(...CHARS, 'b', 'c'), { maxLength: 8 }).map((a) => a.join(''));
const pathArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((a) => a.join(''));

function regenerate(key: string): string | undefined {
  const p = parseOpenShiftKey(key);
  if (p === undefined) return undefined;
  const host = p.wildcard ? `x.${p.host}` : p.host;
  return p.kind === 'route' ? routeRegexp(host, p.path, p.wildcard) : sniRegexp(host, p.wildcard);
}

describe('parseOpenShiftKey', () => {
  it('accepts every generated key whose host has no / : LF and whose path is empty or absolute', () => {
    fc.assert(
      fc.property(hostArb, pathArb, fc.boolean(), (host, path, wild) => {
        const key = routeRegexp(host, path, wild);
        const domain = host.slice(host.indexOf('.') + 1);
        const effectiveHost = wild && host.includes('.') && domain !== '' ? domain : host;
        const indexable = !/[/:\n]/.test(effectiveHost) && (/^\/*$/.test(path) || path.startsWith('/'));
        if (indexable) expect(regenerate(key)).toBe(key);
        else expect(parseOpenShiftKey(key)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('whatever it accepts regenerates byte for byte (mutated keys)', () => {
    fc.assert(
      fc.property(
        hostArb,
        pathArb,
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...CHARS, ''), fc.boolean()), { maxLength: 3 }),
        (host, path, wild, sni, edits) => {
          let key = sni ? sniRegexp(host, wild) : routeRegexp(host, path, wild);
          for (const [at, c, insert] of edits) {
            const i = at % (key.length + 1);
            key = key.slice(0, i) + c + key.slice(insert ? i : i + 1);
          }
          const again = regenerate(key);
          if (again !== undefined) expect(again).toBe(key);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    {
      name: 'route',
      key: routeRegexp('a.com', '/x/', false),
      want: { kind: 'route', wildcard: false, host: 'a.com', path: '/x/' },
    },
    {
      name: 'wildcard route',
      key: routeRegexp('w.a.com', '', true),
      want: { kind: 'route', wildcard: true, host: 'a.com', path: '' },
    },
    { name: 'sni', key: sniRegexp('a.com', false), want: { kind: 'sni', wildcard: false, host: 'a.com' } },
    {
      name: 'path escapes',
      key: routeRegexp('a', '/x y\tz', false),
      want: { kind: 'route', wildcard: false, host: 'a', path: '/x y\tz' },
    },
    { name: 'not anchored', key: 'a\\.com', want: undefined },
    { name: 'raw space in path', key: '^a\\.?(:[0-9]+)?/x y(/.*)?$', want: undefined },
    { name: 'slash suffix without slash path', key: '^a\\.?(:[0-9]+)?/x(.*)?$', want: undefined },
  ])('$name', ({ key, want }) => {
    expect(parseOpenShiftKey(key)).toEqual(want);
  });
});
