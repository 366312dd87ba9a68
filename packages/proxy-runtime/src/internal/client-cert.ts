/**
 * Client certificates (OpenShift's `ROUTER_MUTUAL_TLS_AUTH`): the `X-SSL-*` headers HAProxy sets
 * from `ssl_fc`, `ssl_c_verify`, `ssl_c_serial`, `ssl_c_version`, `ssl_c_sha1`, `ssl_c_s_dn`,
 * `ssl_c_s_dn(cn)`, `ssl_c_i_dn`, `ssl_c_notbefore`, `ssl_c_notafter` and `ssl_c_der`, read from
 * the certificate's DER with the same byte-level results (checked side by side with HAProxy in
 * apps/router/test/e2e-mutual-tls.test.ts).
 */
import { createHash } from 'node:crypto';

/** One DER element: tag, where its content starts and ends. */
interface Der {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readDer(b: Buffer, at: number): Der {
  const tag = b[at] as number;
  let len = b[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[start + i] as number);
    start += n;
  }
  if (start + len > b.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

/** The children of a constructed element. */
function children(b: Buffer, e: Der): Der[] {
  const out: Der[] = [];
  for (let p = e.start; p < e.end; ) {
    const c = readDer(b, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** OpenSSL short names of the attribute types HAProxy prints with `OBJ_nid2sn`. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

function oid(b: Buffer, e: Der): string {
  const bytes = b.subarray(e.start, e.end);
  const first = bytes[0] as number;
  const parts = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** A Name as `ssl_c_s_dn` prints it (`/C=US/O=Acme/CN=x`), with its first CN. */
function oneline(b: Buffer, name: Der): { dn: string; cn: string } {
  let dn = '';
  let cn: string | undefined;
  for (const rdn of children(b, name)) {
    for (const atv of children(b, rdn)) {
      const [type, value] = children(b, atv);
      if (type === undefined || value === undefined) continue;
      const id = oid(b, type);
      // The value's bytes as stored (HAProxy copies the ASN.1 string data unchanged).
      const text = b.subarray(value.start, value.end).toString('latin1');
      dn += `/${SHORT_NAMES[id] ?? id}=${text}`;
      if (id === '2.5.4.3' && cn === undefined) cn = text;
    }
  }
  return { dn, cn: cn ?? '' };
}

/** The header values of one client certificate, in HAProxy's formats. */
export interface ClientCertFacts {
  readonly serial: string;
  readonly version: string;
  readonly sha1: string;
  readonly subject: string;
  readonly cn: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly der: string;
}

/**
 * Reads the facts HAProxy exposes from a certificate's DER. Header values are latin1 strings
 * (one char per byte), as the runtime sends header values.
 * @internal
 */
export function clientCertFacts(der: Buffer): ClientCertFacts {
  const cert = readDer(der, 0);
  const [tbs] = children(der, cert);
  if (tbs === undefined) throw new Error('no TBSCertificate');
  const parts = children(der, tbs);
  let i = 0;
  let version = 1;
  if ((parts[0] as Der).tag === 0xa0) {
    const [v] = children(der, parts[0] as Der);
    version = (v === undefined ? 0 : (der[v.end - 1] as number)) + 1;
    i = 1;
  }
  const serial = parts[i] as Der;
  const issuer = parts[i + 2] as Der;
  const validity = parts[i + 3] as Der;
  const subject = parts[i + 4] as Der;
  const [notBefore, notAfter] = children(der, validity) as [Der, Der];
  const s = oneline(der, subject);
  return {
    serial: der.subarray(serial.start, serial.end).toString('hex').toUpperCase(),
    version: String(version),
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    subject: s.dn,
    cn: s.cn,
    issuer: oneline(der, issuer).dn,
    notBefore: der.subarray(notBefore.start, notBefore.end).toString('latin1'),
    notAfter: der.subarray(notAfter.start, notAfter.end).toString('latin1'),
    der: der.toString('base64'),
  };
}

/**
 * The `X-SSL-*` request headers of a connection, in the order OpenShift's template sets them;
 * empty values without a client certificate, as HAProxy sends them.
 * @internal
 */
export function sslHeaders(facts: ClientCertFacts | undefined): string[] {
  const f = facts;
  return [
    'X-SSL',
    '1',
    'X-SSL-Client-Verify',
    '0',
    'X-SSL-Client-Serial',
    f?.serial ?? '',
    'X-SSL-Client-Version',
    f?.version ?? '',
    'X-SSL-Client-SHA1',
    f?.sha1 ?? '',
    'X-SSL-Client-DN',
    f?.subject ?? '',
    'X-SSL-Client-CN',
    f?.cn ?? '',
    'X-SSL-Issuer',
    f?.issuer ?? '',
    'X-SSL-Client-NotBefore',
    f?.notBefore ?? '',
    'X-SSL-Client-NotAfter',
    f?.notAfter ?? '',
    'X-SSL-Client-DER',
    f?.der ?? '',
  ];
}
