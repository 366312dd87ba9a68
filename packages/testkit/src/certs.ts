import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './net.ts';

const run = promisify(execFile);

/** A certificate and its private key, PEM text. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** Options of {@link createCertificate}. */
export interface CertificateOptions {
  /** Subject CN. */
  commonName: string;
  /** DNS subject alternative names; `*.x.test` allowed. @default [commonName] */
  altNames?: string[];
  /** Issuer; self-signed without. */
  ca?: KeyPair;
  /** @default 'sha256' */
  signatureAlgorithm?: 'sha256' | 'sha1' | 'md5';
  /** @default 'ec' */
  keyType?: 'rsa' | 'ec';
  /** @default 365 */
  days?: number;
  /** Marks the certificate as a CA. @default false */
  isCa?: boolean;
  /** The whole subject in openssl `-subj` form (`/C=US/O=Acme/CN=client`). @default `/CN=<commonName>` */
  subject?: string;
}

/**
 * Creates a certificate with the real `openssl` CLI, so tests use exactly what users feed in.
 * @returns the PEM certificate and its private key
 */
export async function createCertificate(options: CertificateOptions): Promise<KeyPair> {
  const dir = await makeTempDir('testkit-cert');
  try {
    const keyPath = join(dir.path, 'key.pem');
    const certPath = join(dir.path, 'cert.pem');
    const csrPath = join(dir.path, 'req.csr');
    const extPath = join(dir.path, 'ext.cnf');
    const keyType = options.keyType ?? 'ec';
    if (keyType === 'rsa') {
      await run('openssl', [
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        keyPath,
      ]);
    } else {
      await run('openssl', [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        keyPath,
      ]);
    }
    const names = options.altNames ?? [options.commonName];
    const ext = [
      options.isCa ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=CA:FALSE',
      options.isCa
        ? 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'
        : 'keyUsage=digitalSignature,keyEncipherment',
      ...(options.isCa ? [] : ['extendedKeyUsage=serverAuth,clientAuth']),
      ...(names.length > 0 && !options.isCa
        ? [`subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]
        : []),
      'subjectKeyIdentifier=hash',
    ];
    await writeFile(extPath, `${ext.join('\n')}\n`);
    const digest = `-${options.signatureAlgorithm ?? 'sha256'}`;
    const days = String(options.days ?? 365);
    const subject = options.subject ?? `/CN=${options.commonName}`;
    // Debian's openssl.cnf raises the security level, which refuses SHA-1 and MD5 signatures;
    // tests need such certificates to check that they are rejected, so skip the system config.
    const env = { ...process.env, OPENSSL_CONF: '/dev/null' };
    await run('openssl', ['req', '-new', '-key', keyPath, '-subj', subject, '-out', csrPath], { env });
    const signArgs = options.ca
      ? await (async () => {
          const caCert = join(dir.path, 'ca.pem');
          const caKey = join(dir.path, 'ca-key.pem');
          await writeFile(caCert, options.ca!.cert);
          await writeFile(caKey, options.ca!.key);
          return ['-CA', caCert, '-CAkey', caKey, '-CAcreateserial'];
        })()
      : ['-signkey', keyPath];
    await run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        csrPath,
        digest,
        '-days',
        days,
        '-extfile',
        extPath,
        '-out',
        certPath,
        ...signArgs,
      ],
      { env },
    );
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } finally {
    await dir.cleanup();
  }
}

/**
 * Creates a self-signed certificate authority.
 * @param options - `commonName` of the CA, default "Switchyard Test CA"
 */
export function createCertificateAuthority(options: { commonName?: string } = {}): Promise<KeyPair> {
  return createCertificate({
    commonName: options.commonName ?? 'Switchyard Test CA',
    isCa: true,
    altNames: [],
  });
}

/**
 * Creates a certificate revocation list signed by `ca` that revokes `revoked`, with the real
 * `openssl ca`.
 * @returns the PEM CRL
 */
export async function createRevocationList(options: { ca: KeyPair; revoked: KeyPair[] }): Promise<string> {
  const dir = await makeTempDir('testkit-crl');
  try {
    const p = (name: string): string => join(dir.path, name);
    await writeFile(p('ca.pem'), options.ca.cert);
    await writeFile(p('ca.key'), options.ca.key);
    await writeFile(p('index.txt'), '');
    await writeFile(p('crlnumber'), '1000\n');
    await writeFile(
      p('ca.cnf'),
      `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${p('index.txt')}\ncrlnumber = ${p('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\n`,
    );
    const env = { ...process.env, OPENSSL_CONF: '/dev/null' };
    const base = ['ca', '-config', p('ca.cnf'), '-keyfile', p('ca.key'), '-cert', p('ca.pem')];
    for (const [i, r] of options.revoked.entries()) {
      await writeFile(p(`r${i}.pem`), r.cert);
      await run('openssl', [...base, '-revoke', p(`r${i}.pem`)], { env });
    }
    await run('openssl', [...base, '-gencrl', '-out', p('crl.pem')], { env });
    return await readFile(p('crl.pem'), 'utf8');
  } finally {
    await dir.cleanup();
  }
}
