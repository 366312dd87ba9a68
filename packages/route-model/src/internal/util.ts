import * as crypto from 'node:crypto';

// `crypto.hash` (Node ≥ 20.12) is a one-shot digest, several times cheaper than createHash for
// the short strings hashed here (one per server and per route).
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** Lower-case hex md5 of a UTF-8 string (Go `fmt.Sprintf("%x", md5.Sum(...))`). */
export function md5hex(s: string): string {
  if (oneShot) return oneShot('md5', s, 'hex');
  return crypto.createHash('md5').update(s, 'utf8').digest('hex');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Go's byte-wise string order (UTF-8 bytes), not UTF-16 code units. */
export function compareBytes(a: string, b: string): number {
  if (!NON_ASCII.test(a) && !NON_ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Milliseconds since the epoch of a Kubernetes timestamp; a missing or bad one is Go's zero time. */
export function timestampMillis(t: string | Date | undefined): number {
  if (t === undefined) return Number.NEGATIVE_INFINITY;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  if (Number.isNaN(ms)) return Number.NEGATIVE_INFINITY;
  // The API server stores seconds: compare at that resolution so ties fall to the UID.
  return Math.floor(ms / 1000) * 1000;
}

/** Canonical RFC 3339 text of a timestamp, or "" when absent. */
export function timestampText(t: string | Date | undefined): string {
  if (t === undefined) return '';
  if (t instanceof Date) return Number.isNaN(t.getTime()) ? '' : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return t;
}

/** Go `strconv.ParseBool` truthiness, as OpenShift's `isTrue`. */
export function isTrue(v: string | undefined): boolean {
  return v === '1' || v === 't' || v === 'T' || v === 'TRUE' || v === 'true' || v === 'True';
}

/** Go `strconv.ParseBool`: undefined when the text is not a boolean. */
export function parseBool(v: string): boolean | undefined {
  if (isTrue(v)) return true;
  if (v === '0' || v === 'f' || v === 'F' || v === 'FALSE' || v === 'false' || v === 'False') return false;
  return undefined;
}

/** Everything after the first `.`, or "" (OpenShift `GetDomainForHost`). */
export function domainForHost(host: string): string {
  const i = host.indexOf('.');
  return i < 0 ? '' : host.slice(i + 1);
}

/** Shallow structural equality for plain data (arrays, records, primitives). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
