import { MapMatcherError } from './errors.ts';
import { RegIndex } from './internal/reg-index.ts';
import { lowerAscii, requestKey } from './request-key.ts';
import { routeRegexp } from './route-regexp.ts';

/** A route for {@link createRouteMatcher}: what OpenShift puts in `os_http_be.map`, structured. */
export interface RouteRecord<T> {
  /** The route host; ASCII upper case is lower-cased (requests are matched lower-cased). */
  host: string;
  /**
   * The path prefix, matched segment-wise: `/a` matches `/a`, `/a/`, `/a/b`, not `/ab`;
   * `/a/` matches `/a/` and below, not `/a`.
   * @default ''
   */
  path?: string;
  /**
   * `wildcardPolicy: Subdomain`: the host's first label matches any one label.
   * @default false
   */
  wildcard?: boolean;
  /** What a match returns to you (a backend, a handler...). */
  value: T;
}

/** Options of {@link createRouteMatcher}. */
export interface RouteMatcherOptions<T> {
  /**
   * Records to start with.
   * @default []
   */
  records?: readonly RouteRecord<T>[];
  /**
   * How `match` reads the Host and path: `'utf8'` (text) or `'latin1'` (one byte per char, as
   * Node.js decodes header values). Only matters for non-ASCII bytes.
   * @default 'utf8'
   */
  inputEncoding?: 'utf8' | 'latin1';
}

/** A host/path router with OpenShift's precedence (see {@link createRouteMatcher}). */
export interface RouteMatcher<T> {
  /** Number of records. */
  readonly size: number;
  /**
   * Adds a record. A record with the same host, path and wildcard flag as an earlier one ranks
   * after it (OpenShift admits only one route per host and path).
   * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_ARGUMENT` for a malformed record.
   */
  add(record: RouteRecord<T>): void;
  /**
   * Removes the records with this host, path and wildcard flag.
   * @returns how many were removed.
   */
  remove(record: Pick<RouteRecord<T>, 'host' | 'path' | 'wildcard'>): number;
  /**
   * The record OpenShift's HAProxy would route this request to, or `undefined`.
   * Bound to the matcher, so it can be passed around as a function.
   * @param host - the Host header as received (port allowed, any case).
   * @param path - the request target, e.g. Node's `req.url` (a query string is ignored;
   *   absolute-form targets are reduced to their path, as HAProxy does).
   */
  readonly match: (host: string, path: string) => RouteRecord<T> | undefined;
  /** The records in precedence order. */
  records(): RouteRecord<T>[];
}

function keyOf<T>(r: Pick<RouteRecord<T>, 'host' | 'path' | 'wildcard'>, where: string): string {
  if (r === null || typeof r !== 'object') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `${where}: expected an object { host, path, wildcard, value }`,
    );
  }
  if (typeof r.host !== 'string' || r.host === '') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `${where}.host: expected a non-empty string`,
    );
  }
  if (r.path !== undefined && typeof r.path !== 'string') {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ARGUMENT', `${where}.path: expected a string`);
  }
  if (r.wildcard !== undefined && typeof r.wildcard !== 'boolean') {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ARGUMENT', `${where}.wildcard: expected a boolean`);
  }
  return routeRegexp(lowerAscii(r.host), r.path ?? '', r.wildcard ?? false);
}

class Matcher<T> implements RouteMatcher<T> {
  readonly #index: RegIndex<RouteRecord<T>>;

  constructor(encoding: 'utf8' | 'latin1') {
    this.#index = new RegIndex<RouteRecord<T>>('openshift', encoding);
  }

  get size(): number {
    return this.#index.size;
  }

  add(record: RouteRecord<T>): void {
    const key = keyOf(record, 'record');
    // An empty sort value: records with the same key rank by insertion order.
    this.#index.insert(this.#index.prepare(key, '', undefined, record, ''));
  }

  remove(record: Pick<RouteRecord<T>, 'host' | 'path' | 'wildcard'>): number {
    let n = 0;
    for (const r of [...this.#index.byKey(keyOf(record, 'record'))]) n += this.#index.delete(r) ? 1 : 0;
    return n;
  }

  // An arrow property, so `const { match } = routes` works as a callback.
  readonly match = (host: string, path: string): RouteRecord<T> | undefined =>
    this.#index.lookup(requestKey(host, path))?.payload;

  records(): RouteRecord<T>[] {
    return this.#index.records().map((r) => r.payload);
  }
}

/**
 * A router for embedding in other gateways: give it `{ host, path, wildcard, value }` records and
 * ask `match(host, path)`. It answers exactly as OpenShift's HAProxy would with the map lines
 * `routeRegexp(host, path, wildcard)` sorted by `sortMapLines` (exact hosts before wildcards,
 * longer paths before their prefixes, one-label wildcards, ports and a trailing dot in the Host
 * ignored, paths case-sensitive), without regexes and at a cost that does not grow with the
 * number of routes.
 *
 * @param options - initial records.
 * @returns the matcher.
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_ARGUMENT` for a malformed record.
 * @example
 * ```ts
 * const routes = createRouteMatcher<string>({ records: [
 *   { host: 'app.example.com', path: '/api', value: 'api-backend' },
 *   { host: 'x.example.com', wildcard: true, value: 'wildcard-backend' },
 * ] });
 * routes.match('App.Example.com:8080', '/api/v1?x=1')?.value; // 'api-backend'
 * ```
 */
export function createRouteMatcher<T>(options: RouteMatcherOptions<T> = {}): RouteMatcher<T> {
  const encoding = options.inputEncoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'latin1') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `createRouteMatcher: options.inputEncoding must be 'utf8' or 'latin1', got ${JSON.stringify(encoding)}`,
    );
  }
  const m = new Matcher<T>(encoding);
  const records = options.records ?? [];
  for (let i = 0; i < records.length; i++) {
    try {
      m.add(records[i] as RouteRecord<T>);
    } catch (e) {
      if (e instanceof MapMatcherError) {
        throw new MapMatcherError(e.code, e.message.replace(/^record/, `options.records[${i}]`), {
          cause: e,
        });
      }
      throw e;
    }
  }
  return m;
}
