import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM certificate and key. */
export interface K8sApiServerPem {
  readonly cert: string;
  readonly key: string;
}

let cached: Promise<K8sApiServerPem> | undefined;

/**
 * A self-signed P-256 certificate for 127.0.0.1, ::1 and localhost, made once per process
 * with the `openssl` CLI (Node 20 cannot issue X.509 certificates in-process). It is its own
 * CA, which is what the kubeconfig's `certificate-authority-data` carries.
 *
 * @returns the PEM pair
 * @throws when `openssl` is missing or fails
 */
export function apiServerCertificate(): Promise<K8sApiServerPem> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8s-api-cert-'));
    try {
      const keyPath = join(dir, 'key.pem');
      const certPath = join(dir, 'cert.pem');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '30',
        '-subj',
        '/CN=switchyard-test-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ]);
      return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return cached;
}
