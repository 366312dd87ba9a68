/**
 * Certificates served by the TLS listener: OpenShift's crt-list (`cert_config.map`) as an
 * in-memory index. Route certificates are chosen by SNI (exact name first, then `*.domain`),
 * otherwise the default certificate. ALPN h2 is offered only for a certificate that exactly one
 * route uses and that differs from the default one (router PR #589), never for the default.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { RoutingTable } from '@switchyard/route-model';
import type { CertificateKeyPair, ResolvedTlsSettings } from '../options.ts';

/** One served certificate. */
export interface CertEntry {
  /** `host` or `*.domain` (GenCertificateHostName). */
  readonly certHost: string;
  readonly context: SecureContext;
  /** Offer ALPN `h2,http/1.1`. */
  readonly h2: boolean;
  /**
   * The default certificate only: the DNS names it is issued for (subject CN and
   * subjectAltName, lower-cased; `*.d` for wildcards), which `strictSni` accepts as SNI.
   */
  readonly names?: readonly string[];
}

/** The certificate index of one table. */
export interface CertIndex {
  readonly exact: ReadonlyMap<string, CertEntry>;
  readonly wildcard: ReadonlyMap<string, CertEntry>;
  readonly fallback: CertEntry | undefined;
}

/** OpenShift's GenCertificateHostName. @internal */
export function certificateHostName(host: string, wildcard: boolean): string {
  if (!wildcard) return host;
  const i = host.indexOf('.');
  return i < 0 ? host : `*${host.slice(i)}`;
}

/** Secure contexts are costly (key parsing): cache them by PEM text across tables. */
export class SecureContextCache {
  #cache = new Map<string, SecureContext>();
  #used = new Set<string>();
  readonly #tls: ResolvedTlsSettings;

  constructor(tls: ResolvedTlsSettings) {
    this.#tls = tls;
  }

  get(cert: string, key: string): SecureContext {
    const id = `${key}\u0000${cert}`;
    this.#used.add(id);
    let ctx = this.#cache.get(id);
    if (!ctx) {
      const { minVersion, maxVersion, ciphers, ca, crl, ecdhCurve } = this.#tls;
      ctx = createSecureContext({
        cert,
        key,
        minVersion,
        maxVersion,
        ...(ciphers === undefined ? {} : { ciphers }),
        ...(ecdhCurve === undefined ? {} : { ecdhCurve }),
        // Client certificates are verified against the store of the context SNI selected.
        ...(ca === undefined ? {} : { ca }),
        ...(crl === undefined ? {} : { crl }),
      });
      this.#cache.set(id, ctx);
    }
    return ctx;
  }

  /** Forgets contexts not used since the last sweep. */
  sweep(): void {
    for (const id of this.#cache.keys()) if (!this.#used.has(id)) this.#cache.delete(id);
    this.#used.clear();
  }
}

/**
 * Builds the certificate index of a table. A route whose certificate cannot be loaded is left
 * out (the default certificate is served for it), reported through `onError`.
 * @internal
 */
export function buildCertIndex(
  table: RoutingTable,
  defaultCert: CertificateKeyPair | undefined,
  disableHttp2: boolean,
  cache: SecureContextCache,
  onError: (routeKey: string, error: unknown) => void,
): CertIndex {
  const candidates: { key: string; certHost: string; cert: string; pem: string; keyPem: string }[] = [];
  const pemUse = new Map<string, number>();
  for (const r of table.routes.values()) {
    if (r.host === '' || (r.termination !== 'edge' && r.termination !== 'reencrypt')) continue;
    const cert = r.tls?.certificate;
    const key = r.tls?.key;
    if (!cert || !key || cert.trim() === '' || key.trim() === '') continue;
    const pem = r.tls?.caCertificate ? `${cert}\n${r.tls.caCertificate}` : cert;
    candidates.push({
      key: r.key,
      certHost: certificateHostName(r.host, r.wildcard),
      cert,
      pem,
      keyPem: key,
    });
    pemUse.set(cert, (pemUse.get(cert) ?? 0) + 1);
  }
  // cert_config.map is sorted descending by line (≈ descending ns:name); the first line for a
  // name wins in HAProxy's SNI tree.
  candidates.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const exact = new Map<string, CertEntry>();
  const wildcard = new Map<string, CertEntry>();
  for (const c of candidates) {
    const target = c.certHost.startsWith('*.') ? wildcard : exact;
    const name = c.certHost.startsWith('*.') ? c.certHost.slice(2) : c.certHost;
    if (target.has(name)) continue;
    let context: SecureContext;
    try {
      context = cache.get(c.pem, c.keyPem);
    } catch (e) {
      onError(c.key, e);
      continue;
    }
    const shared = (pemUse.get(c.cert) ?? 0) > 1;
    const isDefault = defaultCert !== undefined && defaultCert.cert.trim() === c.cert.trim();
    target.set(name, { certHost: c.certHost, context, h2: !disableHttp2 && !shared && !isDefault });
  }
  let fallback: CertEntry | undefined;
  if (defaultCert) {
    fallback = {
      certHost: '',
      context: cache.get(defaultCert.cert, defaultCert.key),
      h2: false,
      names: certificateNames(defaultCert.cert),
    };
  }
  return { exact, wildcard, fallback };
}

/**
 * The DNS names a certificate is issued for: its subject CN and its subjectAltName DNS entries,
 * lower-cased, as HAProxy indexes a certificate for SNI. Empty when the PEM cannot be parsed.
 * @internal
 */
export function certificateNames(pem: string): string[] {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    return [];
  }
  const names = new Set<string>();
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
  if (cn !== undefined) names.add(cn.trim().toLowerCase());
  for (const part of (x509.subjectAltName ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m?.[1]) names.add(m[1].trim().toLowerCase());
  }
  return [...names];
}

/**
 * Whether a lower-cased SNI is one of `names` or falls under one of its `*.domain` entries (one
 * label, as certificate wildcards match). @internal
 */
export function sniMatchesNames(names: readonly string[], sni: string): boolean {
  for (const n of names) if (hostMatchesCertificate(n, sni)) return true;
  return false;
}

/** Chooses the certificate for an SNI (lower-cased). @internal */
export function selectCertificate(index: CertIndex, sni: string | undefined): CertEntry | undefined {
  if (sni) {
    const e = index.exact.get(sni);
    if (e) return e;
    const i = sni.indexOf('.');
    if (i > 0) {
      const w = index.wildcard.get(sni.slice(i + 1));
      if (w) return w;
    }
  }
  return index.fallback;
}

/** Whether a request host (lower-cased, port and trailing dot removed) is covered by a cert host. @internal */
export function hostMatchesCertificate(certHost: string, host: string): boolean {
  if (certHost === host) return true;
  if (certHost.startsWith('*.')) {
    const i = host.indexOf('.');
    return i > 0 && host.slice(i) === certHost.slice(1);
  }
  return false;
}
