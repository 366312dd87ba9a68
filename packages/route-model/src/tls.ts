/**
 * The router's extended TLS validation (`ExtendedValidateRoute`, reference §1.4): PEM parsing and
 * sanitising, SHA1/MD5 signatures rejected unless self-signed, the certificate chain checked
 * against the route's CA (hostname never checked, expiry tolerated), keys split out of the
 * certificate field and matched against the leaf.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { RouteTls } from './routing-table.ts';
import type { TLSConfig } from './types.ts';
import { type FieldError, invalid } from './internal/field-errors.ts';

/** One PEM block. */
export interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
}

const PEM_RE = /-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Decodes every PEM block of a text, in order (Go `pem.Decode` in a loop). Text between and
 * after blocks is ignored; headers inside a block are skipped.
 *
 * @param text - PEM text
 * @returns the blocks
 */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const body = m[2]!
      .split(/\r?\n/)
      .filter((l) => !l.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    out.push({ type: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return out;
}

/**
 * Canonical PEM encoding (Go `pem.Encode`): base64 in 64-character lines.
 *
 * @param type - block type, e.g. `CERTIFICATE`
 * @param der - block bytes
 * @returns PEM text ending in a newline
 */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}

const PRIVATE_KEY_TYPES = new Set(['RSA PRIVATE KEY', 'ECDSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY']);
const PUBLIC_KEY_TYPES = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'DSA PUBLIC KEY', 'ECDSA PUBLIC KEY']);

/**
 * OpenShift's `sanitizePEM`: keeps known block types, re-encodes them canonically, drops
 * `EC PARAMETERS`, re-encodes private keys as PKCS#1 (`RSA PRIVATE KEY`) or SEC1
 * (`EC PRIVATE KEY`).
 *
 * @param text - PEM text
 * @returns the sanitised text, or an error message
 */
export function sanitizePem(text: string): { ok: true; pem: string } | { ok: false; error: string } {
  let out = '';
  for (const block of decodePem(text)) {
    if (block.type === 'EC PARAMETERS') continue;
    if (block.type === 'CERTIFICATE' || PUBLIC_KEY_TYPES.has(block.type)) {
      out += encodePem(block.type, block.der);
    } else if (PRIVATE_KEY_TYPES.has(block.type)) {
      const key = reencodePrivateKey(block);
      if (!key.ok) return key;
      out += key.pem;
    } else {
      return { ok: false, error: `unsupported PEM block type ${JSON.stringify(block.type)}` };
    }
  }
  return { ok: true, pem: out };
}

function privateKeyObject(block: PemBlock): KeyObject {
  return createPrivateKey({
    key: encodePem(block.type === 'ECDSA PRIVATE KEY' ? 'EC PRIVATE KEY' : block.type, block.der),
    format: 'pem',
  });
}

function reencodePrivateKey(
  block: PemBlock,
): { ok: true; pem: string; key: KeyObject } | { ok: false; error: string } {
  let key: KeyObject;
  try {
    key = privateKeyObject(block);
  } catch (e) {
    return { ok: false, error: `error parsing private key: ${(e as Error).message}` };
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { ok: true, key, pem: key.export({ type: 'pkcs1', format: 'pem' }).toString() };
  }
  if (key.asymmetricKeyType === 'ec') {
    return { ok: true, key, pem: key.export({ type: 'sec1', format: 'pem' }).toString() };
  }
  return { ok: false, error: `unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}` };
}

/** Parsed certificate with what the checks need. */
interface ParsedCert {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  readonly sigAlgOid: string;
  readonly keyAlgOid: string;
  readonly aki: string | undefined;
  readonly ski: string | undefined;
}

function parseCert(der: Buffer): ParsedCert {
  const x509 = new X509Certificate(der);
  const asn = AsnConvert.parse(der, Certificate);
  let aki: string | undefined;
  let ski: string | undefined;
  for (const ext of asn.tbsCertificate.extensions ?? []) {
    if (ext.extnID === id_ce_authorityKeyIdentifier) {
      const v = AsnConvert.parse(ext.extnValue, AuthorityKeyIdentifier);
      if (v.keyIdentifier) aki = Buffer.from(v.keyIdentifier.buffer).toString('hex');
    } else if (ext.extnID === id_ce_subjectKeyIdentifier) {
      ski = Buffer.from(AsnConvert.parse(ext.extnValue, SubjectKeyIdentifier).buffer).toString('hex');
    }
  }
  return {
    x509,
    der,
    sigAlgOid: asn.signatureAlgorithm.algorithm,
    keyAlgOid: asn.tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm,
    aki,
    ski,
  };
}

/**
 * Go `cert.ParseCertsPEM`: every `CERTIFICATE` block parsed; an error when there is none.
 */
function parseCertsPem(text: string): { ok: true; certs: ParsedCert[] } | { ok: false; error: string } {
  const certs: ParsedCert[] = [];
  for (const block of decodePem(text)) {
    if (block.type !== 'CERTIFICATE') continue;
    try {
      certs.push(parseCert(block.der));
    } catch (e) {
      return { ok: false, error: `failed to parse certificate: ${(e as Error).message}` };
    }
  }
  if (certs.length === 0)
    return { ok: false, error: 'data does not contain any valid RSA or ECDSA certificates' };
  return { ok: true, certs };
}

const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'MD2-RSA',
  '1.2.840.113549.1.1.4': 'MD5-RSA',
  '1.2.840.113549.1.1.5': 'SHA1-RSA',
  '1.3.14.3.2.29': 'SHA1-RSA',
  '1.2.840.10040.4.3': 'DSA-SHA1',
  '1.2.840.10045.4.1': 'ECDSA-SHA1',
};

function signatureFamily(oid: string): string {
  if (oid.startsWith('1.2.840.113549.1.1.') || oid === '1.3.14.3.2.29') return 'rsa';
  if (oid.startsWith('1.2.840.10045.4.')) return 'ec';
  if (oid === '1.2.840.10040.4.3' || oid.startsWith('2.16.840.1.101.3.4.3.')) return 'dsa';
  if (oid === '1.3.101.112') return 'ed25519';
  if (oid === '1.3.101.113') return 'ed448';
  return oid;
}

function keyFamily(oid: string): string {
  switch (oid) {
    case '1.2.840.113549.1.1.1':
    case '1.2.840.113549.1.1.10':
      return 'rsa';
    case '1.2.840.10045.2.1':
      return 'ec';
    case '1.2.840.10040.4.1':
      return 'dsa';
    case '1.3.101.112':
      return 'ed25519';
    case '1.3.101.113':
      return 'ed448';
    default:
      return oid;
  }
}

/** OpenSSL's EXFLAG_SS: issuer == subject, AKI absent or equal to SKI, signature family matches the key. */
function isSelfSigned(c: ParsedCert): boolean {
  if (c.x509.issuer !== c.x509.subject) return false;
  if (c.aki !== undefined && c.aki !== c.ski) return false;
  return signatureFamily(c.sigAlgOid) === keyFamily(c.keyAlgOid);
}

function weakSignature(certs: readonly ParsedCert[]): string | undefined {
  for (const c of certs) {
    const weak = WEAK_SIGNATURES[c.sigAlgOid];
    if (weak !== undefined && !isSelfSigned(c)) {
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(c.x509.subject)?.[1] ?? c.x509.subject;
      return `certificate ${JSON.stringify(cn)} is signed with the insecure algorithm ${weak}; SHA1, MD2 and MD5 signatures are rejected unless the certificate is self-signed`;
    }
  }
  return undefined;
}

function issuedBy(child: ParsedCert, issuer: ParsedCert): boolean {
  try {
    return child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** Go `Verify` without hostname and ignoring expiry: a chain from the leaf to any CA in the pool. */
function verifyChain(
  leaf: ParsedCert,
  intermediates: readonly ParsedCert[],
  roots: readonly ParsedCert[],
  depth = 0,
): boolean {
  if (depth > 8) return false;
  if (roots.some((r) => r.der.equals(leaf.der))) return true;
  if (roots.some((r) => issuedBy(leaf, r))) return true;
  for (const i of intermediates) {
    if (i.der.equals(leaf.der)) continue;
    if (issuedBy(leaf, i) && verifyChain(i, intermediates, roots, depth + 1)) return true;
  }
  return false;
}

const REDACTED = {
  certificate: 'redacted certificate data',
  key: 'redacted key data',
  caCertificate: 'redacted ca certificate data',
  destinationCACertificate: 'redacted destination ca certificate data',
} as const;

/**
 * Extended validation of the certificate contents of an edge or reencrypt route. Mirrors
 * OpenShift's order: CA, certificate (signature rule, chain against the CA when one is given),
 * key sanitising, key split out of the certificate field and matched against the leaf,
 * destination CA.
 *
 * @param tls - `spec.tls` of the route (termination edge or reencrypt)
 * @returns the errors (each naming the field) and, if there are none, the sanitised material
 */
export function validateTlsContent(tls: TLSConfig): { errors: readonly FieldError[]; tls: RouteTls } {
  // Parsing keys and certificates costs about a millisecond; routes are re-validated on every
  // update (an annotation change) and often share certificates, so results are cached by content.
  const cacheKey = [
    tls.termination,
    tls.certificate ?? '',
    tls.key ?? '',
    tls.caCertificate ?? '',
    tls.destinationCACertificate ?? '',
  ].join('\u0000');
  const hit = tlsCache.get(cacheKey);
  if (hit) {
    tlsCache.delete(cacheKey);
    tlsCache.set(cacheKey, hit);
    return hit;
  }
  const result = validateTlsContentUncached(tls);
  tlsCache.set(cacheKey, result);
  if (tlsCache.size > TLS_CACHE_SIZE) tlsCache.delete(tlsCache.keys().next().value!);
  return result;
}

const TLS_CACHE_SIZE = 2048;
const tlsCache = new Map<string, { errors: readonly FieldError[]; tls: RouteTls }>();

/** Empties the validation cache (benchmarks measure uncached validation with it). */
export function clearTlsValidationCache(): void {
  tlsCache.clear();
}

function validateTlsContentUncached(tls: TLSConfig): { errors: readonly FieldError[]; tls: RouteTls } {
  const errors: FieldError[] = [];
  const out: { -readonly [K in keyof RouteTls]: RouteTls[K] } = {};
  const path = (f: keyof typeof REDACTED): string => `spec.tls.${f}`;

  let caCerts: ParsedCert[] = [];
  if (tls.caCertificate) {
    const parsed = parseCertsPem(tls.caCertificate);
    if (!parsed.ok) errors.push(invalid(path('caCertificate'), REDACTED.caCertificate, parsed.error));
    else {
      caCerts = parsed.certs;
      const weak = weakSignature(caCerts);
      if (weak) errors.push(invalid(path('caCertificate'), REDACTED.caCertificate, weak));
      const s = sanitizePem(tls.caCertificate);
      if (!s.ok) errors.push(invalid(path('caCertificate'), REDACTED.caCertificate, s.error));
      else out.caCertificate = s.pem;
    }
  }

  if (tls.certificate) {
    const parsed = parseCertsPem(tls.certificate);
    if (!parsed.ok) errors.push(invalid(path('certificate'), REDACTED.certificate, parsed.error));
    else {
      const weak = weakSignature(parsed.certs);
      if (weak) errors.push(invalid(path('certificate'), REDACTED.certificate, weak));
      if (tls.caCertificate && caCerts.length > 0) {
        const [leaf, ...rest] = parsed.certs;
        if (leaf && !verifyChain(leaf, rest, caCerts)) {
          errors.push(
            invalid(
              path('certificate'),
              REDACTED.certificate,
              'error verifying certificate: x509: certificate signed by unknown authority',
            ),
          );
        }
      }
    }
    // splitCertKey: private keys found in the certificate field move to the key field.
    const certBlocks = decodePem(tls.certificate);
    const keyBlocks = decodePem(tls.key ?? '');
    const movedKeys = certBlocks.filter((b) => PRIVATE_KEY_TYPES.has(b.type));
    const certOnly = certBlocks.filter((b) => !PRIVATE_KEY_TYPES.has(b.type));
    const allKeys = [...keyBlocks, ...movedKeys];
    if (allKeys.length === 0) {
      errors.push(invalid(path('key'), REDACTED.key, 'no key specified'));
    } else if (!keyBlocks.every((b) => PRIVATE_KEY_TYPES.has(b.type) || b.type === 'EC PARAMETERS')) {
      errors.push(invalid(path('key'), REDACTED.key, 'the key field may contain only private key blocks'));
    } else if (
      certOnly.length === 0 ||
      certOnly[0]!.type !== 'CERTIFICATE' ||
      !certOnly.every((b) => b.type === 'CERTIFICATE')
    ) {
      errors.push(
        invalid(
          path('certificate'),
          REDACTED.certificate,
          'the certificate field may contain only CERTIFICATE blocks',
        ),
      );
    } else {
      const keyBlock = allKeys.find((b) => PRIVATE_KEY_TYPES.has(b.type))!;
      const key = reencodePrivateKey(keyBlock);
      if (!key.ok) errors.push(invalid(path('key'), REDACTED.key, key.error));
      else {
        let matches = false;
        try {
          matches = new X509Certificate(certOnly[0]!.der).checkPrivateKey(key.key);
        } catch {
          matches = false;
        }
        if (!matches) {
          errors.push(
            invalid(
              path('key'),
              REDACTED.key,
              'tls: private key does not match public key of the first certificate',
            ),
          );
        } else {
          out.key = key.pem;
          out.certificate = certOnly.map((b) => encodePem(b.type, b.der)).join('');
        }
      }
    }
  } else if (tls.key) {
    const s = sanitizePem(tls.key);
    if (!s.ok) errors.push(invalid(path('key'), REDACTED.key, s.error));
  }

  if (tls.destinationCACertificate && tls.termination === 'reencrypt') {
    const parsed = parseCertsPem(tls.destinationCACertificate);
    if (!parsed.ok)
      errors.push(invalid(path('destinationCACertificate'), REDACTED.destinationCACertificate, parsed.error));
    else {
      const weak = weakSignature(parsed.certs);
      if (weak)
        errors.push(invalid(path('destinationCACertificate'), REDACTED.destinationCACertificate, weak));
      const s = sanitizePem(tls.destinationCACertificate);
      if (!s.ok)
        errors.push(invalid(path('destinationCACertificate'), REDACTED.destinationCACertificate, s.error));
      else out.destinationCACertificate = s.pem;
    }
  }
  return Object.freeze({ errors: Object.freeze(errors), tls: Object.freeze(out) });
}
