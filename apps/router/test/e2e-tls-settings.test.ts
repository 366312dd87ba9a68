/**
 * OpenShift's TLS settings (SSL_MIN_VERSION, SSL_MAX_VERSION, ROUTER_CIPHERS,
 * ROUTER_CIPHERSUITES) given as environment variables to the real `switchyard` process, checked
 * with `openssl s_client` against an edge route with each engine.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createCertificate,
  type EchoServer,
  makeTempDir,
  opensslHandshake as handshake,
  startHttpEcho,
  type TempDir,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

describe.each(['native', 'haproxy'])('TLS settings from the environment (--engine %s)', (engine) => {
  let echo: EchoServer;
  let dir: TempDir;
  let defaultPem: string;

  beforeAll(async () => {
    echo = await startHttpEcho({ name: 'a' });
    dir = await makeTempDir('switchyard-tls-settings-');
    // An ECDSA certificate (testkit's default): the TLS 1.2 ciphers below are ECDHE-ECDSA ones.
    const cert = await createCertificate({ commonName: 'secure.test', altNames: ['secure.test'] });
    // The default certificate's names: its CN and a wildcard SAN.
    const dflt = await createCertificate({ commonName: 'default.test', altNames: ['*.apps.test'] });
    defaultPem = join(dir.path, 'default.pem');
    await writeFile(defaultPem, `${dflt.cert}\n${dflt.key}\n`);
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', echo.port),
      route('demo', 'secure', 'secure.test', 'svc', {
        spec: { tls: { termination: 'edge', certificate: cert.cert, key: cert.key } },
      }),
      // An edge route without a certificate of its own, on a host no certificate names.
      route('demo', 'other', 'other.test', 'svc', { spec: { tls: { termination: 'edge' } } }),
    ]);
  });
  afterAll(async () => {
    await echo.close();
    await dir.cleanup();
  });

  async function withRouter(env: Record<string, string>, check: (httpsPort: number) => Promise<void>) {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env,
    });
    try {
      await check(proc.httpsPort);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  }

  it('SSL_MIN_VERSION=TLSv1.3 refuses TLS 1.2 clients; ROUTER_CIPHERSUITES picks the TLS 1.3 suite', async () => {
    await withRouter(
      { SSL_MIN_VERSION: 'TLSv1.3', ROUTER_CIPHERSUITES: 'TLS_CHACHA20_POLY1305_SHA256' },
      async (port) => {
        expect((await handshake(port, 'secure.test', ['-tls1_2'])).ok).toBe(false);
        expect(await handshake(port, 'secure.test', ['-tls1_3'])).toMatchObject({
          ok: true,
          protocol: 'TLSv1.3',
          cipher: 'TLS_CHACHA20_POLY1305_SHA256',
        });
        expect(
          (await handshake(port, 'secure.test', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'])).ok,
        ).toBe(false);
      },
    );
  });

  it('SSL_MAX_VERSION=TLSv1.2 with ROUTER_CIPHERS as a list serves only those TLS 1.2 ciphers', async () => {
    await withRouter(
      { SSL_MAX_VERSION: 'TLSv1.2', ROUTER_CIPHERS: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
      async (port) => {
        expect((await handshake(port, 'secure.test', ['-tls1_3'])).ok).toBe(false);
        expect(await handshake(port, 'secure.test', ['-tls1_2'])).toMatchObject({
          ok: true,
          protocol: 'TLSv1.2',
          cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384',
        });
        expect(
          (await handshake(port, 'secure.test', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'])).ok,
        ).toBe(false);
      },
    );
  });

  it.each([
    [
      'true',
      { 'secure.test': true, 'default.test': true, 'x.apps.test': true, 'other.test': false, '': true },
    ],
    [
      'false',
      { 'secure.test': true, 'default.test': true, 'x.apps.test': true, 'other.test': true, '': true },
    ],
  ])(
    'ROUTER_STRICT_SNI=%s: which SNI values complete a handshake (same table for both engines)',
    async (strict, want) => {
      await withRouter({ ROUTER_STRICT_SNI: strict, DEFAULT_CERTIFICATE_PATH: defaultPem }, async (port) => {
        const got: Record<string, boolean> = {};
        for (const name of Object.keys(want)) {
          got[name] = (await handshake(port, name)).ok;
        }
        expect(got).toEqual(want);
      });
    },
  );

  it('ROUTER_CURVES limits the key exchange groups', async () => {
    await withRouter({ ROUTER_CURVES: 'P-256' }, async (port) => {
      expect((await handshake(port, 'secure.test', ['-groups', 'X25519'])).ok).toBe(false);
      const p256 = await handshake(port, 'secure.test', ['-groups', 'X25519:P-256']);
      expect(p256.ok).toBe(true);
      expect(p256.serverTempKey).toMatch(/prime256v1|P-256/);
    });
    await withRouter({}, async (port) => {
      expect((await handshake(port, 'secure.test', ['-groups', 'X25519'])).serverTempKey).toMatch(/^X25519/);
    });
  });

  it('the default (intermediate profile, TLS 1.2 minimum) serves TLS 1.3 and refuses TLS 1.1 and a CBC cipher', async () => {
    await withRouter({}, async (port) => {
      expect(await handshake(port, 'secure.test', [])).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
      expect((await handshake(port, 'secure.test', ['-tls1_1'])).ok).toBe(false);
      // Not in Mozilla's intermediate list (Node's own default list would accept it).
      expect(
        (await handshake(port, 'secure.test', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256'])).ok,
      ).toBe(false);
    });
  });
});
