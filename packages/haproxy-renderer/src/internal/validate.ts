/**
 * Validation and quoting of every value that reaches the configuration. The rule: a value is
 * either checked against a grammar whose every member is inert on a config line (names, hosts,
 * numbers, times, addresses), or emitted inside single quotes, where HAProxy interprets nothing
 * but the closing quote, which is written as `'\''`.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/** HAProxy time text accepted by OpenShift (`clipHAProxyTimeoutValue` grammar). */
export function isHaproxyTime(s: string): boolean {
  return /^[1-9][0-9]{0,18}(us|ms|s|m|h|d)?$/.test(s);
}

/** Kubernetes object names (DNS-1123 subdomain) and namespaces; no `:` so `ns:name` stays unambiguous. */
export function isObjectName(s: string): boolean {
  return s.length >= 1 && s.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s);
}

/** A DNS-1123 host name (lower case), optionally `*.`-prefixed; "" is allowed (no map entries). */
export function isRouteHost(s: string): boolean {
  if (s === '') return true;
  if (s.length > 253) return false;
  const labels = s.split('.');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as string;
    if (i === 0 && l === '*' && labels.length > 1) continue;
    if (l.length < 1 || l.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l)) return false;
  }
  return true;
}

/** Longest route path rendered; longer paths are rejected (map lines must stay well under HAProxy's line buffer). */
export const MAX_PATH_LENGTH = 4096;

/** A route path: "" or starting with `/`, no control character other than those OpenShift escapes. */
export function checkPath(s: string): string | undefined {
  if (s === '') return undefined;
  if (!s.startsWith('/')) return 'must start with "/"';
  if (s.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)) return 'contains a control character';
  if (/[\t\r\n]/.test(s)) return 'contains a tab, CR or LF';
  if (/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')))
    return 'contains a lone surrogate';
  return undefined;
}

/** An IP address or CIDR accepted by HAProxy's `src` ACL. */
export function isIpOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const ip = slash === -1 ? s : s.slice(0, slash);
  const v = isIP(ip);
  if (v === 0) return false;
  if (slash === -1) return true;
  const bits = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v === 4 ? 32 : 128);
}

/** HTTP header names (RFC 9110 token). */
export function isHeaderName(s: string): boolean {
  return s.length >= 1 && s.length <= 1024 && /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(s);
}

/** Longest header value rendered. */
export const MAX_HEADER_VALUE_LENGTH = 16384;

// A header value is a HAProxy log-format string. Allowed: literal characters (no `%`, no
// control characters), `%%`, and the dynamic values OpenShift's API admits: `%[` one of
// req.hdr(NAME), res.hdr(NAME), ssl_c_der, then `,lower` / `,base64` converters, `]`, with
// optional `%{+Q}`-style flags. Anything else could fail HAProxy's log-format parser.
const HEADER_VALUE =
  /^(?:%%|%(?:\{[-+]?[QXE](?:,[-+]?[QXE])*\})?\[(?:req\.hdr\([0-9A-Za-z-]+\)|res\.hdr\([0-9A-Za-z-]+\)|ssl_c_der)(?:,(?:lower|base64))*\]|[^%\x00-\x1f\x7f])+$/;

/** A header value that renders safely (see the grammar above). */
export function checkHeaderValue(s: string): string | undefined {
  if (s.length > MAX_HEADER_VALUE_LENGTH) return `is longer than ${MAX_HEADER_VALUE_LENGTH} characters`;
  if (!HEADER_VALUE.test(s)) {
    return 'must be literal text, %% or %[req.hdr(X)|res.hdr(X)|ssl_c_der[,lower|,base64]] (no control characters)';
  }
  return undefined;
}

/** OpenShift's `hsts_header` pattern (case-insensitive), anchored. */
const HSTS =
  /^(?:(?:includeSubDomains|preload)\s*[;]\s*)*max-age\s*=\s*(?:\d+|"\d+")(?:\s*[;]\s*(?:includeSubDomains|preload))*$/i;

/** Whether an HSTS header value is OpenShift-valid and has nothing HAProxy would interpret. */
export function isHstsValue(s: string): boolean {
  // `\s` admits newlines and tabs, which must not reach a config line.
  return s.length <= 1024 && HSTS.test(s) && !/[\r\n\t\v\f%']/.test(s);
}

/**
 * Single-quotes a value for a HAProxy config line. Inside single quotes HAProxy interprets
 * nothing, so the only special character is the quote itself, closed, escaped and reopened.
 */
export function quote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Escapes regular-expression metacharacters (PCRE) in a literal. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * OpenShift's rewrite-target sanitising (`util/rewritetarget.SanitizeInput`): cut at the first
 * unescaped `#`, drop unescaped quotes (an escaped `'` survives as `'\''` inside the quoted
 * replacement), double odd runs of `%`, drop single backslashes, un-double `\\`, append `\1`
 * unless a `#` was seen. Returns the replacement text without its surrounding quotes.
 */
export function sanitizeRewriteTarget(target: string): string {
  let out = '';
  let sawHash = false;
  let i = 0;
  while (i < target.length) {
    const c = target[i] as string;
    if (c === '\\') {
      const next = target[i + 1];
      if (next === '\\') {
        out += '\\\\';
        i += 2;
        continue;
      }
      if (next === "'") {
        out += "'\\''";
        i += 2;
        continue;
      }
      if (next === '#' || next === '"') {
        out += next;
        i += 2;
        continue;
      }
      // A single backslash is removed.
      i += 1;
      continue;
    }
    if (c === '#') {
      sawHash = true;
      break;
    }
    if (c === '"' || c === "'") {
      i += 1;
      continue;
    }
    if (c === '%') {
      let j = i;
      while (target[j] === '%') j++;
      const run = j - i;
      out += '%'.repeat(run % 2 === 1 ? run * 2 : run);
      i = j;
      continue;
    }
    out += c;
    i += 1;
  }
  // `\\` was kept doubled above so that the final text holds one literal backslash after
  // HAProxy's regex replacement reads it; collapse as OpenShift does.
  out = out.replaceAll('\\\\', '\\');
  return sawHash ? out : `${out}\\1`;
}

/** PEM blocks of a given label, normalised (one block per entry, trailing newline). */
export function pemBlocks(text: string, label: RegExp): string[] {
  const out: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const kind = m[1] as string;
    if (!label.test(kind)) continue;
    const body = (m[2] as string).replace(/\r/g, '').trim();
    out.push(`-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`);
  }
  return out;
}

/** Result of checking a certificate and key pair. */
export type PemCheck = { ok: true; certs: string[]; key?: string } | { ok: false; message: string };

/**
 * Parses certificates (and optionally their private key) with Node's OpenSSL, so that no file
 * HAProxy would refuse to load reaches the configuration.
 */
export function checkCertificates(certText: string, keyText: string | undefined, needKey: boolean): PemCheck {
  const certs = pemBlocks(certText, /^(TRUSTED )?CERTIFICATE$/);
  if (certs.length === 0) return { ok: false, message: 'no PEM certificate found' };
  let first: X509Certificate | undefined;
  for (const c of certs) {
    try {
      const x = new X509Certificate(c);
      first ??= x;
    } catch (e) {
      return { ok: false, message: `certificate does not parse: ${(e as Error).message}` };
    }
  }
  if (!needKey) return { ok: true, certs };
  const keys = pemBlocks(keyText ?? '', /PRIVATE KEY$/);
  if (keys.length !== 1) return { ok: false, message: 'expected exactly one PEM private key' };
  let key: KeyObject;
  try {
    key = createPrivateKey(keys[0] as string);
  } catch (e) {
    return { ok: false, message: `private key does not parse: ${(e as Error).message}` };
  }
  if (!(first as X509Certificate).checkPrivateKey(key)) {
    return { ok: false, message: 'the private key does not match the certificate' };
  }
  return { ok: true, certs, key: keys[0] as string };
}
