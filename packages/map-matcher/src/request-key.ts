// An absolute-form request target (`http://authority/path`): HAProxy's path starts at the first
// `/` after the authority. The scheme must start with a letter, as HAProxy checks.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The path part of a request target as HAProxy's `path`/`base` see it (before the query string
 * is removed): the target itself when it starts with `/`; for an absolute-form target
 * (`http://authority/...`) everything from the first `/` after the authority (even one that
 * follows a `?`), or `''`; for anything else (`*`, authority-form) `''`.
 *
 * @param target - the request target as received (e.g. Node's `req.url`).
 * @returns the path, possibly with its query string.
 */
export function requestPath(target: string): string {
  if (target.charCodeAt(0) === 0x2f) return target;
  const m = ABSOLUTE_FORM.exec(target);
  if (m === null) return '';
  const slash = target.indexOf('/', m[0].length);
  return slash === -1 ? '' : target.slice(slash);
}

/**
 * HAProxy's `base` sample as OpenShift's frontends use it: the Host header lower-cased (the
 * `lower` converter: ASCII only, port kept) followed by the path without the query string.
 * Absolute-form targets (`http://a/b`) contribute their path only, as in HAProxy (see
 * {@link requestPath}).
 *
 * @param host - the Host header value (`''` when there is none).
 * @param target - the request target, possibly with `?query` (e.g. Node's `req.url`).
 * @returns the `map_reg` input, e.g. `example.com:8080/a/b`.
 * @example requestKey('WWW.Example.com:8080', '/A/b?x=1') // 'www.example.com:8080/A/b'
 */
export function requestKey(host: string, target: string): string {
  const path = requestPath(target);
  const q = path.indexOf('?');
  return lowerAscii(host) + (q === -1 ? path : path.slice(0, q));
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
