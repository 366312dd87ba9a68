/**
 * OpenShift's map keys (`pkg/router/template/util/util.go`), reproduced byte for byte: the
 * regexes HAProxy evaluates with `map_reg` against `base` (Host + path).
 */

// Go's regexp.QuoteMeta escapes exactly these bytes and nothing else.
const QUOTE_META = /[\\.+*?()|[\]{}^$]/g;

/**
 * Go's `regexp.QuoteMeta`: backslash-escapes exactly `` \.+*?()|[]{}^$ ``.
 *
 * @param s - any string.
 * @returns `s` with those characters escaped.
 * @example quoteMeta('a.b(c)') // 'a\\.b\\(c\\)'
 */
export function quoteMeta(s: string): string {
  return s.replace(QUOTE_META, '\\$&');
}

/**
 * OpenShift's `GetDomainForHost`: everything after the first `.`, or `''` when there is none.
 *
 * @param host - a host name.
 * @returns the parent domain, or `''`.
 */
export function domainForHost(host: string): string {
  const dot = host.indexOf('.');
  return dot === -1 ? '' : host.slice(dot + 1);
}

function hostRegexp(host: string, wildcard: boolean): string {
  if (wildcard) {
    const domain = domainForHost(host);
    // OpenShift ignores the wildcard flag for a host without a parent domain ("com").
    if (domain !== '') return `[^\\.]*${quoteMeta(`.${domain}`)}`;
  }
  return quoteMeta(host);
}

function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`map-matcher: ${name} must be a string, got ${typeof value}`);
  }
}

/**
 * OpenShift's `GenerateRouteRegexp(host, path, wildcard)`: the `map_reg` key of a route.
 *
 * `^<host>\.?(:[0-9]+)?<path><subpath>$`, where a wildcard host becomes `[^\.]*\.<domain>`,
 * a path of `""` or only slashes matches everything (`(/.*)?`), a path ending in `/` is followed
 * by `(.*)?`, any other path by `(/.*)?`, and in the path only, space, tab, CR and LF are written
 * `\x20`, `\t`, `\r`, `\n`.
 *
 * @param host - the route host, as stored (OpenShift does not lower-case it here).
 * @param path - the route path (`''` for none).
 * @param wildcard - true for `wildcardPolicy: Subdomain`.
 * @returns the regex source, byte for byte what OpenShift writes into its map files.
 * @throws TypeError when an argument is not a string.
 * @example
 * ```ts
 * routeRegexp('example.com', '/sub', false) // '^example\\.com\\.?(:[0-9]+)?/sub(/.*)?$'
 * ```
 */
export function routeRegexp(host: string, path: string, wildcard: boolean): string {
  assertString(host, 'host');
  assertString(path, 'path');
  let pathRE = '';
  let subpathRE: string;
  if (/^\/*$/.test(path)) {
    subpathRE = '(/.*)?';
  } else if (path.endsWith('/')) {
    pathRE = quoteMeta(path);
    subpathRE = '(.*)?';
  } else {
    pathRE = quoteMeta(path);
    subpathRE = '(/.*)?';
  }
  pathRE = pathRE
    .replaceAll(' ', '\\x20')
    .replaceAll('\t', '\\t')
    .replaceAll('\r', '\\r')
    .replaceAll('\n', '\\n');
  return `^${hostRegexp(host, wildcard === true)}\\.?(:[0-9]+)?${pathRE}${subpathRE}$`;
}

/**
 * OpenShift's `GenerateSNIRegexp(host, wildcard)`: `^<host>$`, the key of the passthrough map
 * (no trailing-dot, port or path parts).
 *
 * @param host - the route host.
 * @param wildcard - true for `wildcardPolicy: Subdomain`.
 * @returns the regex source.
 * @throws TypeError when `host` is not a string.
 * @example sniRegexp('www.example.com', true) // '^[^\\.]*\\.example\\.com$'
 */
export function sniRegexp(host: string, wildcard: boolean): string {
  assertString(host, 'host');
  return `^${hostRegexp(host, wildcard === true)}$`;
}
