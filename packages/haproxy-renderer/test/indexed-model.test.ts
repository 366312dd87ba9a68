import type { RouteEntry } from '@switchyard/route-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../src/index.ts';
import {
  buildRoutes,
  type RouteChoice,
  HOSTS,
  indexedLookup,
  indexedSni,
  openshiftSni,
  REQUEST_SNIS,
  KIND_COUNT,
  openshiftLookup,
  PATHS,
  REQUEST_HOSTS,
  REQUEST_PATHS,
} from './fixtures/differential.ts';
import { DEFAULT_PEM } from './fixtures/fourteen.ts';
import { route, table } from './fixtures/routes.ts';

const choice = fc.record({
  host: fc.nat(HOSTS.length - 1),
  path: fc.nat(PATHS.length - 1),
  wildcard: fc.boolean(),
  kind: fc.nat(KIND_COUNT - 1),
});
const req = fc.record({
  host: fc.constantFrom(...REQUEST_HOSTS),
  path: fc.constantFrom(...REQUEST_PATHS),
});

/** The routes `buildRoutes` makes of `cs`, each served by one (unused) server. */
const routesOf = (cs: readonly RouteChoice[]): RouteEntry[] =>
  buildRoutes(cs, (s) =>
    route({ ...s, services: [{ name: 'svc', servers: [{ ip: '127.0.0.1', port: 1 }] }] }),
  );

/** The files the indexed layout renders for `routes` (they hold both layouts' maps). */
const indexedFiles = (routes: RouteEntry[]) =>
  renderHaproxyConfig(table(routes), { workingDir: '/w', layout: 'indexed', defaultCertificate: DEFAULT_PEM })
    .files;

/** `base` as HAProxy builds it: lower-cased Host + path without the query string. */
const base = (host: string, path: string) => host.toLowerCase() + path.replace(/\?.*$/, '');

describe('indexed layout model: the rendered tree maps answer what the map_reg scan answers', () => {
  it('for random route sets and requests (http_be, redirect, edge maps)', () => {
    fc.assert(
      fc.property(
        fc.array(choice, { minLength: 1, maxLength: 25 }),
        fc.array(req, { minLength: 1, maxLength: 30 }),
        (cs, rs) => {
          const files = indexedFiles(routesOf(cs));
          for (const r of rs) {
            const b = base(r.host, r.path);
            for (const m of ['http_be', 'route_http_redirect', 'edge_reencrypt_be'] as const) {
              const idx = m === 'route_http_redirect' ? 'redirect' : m;
              // The redirect maps are read as "is it 1": a `0` line and a missing line mean the same.
              const answer = (x: string | undefined) => (m === 'route_http_redirect' ? x === '1' : x);
              expect(answer(indexedLookup(files, idx, b)), `${m} ${b}`).toBe(
                answer(openshiftLookup(files, m, b)),
              );
            }
          }
        },
      ),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it('for random route sets and SNI values (passthrough and TCP backend choice in public_ssl)', () => {
    fc.assert(
      fc.property(fc.array(choice, { minLength: 1, maxLength: 25 }), (cs) => {
        const files = indexedFiles(routesOf(cs));
        for (const sni of REQUEST_SNIS) expect(indexedSni(files, sni), sni).toBe(openshiftSni(files, sni));
      }),
      { seed: 20261127, numRuns: 300 },
    );
  });

  it.each([
    ['path /a shadows nothing of /ab', ['/a', '/ab'], 'a.test/abc'],
    ['/a/ shadows /a/%b (OpenShift order quirk kept)', ['/a/', '/a/%b'], 'a.test/a/%b'],
    ['segment boundary: /a does not match /ab', ['/a'], 'a.test/ab'],
    ['trailing-slash route does not match its bare path', ['/a/'], 'a.test/a'],
    ['port and trailing dot are ignored', ['/a'], 'a.test.:8080/a/x'],
  ])('%s', (_name, paths, b) => {
    const routes = paths.map((p, i) => route({ name: `p${i}`, host: 'a.test', path: p }));
    const files = indexedFiles(routes);
    expect(indexedLookup(files, 'http_be', b)).toBe(openshiftLookup(files, 'http_be', b));
  });
});
