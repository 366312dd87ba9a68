/**
 * HAProxy's `base` sample as OpenShift's frontends use it: the Host header lower-cased (the
 * `lower` converter: ASCII only, port kept) followed by the path without the query string.
 *
 * @param host - the Host header value (`''` when there is none).
 * @param path - the request target path, possibly with `?query`.
 * @returns the `map_reg` input, e.g. `example.com:8080/a/b`.
 * @example requestKey('WWW.Example.com:8080', '/A/b?x=1') // 'www.example.com:8080/A/b'
 */
export function requestKey(host: string, path: string): string {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  return lowerAscii(host) + p;
}

/**
 * Lower-cases ASCII letters only, like HAProxy's `lower` converter in the C locale.
 *
 * @param s - any string.
 * @returns `s` with A-Z mapped to a-z.
 */
export function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}
