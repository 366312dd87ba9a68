import { describe, expect, it } from 'vitest';
import {
  compileMap,
  createRouteMatcher,
  formatMapFile,
  isMapMatcherError,
  type MapEntry,
  parseMapFile,
  routeRegexp,
  sniRegexp,
  sortMapLines,
} from '../src/index.ts';

const route = (host: string, path: string, wild: boolean, value: string): MapEntry => ({
  key: routeRegexp(host, path, wild),
  value,
});

function sorted(entries: MapEntry[]): MapEntry[] {
  return sortMapLines(entries.map((e) => `${e.key} ${e.value}`)).map((l) => ({
    key: l.slice(0, l.indexOf(' ')),
    value: l.slice(l.indexOf(' ') + 1),
  }));
}

const OPENSHIFT = sorted([
  route('app.example.com', '/apix', false, 'apix'),
  route('app.example.com', '/api/v2', false, 'apiv2'),
  route('app.example.com', '/api/', false, 'apislash'),
  route('app.example.com', '/api', false, 'api'),
  route('app.example.com', '', false, 'root'),
  route('foo.app.example.com', '', false, 'foo'),
  route('1app.example.com', '', false, 'digit'),
  route('x.example.com', '/w', true, 'wildpath'),
  route('x.example.com', '', true, 'wild'),
  route('x.app.example.com', '', true, 'wild2'),
  route('h.example.com', '/a/', false, 'a-slash'),
  route('h.example.com', '/a/%b', false, 'a-pct'),
]);

describe('compileMap reg: OpenShift keys', () => {
  const map = compileMap(OPENSHIFT, { match: 'reg' });
  it('indexes every OpenShift key', () => {
    expect(map.stats()).toEqual({ entries: 12, indexed: 12, regex: 0 });
  });
  it.each([
    { name: 'longest path first', input: 'app.example.com/api/v2/x', want: 'apiv2' },
    { name: 'path without slash', input: 'app.example.com/api', want: 'api' },
    { name: 'slash path below', input: 'app.example.com/api/x', want: 'apislash' },
    { name: 'segment boundary', input: 'app.example.com/apiv', want: 'root' },
    { name: 'apix', input: 'app.example.com/apix/1', want: 'apix' },
    { name: 'port and trailing dot', input: 'app.example.com.:8443/api', want: 'api' },
    { name: 'bad port', input: 'app.example.com:x/api', want: undefined },
    { name: 'no path at all', input: 'app.example.com', want: 'root' },
    { name: 'exact host beats wildcard', input: 'foo.app.example.com/', want: 'foo' },
    { name: 'digit host', input: '1app.example.com/w', want: 'digit' },
    { name: 'wildcard path', input: 'zz.example.com/w/1', want: 'wildpath' },
    { name: 'wildcard root', input: 'zz.example.com/wx', want: 'wild' },
    { name: 'wildcard, one label only', input: 'a.zz.example.com/', want: undefined },
    {
      name: 'more specific wildcard reached via one-label rule',
      input: 'y.app.example.com/w',
      want: 'wild2',
    },
    { name: 'empty label matches the wildcard', input: '.example.com/', want: 'wild' },
    { name: 'quirk: /a/ shadows /a/%b', input: 'h.example.com/a/%b', want: 'a-slash' },
    { name: 'host is case-sensitive in map_reg', input: 'APP.example.com/', want: 'wild' },
    { name: 'path is case-sensitive', input: 'app.example.com/API', want: 'root' },
    { name: 'unknown host', input: 'example.org/', want: undefined },
    { name: 'LF before the end (PCRE $)', input: 'app.example.com/api\n', want: 'api' },
    { name: 'LF in the middle', input: 'app.example.com/api\nx', want: undefined },
  ])('$name', ({ input, want }) => {
    expect(map.lookup(input)).toBe(want);
  });

  it('non-route regexes keep their file position against indexed keys', () => {
    const m = compileMap(
      [
        route('a.com', '/x', false, 'ax'),
        { key: '^a\\.com/x/y', value: 'regex' },
        route('a.com', '/x/y', false, 'axy'),
      ],
      { match: 'reg' },
    );
    expect(m.stats()).toEqual({ entries: 3, indexed: 2, regex: 1 });
    expect(m.lookup('a.com/x/y')).toBe('ax');
    const m2 = compileMap([{ key: '^a\\.com/x/y', value: 'regex' }, route('a.com', '/x', false, 'ax')], {
      match: 'reg',
    });
    expect(m2.lookup('a.com/x/y/z')).toBe('regex');
    expect(m2.lookup('a.com/x/z')).toBe('ax');
  });

  it('SNI keys', () => {
    const m = compileMap(
      [
        { key: sniRegexp('www.example.com', false), value: 'exact' },
        { key: sniRegexp('x.example.com', true), value: 'wild' },
      ],
      { match: 'reg' },
    );
    expect(m.stats().indexed).toBe(2);
    expect(m.lookup('www.example.com')).toBe('exact');
    expect(m.lookup('foo.example.com')).toBe('wild');
    expect(m.lookup('foo.example.com.')).toBeUndefined();
    expect(m.lookup('a.b.example.com')).toBeUndefined();
  });

  it('keys that look like routes but are not exactly generated stay regexes', () => {
    const m = compileMap(
      [
        { key: '^a\\.com\\.?(:[0-9]+)?/x(/.*)?', value: 'no-dollar' },
        { key: '^a:b\\.?(:[0-9]+)?(/.*)?$', value: 'colon-host' },
        { key: '^a\\.com\\.?(:[0-9]+)?x(/.*)?$', value: 'relative-path' },
      ],
      { match: 'reg' },
    );
    expect(m.stats()).toEqual({ entries: 3, indexed: 0, regex: 3 });
    expect(m.lookup('a:b/')).toBe('colon-host');
    expect(m.lookup('a.comx')).toBe('relative-path');
  });

  it('duplicate keys: the first in file order wins', () => {
    const m = compileMap([route('a.com', '', false, 'one'), route('a.com', '', false, 'two')], {
      match: 'reg',
    });
    expect(m.lookup('a.com/')).toBe('one');
  });

  it("order 'openshift' ranks as sortMapLines would, whatever the input order", () => {
    const m = compileMap([...OPENSHIFT].reverse(), { match: 'reg', order: 'openshift' });
    expect(m.entries().map((e) => e.value)).toEqual(OPENSHIFT.map((e) => e.value));
    expect(m.lookup('app.example.com/api/v2')).toBe('apiv2');
    const deep = route('app.example.com', '/api/v2/deep', false, 'deep');
    m.add(deep);
    expect(m.lookup('app.example.com/api/v2/deep/x')).toBe('deep');
    expect(m.entries().map((e) => e.value)).toEqual(sorted([...OPENSHIFT, deep]).map((e) => e.value));
  });

  it("add appends in 'file' order; remove deletes every entry with the key", () => {
    const m = compileMap([route('a.com', '', false, 'root')], { match: 'reg' });
    m.add(route('a.com', '/x', false, 'x'));
    expect(m.lookup('a.com/x')).toBe('root');
    expect(m.remove(routeRegexp('a.com', '', false))).toBe(1);
    expect(m.lookup('a.com/x')).toBe('x');
    expect(m.lookup('a.com/y')).toBeUndefined();
    expect(m.remove('nope')).toBe(0);
    m.add({ key: '^a', value: 'r1' });
    m.add({ key: '^a', value: 'r2' });
    expect(m.remove('^a', 'r1')).toBe(1);
    expect(m.lookup('a')).toBe('r2');
  });

  it('lookupEntry returns the winning entry with its line', () => {
    const m = compileMap(parseMapFile(`# c\n${routeRegexp('a.com', '', false)} be\n`).entries, {
      match: 'reg',
    });
    expect(m.lookupEntry('a.com/')).toEqual({ key: routeRegexp('a.com', '', false), value: 'be', line: 2 });
  });

  it('non-ASCII is matched byte-wise like PCRE2 without UTF', () => {
    const m = compileMap(
      [
        { key: '^h/é$', value: 'e-acute' },
        { key: '^h/.$', value: 'one-byte' },
        { key: '^h/..$', value: 'two-bytes' },
        route('h', '/ü', false, 'route'),
      ],
      { match: 'reg' },
    );
    expect(m.lookup('h/é')).toBe('e-acute');
    expect(m.lookup('h/ö')).toBe('two-bytes');
    expect(m.lookup('h/ü/x')).toBe('route');
  });
});

describe('callbacks', () => {
  it('lookup and match work detached from their object', () => {
    const { lookup } = compileMap([route('a.com', '', false, 'a')], { match: 'reg' });
    const { lookup: str } = compileMap([{ key: 'k', value: 'v' }], { match: 'str' });
    const { match } = createRouteMatcher({ records: [{ host: 'a.com', value: 1 }] });
    expect([lookup('a.com/'), str('k'), match('a.com', '/')?.value]).toEqual(['a', 'v', 1]);
  });
});

describe('inputEncoding', () => {
  it.each([
    { name: 'utf8: the input is text', match: 'reg', enc: 'utf8', input: 'h/é', want: 'v' },
    {
      name: 'utf8: latin1-decoded bytes are other text',
      match: 'reg',
      enc: 'utf8',
      input: 'h/\xc3\xa9',
      want: undefined,
    },
    { name: 'latin1: one byte per char', match: 'reg', enc: 'latin1', input: 'h/\xc3\xa9', want: 'v' },
    {
      name: 'latin1: chars above 0xff still read as text',
      match: 'reg',
      enc: 'latin1',
      input: 'h/é\u0100',
      want: undefined,
    },
    { name: 'str latin1', match: 'str', enc: 'latin1', input: 'h/\xc3\xa9', want: 's' },
    { name: 'beg latin1', match: 'beg', enc: 'latin1', input: 'h/\xc3\xa9/x', want: 's' },
  ] as const)('$name', ({ match, enc, input, want }) => {
    const entries = match === 'reg' ? [{ key: '^h/é$', value: 'v' }] : [{ key: 'h/é', value: 's' }];
    expect(compileMap(entries, { match, inputEncoding: enc }).lookup(input)).toBe(want);
  });

  it('createRouteMatcher with latin1 header strings', () => {
    const m = createRouteMatcher({ records: [{ host: 'hé.test', value: 1 }], inputEncoding: 'latin1' });
    expect(m.match('H\xc3\xa9.test', '/')?.value).toBe(1);
  });
});

describe('compileMap str and beg', () => {
  const entries: MapEntry[] = [
    { key: '/api', value: 'api' },
    { key: '/api/v2', value: 'v2' },
    { key: '/', value: 'root' },
    { key: '/api', value: 'api-dup' },
  ];
  it.each([
    { name: 'str exact', match: 'str', input: '/api', want: 'api' },
    { name: 'str no prefix', match: 'str', input: '/api/v2/x', want: undefined },
    { name: 'beg longest prefix', match: 'beg', input: '/api/v2/x', want: 'v2' },
    { name: 'beg shorter prefix', match: 'beg', input: '/api/v1', want: 'api' },
    { name: 'beg not segment-aware', match: 'beg', input: '/apix', want: 'api' },
    { name: 'beg root', match: 'beg', input: '/x', want: 'root' },
    { name: 'beg none', match: 'beg', input: 'x', want: undefined },
  ] as const)('$name', ({ match, input, want }) => {
    expect(compileMap(entries, { match }).lookup(input)).toBe(want);
  });

  it('add and remove', () => {
    const m = compileMap(entries, { match: 'beg' });
    expect(m.remove('/api')).toBe(2);
    expect(m.lookup('/api/v1')).toBe('root');
    m.add({ key: '/api/', value: 'slash' });
    expect(m.lookup('/api/v1')).toBe('slash');
    expect(m.remove('/api/v2')).toBe(1);
    expect(m.lookup('/api/v2')).toBe('slash');
    expect(m.entries().map((e) => e.value)).toEqual(['root', 'slash']);
  });
});

describe('compileMap bad input', () => {
  const text = [
    `${routeRegexp('a.com', '', false)} a`,
    '^(unbalanced b',
    'x\0y c',
    `^${'a'.repeat(100 * 1024)}$ d`,
    `${routeRegexp('b.com', '', false)} e`,
    '(?i)case f',
  ].join('\n');

  it('parseMapFile reports the NUL and 100 KB lines with their numbers', () => {
    const { entries, problems } = parseMapFile(text);
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'ERR_MAP_MATCHER_INVALID_LINE'],
      [4, 'ERR_MAP_MATCHER_LINE_TOO_LONG'],
    ]);
    expect(entries.map((e) => e.line)).toEqual([1, 2, 5, 6]);
  });

  it('compileMap throws for the unbalanced regex with its line number (like HAProxy)', () => {
    const { entries } = parseMapFile(text);
    let caught: unknown;
    try {
      compileMap(entries, { match: 'reg' });
    } catch (e) {
      caught = e;
    }
    expect(isMapMatcherError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'ERR_MAP_MATCHER_INVALID_PATTERN', line: 2 });
    expect((caught as Error).message).toMatch(/line 2: .*parenthesis/);
  });

  it("onInvalid 'skip' keeps the other lines usable", () => {
    const { entries } = parseMapFile(text);
    const m = compileMap(entries, { match: 'reg', onInvalid: 'skip' });
    expect(m.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'ERR_MAP_MATCHER_INVALID_PATTERN'],
      [6, 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN'],
    ]);
    expect(m.lookup('a.com/')).toBe('a');
    expect(m.lookup('b.com/')).toBe('e');
  });

  it('uses the position as the line when entries carry none', () => {
    expect(() =>
      compileMap(
        [
          { key: '^a', value: '' },
          { key: 'a)', value: '' },
        ],
        { match: 'reg' },
      ),
    ).toThrow(expect.objectContaining({ line: 2 }));
  });

  it.each([
    {
      name: 'entries not an array',
      call: () => compileMap('x' as unknown as MapEntry[], { match: 'reg' }),
      re: /entries must be an array/,
    },
    { name: 'bad match', call: () => compileMap([], { match: 'sub' as 'reg' }), re: /options\.match/ },
    {
      name: 'bad order',
      call: () => compileMap([], { match: 'reg', order: 'x' as 'file' }),
      re: /options\.order/,
    },
    {
      name: 'empty key',
      call: () => compileMap([{ key: '', value: 'v' }], { match: 'str' }),
      re: /entries\[0\]\.key/,
    },
  ])('rejects $name', ({ call, re }) => {
    expect(call).toThrow(re);
  });

  it('formatMapFile output compiles to the same answers', () => {
    const m = compileMap(parseMapFile(formatMapFile(OPENSHIFT)).entries, { match: 'reg' });
    expect(m.lookup('app.example.com/api/v2')).toBe('apiv2');
  });
});
