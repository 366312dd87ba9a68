import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainForHost, quoteMeta, routeRegexp, sniRegexp } from '../src/index.ts';

describe('routeRegexp (OpenShift GenerateRouteRegexp)', () => {
  // The published examples of openshift-router.md §3.5, plus one case per rule.
  it.each([
    {
      name: 'no path',
      host: 'example.com',
      path: '',
      wild: false,
      re: '^example\\.com\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'root path',
      host: 'example.com',
      path: '/',
      wild: false,
      re: '^example\\.com\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'only slashes',
      host: 'example.com',
      path: '///',
      wild: false,
      re: '^example\\.com\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'subpath with trailing slash',
      host: 'example.com',
      path: '/sub/',
      wild: false,
      re: '^example\\.com\\.?(:[0-9]+)?/sub/(.*)?$',
    },
    {
      name: 'subpath without trailing slash',
      host: 'example.com',
      path: '/sub',
      wild: false,
      re: '^example\\.com\\.?(:[0-9]+)?/sub(/.*)?$',
    },
    {
      name: 'wildcard',
      host: 'www.example.com',
      path: '/',
      wild: true,
      re: '^[^\\.]*\\.example\\.com\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'wildcard on a TLD is ignored',
      host: 'com',
      path: '',
      wild: true,
      re: '^com\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'every QuoteMeta metacharacter in the path',
      host: 'a-b.apps.example.com',
      path: '/p+q(x)*[y]?{z}|$^.',
      wild: false,
      re: '^a-b\\.apps\\.example\\.com\\.?(:[0-9]+)?/p\\+q\\(x\\)\\*\\[y\\]\\?\\{z\\}\\|\\$\\^\\.(/.*)?$',
    },
    {
      name: 'space in the path',
      host: 'www.example.test',
      path: '/x y',
      wild: false,
      re: '^www\\.example\\.test\\.?(:[0-9]+)?/x\\x20y(/.*)?$',
    },
    {
      name: 'tab, CR and LF in the path',
      host: 'h',
      path: '/a\tb\rc\nd',
      wild: false,
      re: '^h\\.?(:[0-9]+)?/a\\tb\\rc\\nd(/.*)?$',
    },
    {
      name: 'characters QuoteMeta leaves alone',
      host: 'h',
      path: '/-#%\':!"&,;=@~',
      wild: false,
      re: '^h\\.?(:[0-9]+)?/-#%\':!"&,;=@~(/.*)?$',
    },
    {
      name: 'backslash in the path',
      host: 'h',
      path: '/a\\b',
      wild: false,
      re: '^h\\.?(:[0-9]+)?/a\\\\b(/.*)?$',
    },
    {
      name: 'space in the host is not rewritten (path only)',
      host: 'a b',
      path: '',
      wild: false,
      re: '^a b\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'upper case is kept',
      host: 'WWW.Example.COM',
      path: '/A',
      wild: false,
      re: '^WWW\\.Example\\.COM\\.?(:[0-9]+)?/A(/.*)?$',
    },
    {
      name: 'wildcard with path',
      host: 'x.wild.test',
      path: '/w/',
      wild: true,
      re: '^[^\\.]*\\.wild\\.test\\.?(:[0-9]+)?/w/(.*)?$',
    },
    {
      name: 'wildcard keeps every label after the first',
      host: 'a.b.c.d',
      path: '',
      wild: true,
      re: '^[^\\.]*\\.b\\.c\\.d\\.?(:[0-9]+)?(/.*)?$',
    },
    {
      name: 'wildcard on "a." (empty domain)',
      host: 'a.',
      path: '',
      wild: true,
      re: '^a\\.\\.?(:[0-9]+)?(/.*)?$',
    },
    { name: 'empty host', host: '', path: '/x', wild: false, re: '^\\.?(:[0-9]+)?/x(/.*)?$' },
  ])('$name', ({ host, path, wild, re }) => {
    expect(routeRegexp(host, path, wild)).toBe(re);
  });

  it.each([
    { name: 'exact host', host: 'www.example.com', wild: false, re: '^www\\.example\\.com$' },
    { name: 'wildcard host', host: 'www.example.com', wild: true, re: '^[^\\.]*\\.example\\.com$' },
    { name: 'wildcard TLD', host: 'com', wild: true, re: '^com$' },
  ])('sniRegexp: $name', ({ host, wild, re }) => {
    expect(sniRegexp(host, wild)).toBe(re);
  });

  it.each([
    { name: 'no dot', host: 'com', domain: '' },
    { name: 'one dot', host: 'example.org', domain: 'org' },
    { name: 'several', host: 'www.wildcard.test', domain: 'wildcard.test' },
    { name: 'trailing dot', host: 'a.', domain: '' },
  ])('domainForHost: $name', ({ host, domain }) => {
    expect(domainForHost(host)).toBe(domain);
  });

  it('quoteMeta escapes exactly Go QuoteMeta set', () => {
    const all = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    const escaped = new Set('\\.+*?()|[]{}^$');
    let expected = '';
    for (const c of all) expected += escaped.has(c) ? `\\${c}` : c;
    expect(quoteMeta(all)).toBe(expected);
  });

  it.each([
    { name: 'matches the path itself', key: ['h', '/sub', false], input: 'h/sub', hit: true },
    { name: 'matches below the path', key: ['h', '/sub', false], input: 'h/sub/x', hit: true },
    { name: 'segment boundary', key: ['h', '/sub', false], input: 'h/subpar', hit: false },
    { name: 'trailing slash path needs the slash', key: ['h', '/sub/', false], input: 'h/sub', hit: false },
    { name: 'port', key: ['h', '', false], input: 'h:8080/x', hit: true },
    { name: 'trailing dot and port', key: ['example.com', '', false], input: 'example.com.:80/', hit: true },
    { name: 'wildcard one label', key: ['x.example.com', '', true], input: 'foo.example.com/', hit: true },
    {
      name: 'wildcard two labels',
      key: ['x.example.com', '', true],
      input: 'foo.bar.example.com/',
      hit: false,
    },
    { name: 'wildcard no dot', key: ['x.example.com', '', true], input: 'wwwexample.com', hit: false },
    { name: 'path is case-sensitive', key: ['h', '/A', false], input: 'h/a', hit: false },
  ] as const)('what the keys match: $name', ({ key, input, hit }) => {
    expect(new RegExp(routeRegexp(key[0], key[1], key[2])).test(input)).toBe(hit);
  });

  it('a generated key always matches its own host and path (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9-]{1,8}(\.[a-z0-9-]{1,8}){0,3}$/),
        fc.stringMatching(/^(\/[a-zA-Z0-9%.+*?()|[\]{}^$ -]{0,6}){0,3}\/?$/),
        (host, path) => {
          const re = new RegExp(routeRegexp(host, path, false));
          return re.test(host + (path === '' ? '/' : path));
        },
      ),
      { numRuns: 500 },
    );
  });
});
