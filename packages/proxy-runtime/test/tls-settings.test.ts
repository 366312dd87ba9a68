// TLS versions and ciphers of the TLS listener (OpenShift's SSL_MIN_VERSION, SSL_MAX_VERSION,
// ROUTER_CIPHERS, ROUTER_CIPHERSUITES), checked with the real `openssl s_client` against a route
// certificate chosen by SNI and against the default certificate.
import {
  createCertificate,
  type EchoServer,
  type KeyPair,
  opensslHandshake as handshake,
  startHttpEcho,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProxyRuntime,
  isProxyRuntimeError,
  type ProxyRuntime,
  type ProxyRuntimeOptions,
} from '../src/index.ts';
import { certificateNames, sniMatchesNames } from '../src/internal/certs.ts';
import { backendFor, route, table } from './helpers.ts';

let echo: EchoServer;
let routeCert: KeyPair;
let defaultCert: KeyPair;
const runtimes: ProxyRuntime[] = [];

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'a' });
  routeCert = await createCertificate({ commonName: 'edge.test', altNames: ['edge.test'] });
  defaultCert = await createCertificate({ commonName: 'default.test' });
});

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close({ graceMs: 10 })));
  await echo.close();
});

/** A runtime with one edge route carrying its own certificate, plus the default certificate. */
async function start(options: Partial<ProxyRuntimeOptions>): Promise<number> {
  const rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: false,
    httpsPort: 0,
    defaultCertificate: defaultCert,
    table: table([
      ...backendFor('a', [echo.port]),
      route('edge', {
        host: 'edge.test',
        to: { kind: 'Service', name: 'a' },
        tls: { termination: 'edge', certificate: routeCert.cert, key: routeCert.key },
      }),
    ]),
    ...options,
  });
  runtimes.push(rt);
  const { httpsPort } = await rt.listen();
  return httpsPort as number;
}

// The route's own certificate (selected by SNI) and the default one (an unknown name).
const NAMES = ['edge.test', 'unknown.test'];

describe('TLS versions and ciphers of the TLS listener', () => {
  it('by default accepts TLS 1.2 and 1.3 and refuses TLS 1.1', async () => {
    const port = await start({});
    for (const name of NAMES) {
      expect(await handshake(port, name, ['-tls1_3'])).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
      expect(await handshake(port, name, ['-tls1_2'])).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
      expect((await handshake(port, name, ['-tls1_1'])).ok).toBe(false);
    }
  });

  it.each([1, 2])(
    'tlsMinVersion TLSv1.3 refuses TLS 1.2 clients, for route and default certificates (workers: %i)',
    async (workers) => {
      const port = await start({ tlsMinVersion: 'TLSv1.3', workers });
      for (const name of NAMES) {
        // Twice each: with two workers, connections may land on either process.
        for (let i = 0; i < 2; i++) {
          expect((await handshake(port, name, ['-tls1_2'])).ok).toBe(false);
          expect(await handshake(port, name, ['-tls1_3'])).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
        }
      }
    },
  );

  it('tlsMaxVersion TLSv1.2 refuses TLS 1.3 clients and serves TLS 1.2', async () => {
    const port = await start({ tlsMaxVersion: 'TLSv1.2' });
    for (const name of NAMES) {
      expect((await handshake(port, name, ['-tls1_3'])).ok).toBe(false);
      expect(await handshake(port, name, ['-tls1_2'])).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    }
  });

  it('ciphers limits TLS 1.2 to the list and keeps the default TLS 1.3 suites, as HAProxy does', async () => {
    // testkit certificates are ECDSA.
    const port = await start({ ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    for (const name of NAMES) {
      expect((await handshake(port, name, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'])).ok).toBe(
        false,
      );
      expect(await handshake(port, name, ['-tls1_2'])).toMatchObject({
        ok: true,
        cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      });
      expect(await handshake(port, name, ['-tls1_3'])).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    }
  });

  it('cipherSuites limits the TLS 1.3 suites', async () => {
    const port = await start({ cipherSuites: 'TLS_CHACHA20_POLY1305_SHA256' });
    for (const name of NAMES) {
      expect((await handshake(port, name, ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'])).ok).toBe(
        false,
      );
      expect(await handshake(port, name, ['-tls1_3'])).toMatchObject({
        ok: true,
        cipher: 'TLS_CHACHA20_POLY1305_SHA256',
      });
      // TLS 1.2 keeps Node's default list.
      expect(await handshake(port, name, ['-tls1_2'])).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    }
  });

  it('curves limits the key exchange groups, for route and default certificates', async () => {
    const port = await start({ curves: 'P-256' });
    for (const name of NAMES) {
      expect((await handshake(port, name, ['-groups', 'X25519'])).ok).toBe(false);
      expect((await handshake(port, name, ['-groups', 'X25519:P-256'])).serverTempKey).toMatch(
        /prime256v1|P-256/,
      );
    }
  });

  it('strictSni closes connections whose SNI no certificate names; no SNI still gets the default', async () => {
    const strict = await start({ strictSni: true });
    const lax = await start({});
    const ok = async (port: number, name: string): Promise<boolean> => (await handshake(port, name)).ok;
    // The route's certificate, the default certificate's CN, an unknown name, no SNI.
    for (const [name, strictOk] of [
      ['edge.test', true],
      ['default.test', true],
      ['unknown.test', false],
      ['', true],
    ] as const) {
      expect(await ok(strict, name)).toBe(strictOk);
      expect(await ok(lax, name)).toBe(true);
    }
  });

  it('certificateNames reads the CN and the DNS subjectAltNames, lower-cased', async () => {
    const cert = await createCertificate({ commonName: 'Main.Test', altNames: ['a.test', '*.Wild.test'] });
    expect(certificateNames(cert.cert).sort()).toEqual(['*.wild.test', 'a.test', 'main.test']);
    expect(sniMatchesNames(certificateNames(cert.cert), 'x.wild.test')).toBe(true);
    expect(sniMatchesNames(certificateNames(cert.cert), 'x.y.wild.test')).toBe(false);
    expect(certificateNames('not a certificate')).toEqual([]);
  });

  it.each<[string, Partial<ProxyRuntimeOptions>, string]>([
    ['an unknown version', { tlsMinVersion: 'TLSv1.4' as 'TLSv1.3' }, 'tlsMinVersion'],
    ['a minimum above the maximum', { tlsMinVersion: 'TLSv1.3', tlsMaxVersion: 'TLSv1.2' }, 'tlsMaxVersion'],
    ['cipher names OpenSSL does not know', { ciphers: 'NO-SUCH-CIPHER' }, 'ciphers'],
    ['a TLS 1.3 suite in ciphers', { ciphers: 'TLS_AES_128_GCM_SHA256' }, 'ciphers'],
    ['characters outside a cipher list', { ciphers: 'AES128 GCM' }, 'ciphers'],
    ['an unknown TLS 1.3 suite', { cipherSuites: 'TLS_NO_SUCH_SUITE' }, 'cipherSuites'],
    ['a TLS 1.2 cipher in cipherSuites', { cipherSuites: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, 'cipherSuites'],
    ['a group OpenSSL does not know', { curves: 'P-999' }, 'curves'],
  ])('refuses %s, naming the option', (_name, options, field) => {
    let error: unknown;
    try {
      createProxyRuntime({ httpPort: false, httpsPort: false, ...options });
    } catch (e) {
      error = e;
    }
    expect(isProxyRuntimeError(error) && error.code).toBe('ERR_PROXY_RUNTIME_INVALID_OPTION');
    expect((error as Error).message).toContain(`ProxyRuntimeOptions.${field}:`);
  });
});
