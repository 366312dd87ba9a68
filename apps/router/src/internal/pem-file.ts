/**
 * Reads the PEM files named by settings (`--default-certificate`, `--default-destination-ca`),
 * failing at start with the setting's name when a file is missing or holds the wrong blocks.
 */
import { readFile } from 'node:fs/promises';
import { RouterError } from '../errors.ts';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Reads a PEM file holding a certificate (chain) and its private key.
 * @param path - the file
 * @param setting - flag name for messages, e.g. `--default-certificate`
 * @returns `{ cert, key }` as PEM text
 * @throws RouterError `ERR_ROUTER_INVALID_SETTING`
 */
export async function readCertificateKeyFile(
  path: string,
  setting: string,
): Promise<{ cert: string; key: string }> {
  const text = await readPem(path, setting);
  const certs: string[] = [];
  const keys: string[] = [];
  for (const match of text.matchAll(BLOCK)) {
    if (match[1] === 'CERTIFICATE') certs.push(match[0]);
    else if (match[1]?.endsWith('PRIVATE KEY')) keys.push(match[0]);
  }
  if (certs.length === 0 || keys.length !== 1) {
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting ${setting}: ${path} must hold a PEM certificate (chain) and exactly one private key; found ${certs.length} certificate(s) and ${keys.length} key(s)`,
    );
  }
  return { cert: `${certs.join('\n')}\n`, key: `${keys[0]}\n` };
}

/**
 * Reads a PEM file of CA certificates.
 * @param path - the file
 * @param setting - flag name for messages
 * @returns the PEM text of the certificates
 * @throws RouterError `ERR_ROUTER_INVALID_SETTING`
 */
export async function readCaFile(path: string, setting: string): Promise<string> {
  const text = await readPem(path, setting);
  const certs = [...text.matchAll(BLOCK)].filter((m) => m[1] === 'CERTIFICATE').map((m) => m[0]);
  if (certs.length === 0)
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting ${setting}: ${path} holds no PEM certificate`,
    );
  return `${certs.join('\n')}\n`;
}

async function readPem(path: string, setting: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting ${setting}: cannot read ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** Reads a PEM file of certificate revocation lists (`--mutual-tls-crl`). */
export async function readCrlFile(path: string, setting: string): Promise<string> {
  const text = await readPem(path, setting);
  const crls = [...text.matchAll(BLOCK)].filter((m) => m[1] === 'X509 CRL').map((m) => m[0]);
  if (crls.length === 0)
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting ${setting}: ${path} holds no PEM X509 CRL`,
    );
  return `${crls.join('\n')}\n`;
}

/** Client certificate authentication as read at start (`--mutual-tls*`): paths for HAProxy, PEM for native. */
export interface MutualTlsMaterial {
  readonly verify: 'required' | 'optional';
  readonly caPath: string;
  readonly ca: string;
  readonly crlPath?: string;
  readonly crl?: string;
  readonly subjectFilter?: string;
}
