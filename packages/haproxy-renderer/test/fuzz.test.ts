import type { HeaderAction, RouteEntry } from '@switchyard/route-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM, PKI } from './fixtures/fourteen.ts';
import { route, table } from './fixtures/routes.ts';
import { renderAndCheck } from './helpers.ts';

const TOTAL = 1000;
const CHUNK = 250;

/** Values meant to break a config line, a quoted string, a map file or a log-format string. */
const hostile = fc.oneof(
  fc.constantFrom(
    'a\nb',
    'a\r\nglobal',
    "it's",
    'say "hi"',
    'a b',
    '#comment',
    'x # y',
    'back\\slash\\',
    "\\'",
    '%[',
    '%[src]',
    '%{+Q}[req.hdr(host)]',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${} is the hostile input
    '${HOME}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${} is the hostile input
    '"${HOME}"',
    '\u00e9\u4e2d\u{1F600}',
    '\0',
    '\t',
    '}',
    '{ always_true }',
    'x if TRUE',
    '/path\nbind :1',
    '/a b',
    "/a'b",
    '/a#b',
    '/a\\b',
    '/%%%',
    '*.x.test',
    '',
    ' ',
    'A.TEST',
    '-bad-',
  ),
  fc.constant('x'.repeat(10 * 1024)),
  fc.constant(`/${'p'.repeat(10 * 1024)}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { freq: 3 });

const spec = fc.record({
  host: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('ok.test', 'a.ok.test', '') },
    { weight: 1, arbitrary: hostile },
  ),
  path: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('', '/', '/ok', '/ok/') },
    { weight: 1, arbitrary: hostile },
  ),
  name: fc.oneof({ weight: 8, arbitrary: fc.constant('ok') }, { weight: 1, arbitrary: hostile }),
  wildcard: fc.boolean(),
  termination: fc.constantFrom('none', 'edge', 'reencrypt', 'passthrough') as fc.Arbitrary<
    RouteEntry['termination']
  >,
  insecure: fc.constantFrom('None', 'Allow', 'Redirect') as fc.Arbitrary<RouteEntry['insecurePolicy']>,
  timeout: maybe(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('5s', '30m', '2147483647ms') },
      { weight: 1, arbitrary: hostile },
    ),
  ),
  cookieName: maybe(
    fc.oneof({ weight: 8, arbitrary: fc.constant('sid') }, { weight: 1, arbitrary: hostile }),
  ),
  hsts: maybe(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('max-age=1', 'max-age="5"; includeSubDomains') },
      { weight: 1, arbitrary: hostile },
    ),
  ),
  rewrite: maybe(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('/', '/v2', "/it\\'s", '/a%b#frag') },
      { weight: 1, arbitrary: hostile },
    ),
  ),
  allow: maybe(
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('10.0.0.0/8', '::1', '1.2.3.4') },
        { weight: 1, arbitrary: hostile },
      ),
      { maxLength: 3 },
    ),
  ),
  headerName: maybe(
    fc.oneof({ weight: 8, arbitrary: fc.constant('X-Ok') }, { weight: 1, arbitrary: hostile }),
  ),
  headerValue: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('v', '%[req.hdr(host),lower]') },
    { weight: 1, arbitrary: hostile },
  ),
  rate: maybe(fc.oneof(fc.constant(5), fc.constantFrom(-1, 0, 1.5, Number.NaN, 1e30))),
  ip: fc.oneof({ weight: 8, arbitrary: fc.constant('10.1.2.3') }, { weight: 1, arbitrary: hostile }),
  cert: fc.constantFrom('good', 'none', 'garbage', 'mismatch'),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function build(s: Spec, i: number, benign: boolean): RouteEntry {
  const pick = <T>(hostileValue: T, benignValue: T): T => (benign ? benignValue : hostileValue);
  const headers: HeaderAction[] =
    s.headerName === null
      ? []
      : [{ type: 'Set', name: pick(s.headerName, 'X-Ok'), value: pick(s.headerValue, 'v') }];
  const policies: Record<string, unknown> = { requestHeaders: headers, responseHeaders: [] };
  if (s.timeout !== null) policies.timeout = pick(s.timeout, '5s');
  if (s.cookieName !== null) policies.cookieName = pick(s.cookieName, 'sid');
  if (s.hsts !== null) policies.hstsHeader = pick(s.hsts, 'max-age=1');
  if (s.rewrite !== null) policies.rewriteTarget = pick(s.rewrite, '/v2');
  if (s.allow !== null)
    policies.ipAllowlist = pick(
      s.allow,
      s.allow.map(() => '1.2.3.4'),
    );
  if (s.rate !== null) policies.rateLimit = { concurrentTcp: pick(s.rate, 5) };
  const tls =
    s.cert === 'good'
      ? { certificate: PKI.edge.cert, key: PKI.edge.key }
      : s.cert === 'garbage'
        ? { certificate: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n', key: 'x' }
        : s.cert === 'mismatch'
          ? { certificate: PKI.edge.cert, key: PKI.shared.key }
          : undefined;
  return route({
    name: `r${i}-${pick(s.name, 'ok')}`,
    host: pick(s.host, 'ok.test'),
    path: s.termination === 'passthrough' ? '' : pick(s.path, '/ok'),
    wildcard: s.wildcard,
    termination: s.termination,
    insecurePolicy: s.insecure,
    services: [{ name: 'svc', servers: [{ ip: pick(s.ip, '10.1.2.3'), port: 8080 }] }],
    policies: policies as never,
    ...(tls === undefined || benign ? {} : { tls }),
  });
}

/** Each line of a backend reduced to its directive (first two words). */
function shape(config: string, backend: string): string[] {
  const start = config.indexOf(`\nbackend ${backend}\n`);
  if (start === -1) return [];
  const body = config.slice(start + 1).split('\n\n')[0] as string;
  return body
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.trim().split(' ').slice(0, 2).join(' '));
}

describe('fuzz: hostile route values render to a valid config or are rejected', () => {
  const specs = fc.sample(spec, { numRuns: TOTAL, seed: 424242 });

  it.each(Array.from({ length: TOTAL / CHUNK }, (_, c) => c))(
    'chunk %i: haproxy -c passes, rejected routes are reported, rendered ones have their benign twin’s directives',
    async (c) => {
      const routes = specs.slice(c * CHUNK, (c + 1) * CHUNK).map((s, i) => build(s, c * CHUNK + i, false));
      const checked = await renderAndCheck(table(routes));
      try {
        expect(checked.check.output).toContain('Configuration file is valid');
        const { result } = checked;
        const rejected = new Set(result.rejected.map((r) => r.key));
        const rendered = new Set(result.backends.map((b) => b.routeKey));
        for (const r of routes) {
          // Exactly one of the two.
          expect(rejected.has(r.key) !== rendered.has(r.key), r.key).toBe(true);
        }
        for (const rej of result.rejected) {
          expect(rej.condition).toMatchObject({
            type: 'Admitted',
            status: 'False',
            reason: 'UnrenderableRoute',
          });
          expect(rej.condition.message).toContain(rej.field);
        }
        const config = result.files['haproxy.config'] as string;
        for (const [i, s] of specs.slice(c * CHUNK, (c + 1) * CHUNK).entries()) {
          const r = routes[i] as RouteEntry;
          if (!rendered.has(r.key)) continue;
          const twin = renderHaproxyConfig(table([build(s, c * CHUNK + i, true)]), {
            workingDir: checked.dir,
            defaultCertificate: DEFAULT_PEM,
          });
          const twinRoute = [...twin.backends][0];
          expect(twinRoute, `benign twin of ${r.key} renders`).toBeDefined();
          expect(shape(config, r.backendName), r.key).toEqual(
            shape(twin.files['haproxy.config'] as string, twinRoute?.name ?? ''),
          );
        }
        // Every map line is exactly `key value`.
        for (const [path, text] of Object.entries(result.files)) {
          if (!path.endsWith('.map') || path === 'cert_config.map') continue;
          for (const line of text.split('\n').filter((l) => l !== ''))
            expect(line.split(' '), `${path}: ${line}`).toHaveLength(2);
        }
        if (process.env.FUZZ_DEBUG)
          console.log(
            `rendered ${rendered.size} rejected ${rejected.size}`,
            [...new Set(result.rejected.map((r) => r.field))].join(' '),
          );
        // The fuzz really exercises both outcomes.
        expect(rejected.size).toBeGreaterThan(10);
        expect(rendered.size).toBeGreaterThan(10);
      } finally {
        await checked.cleanup();
      }
    },
    60_000,
  );
});
