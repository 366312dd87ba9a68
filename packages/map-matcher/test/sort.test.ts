import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, routeRegexp, sortMapLines } from '../src/index.ts';

const line = (host: string, path: string, wild: boolean, value: string): string =>
  `${routeRegexp(host, path, wild)} ${value}`;

describe('sortMapLines (OpenShift SortMapPaths)', () => {
  it('example 1: one host with several paths', () => {
    const sorted = [
      '^app\\.example\\.com\\.?(:[0-9]+)?/apix(/.*)?$ be_http:ns1:apix',
      '^app\\.example\\.com\\.?(:[0-9]+)?/api/v2(/.*)?$ be_http:ns1:apiv2',
      '^app\\.example\\.com\\.?(:[0-9]+)?/api/(.*)?$ be_http:ns1:apislash',
      '^app\\.example\\.com\\.?(:[0-9]+)?/api(/.*)?$ be_http:ns1:api',
      '^app\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns1:root',
    ];
    expect(sortMapLines([...sorted].reverse())).toEqual(sorted);
    expect(sortMapLines([sorted[2], sorted[0], sorted[4], sorted[1], sorted[3]] as string[])).toEqual(sorted);
    expect(line('app.example.com', '/api/', false, 'be_http:ns1:apislash')).toBe(sorted[2]);
  });

  it('example 2: exact hosts (including a digit-leading one) before wildcards', () => {
    const sorted = [
      '^foo\\.app\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns2:foo',
      '^app\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns1:root',
      '^1app\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns5:digit',
      '^[^\\.]*\\.example\\.com\\.?(:[0-9]+)?/w(/.*)?$ be_http:ns3:wildpath',
      '^[^\\.]*\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns3:wild',
      '^[^\\.]*\\.app\\.example\\.com\\.?(:[0-9]+)?(/.*)?$ be_http:ns4:wild2',
    ];
    expect(sortMapLines([...sorted].reverse())).toEqual(sorted);
    expect(line('x.example.com', '/w', true, 'be_http:ns3:wildpath')).toBe(sorted[3]);
  });

  it('example 3: /a/ sorts before /a/%b (the shadowing quirk)', () => {
    const slash = line('h.example.com', '/a/', false, 'be_http:ns:a-slash');
    const pct = line('h.example.com', '/a/%b', false, 'be_http:ns:a-pct');
    expect(sortMapLines([pct, slash])).toEqual([slash, pct]);
    expect(new RegExp(slash.split(' ')[0] as string).test('h.example.com/a/%b')).toBe(true);
  });

  it.each([
    { name: 'digit host before wildcard', a: '^3dev\\.x x', b: '^[^\\.]*\\.x x', first: 'a' },
    { name: 'descending byte order', a: '^b x', b: '^a x', first: 'a' },
    { name: 'longer first when a prefix', a: '^ab x', b: '^a', first: 'a' },
    { name: 'non-ASCII by UTF-8 bytes, not UTF-16', a: '^\u{1F600} x', b: '^\uFFFD x', first: 'a' },
    { name: 'wildcard prefix needs the exact literal', a: '^[^\\.]*x', b: '^[^\\.]*\\.y', first: 'a' },
  ])('comparator: $name', ({ a, b, first }) => {
    const want = first === 'a' ? [a, b] : [b, a];
    expect(sortMapLines([b, a])).toEqual(want);
    expect(sortMapLines([a, b])).toEqual(want);
  });

  it('does not modify its input', () => {
    const input = ['^a x', '^b x'];
    sortMapLines(input);
    expect(input).toEqual(['^a x', '^b x']);
  });

  it('compareBytes equals comparing UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const want = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        return Math.sign(compareBytes(a, b)) === want;
      }),
      { numRuns: 2000 },
    );
  });
});
