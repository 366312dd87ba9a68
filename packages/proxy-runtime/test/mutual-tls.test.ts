// Client certificates on the TLS listener (mutualTls): required and optional verification, the
// subject filter's 403, and the X-SSL-* headers derived from the certificate, checked against
// what `openssl x509` reads from it.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createCertificate,
  createCertificateAuthority,
  type EchoServer,
  type KeyPair,
  makeTempDir,
  startHttpEcho,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProxyRuntime,
  isProxyRuntimeError,
  type ProxyRuntime,
  type ProxyRuntimeOptions,
} from '../src/index.ts';
import { clientCertFacts } from '../src/internal/client-cert.ts';
import { backendFor, route, table } from './helpers.ts';

const run = promisify(execFile);

let echo: EchoServer;
let ca: KeyPair;
let alice: KeyPair;
let rogue: KeyPair;
let serverCert: KeyPair;
const runtimes: ProxyRuntime[] = [];

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'a' });
  ca = await createCertificateAuthority({ commonName: 'Client CA' });
  alice = await createCertificate({
    commonName: 'alice',
    subject: '/C=US/O=Acme, Inc./OU=Ops/CN=alice',
    ca,
    altNames: [],
  });
  rogue = await createCertificate({
    commonName: 'alice',
    ca: await createCertificateAuthority(),
    altNames: [],
  });
  serverCert = await createCertificate({ commonName: 'secure.test', altNames: ['secure.test'] });
});
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close({ graceMs: 10 })));
  await echo.close();
});

async function start(mutualTls: NonNullable<ProxyRuntimeOptions['mutualTls']>): Promise<number> {
  const rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: false,
    httpsPort: 0,
    defaultCertificate: await createCertificate({ commonName: 'default.test' }),
    mutualTls,
    table: table([
      ...backendFor('a', [echo.port]),
      route('secure', {
        host: 'secure.test',
        to: { kind: 'Service', name: 'a' },
        tls: { termination: 'edge', certificate: serverCert.cert, key: serverCert.key },
      }),
    ]),
  });
  runtimes.push(rt);
  return (await rt.listen()).httpsPort as number;
}

/** GET https://secure.test/ with an optional client certificate; 'refused' when TLS fails. */
function get(
  port: number,
  client?: KeyPair,
): Promise<{ status: number; ssl: Record<string, string>; body: string } | 'refused'> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: 'secure.test',
        headers: { host: 'secure.test', 'x-ssl-client-cn': 'forged' },
        rejectUnauthorized: false,
        agent: false,
        ...(client ? { cert: client.cert, key: client.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          let ssl: Record<string, string> = {};
          try {
            const h = (JSON.parse(body) as { headers: Record<string, string> }).headers;
            ssl = Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-ssl')));
          } catch {}
          resolve({ status: res.statusCode ?? 0, ssl, body });
        });
      },
    );
    req.on('error', () => resolve('refused'));
    req.end();
  });
}

describe('mutual TLS', () => {
  it('required: refuses no certificate and a foreign one; passes a valid one with its X-SSL headers', async () => {
    const port = await start({ verify: 'required', ca: ca.cert });
    expect(await get(port)).toBe('refused');
    expect(await get(port, rogue)).toBe('refused');
    const a = await get(port, alice);
    expect(a !== 'refused' && a.status).toBe(200);
    if (a === 'refused') return;
    const dir = await makeTempDir('mtls-x509');
    try {
      await writeFile(join(dir.path, 'a.pem'), alice.cert);
      const x = await run('openssl', [
        'x509',
        '-in',
        join(dir.path, 'a.pem'),
        '-noout',
        '-fingerprint',
        '-sha1',
      ]);
      expect(a.ssl).toMatchObject({
        'x-ssl': '1',
        'x-ssl-client-verify': '0',
        'x-ssl-client-version': '3',
        'x-ssl-client-dn': '/C=US/O=Acme, Inc./OU=Ops/CN=alice',
        // The client's own X-SSL-Client-CN was dropped, the certificate's sent.
        'x-ssl-client-cn': 'alice',
        'x-ssl-issuer': '/CN=Client CA',
        'x-ssl-client-sha1': /=([0-9A-F:]+)/.exec(x.stdout)?.[1]?.replaceAll(':', ''),
      });
      expect(a.ssl['x-ssl-client-der']).toBe(
        Buffer.from(alice.cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64'),
      );
    } finally {
      await dir.cleanup();
    }
  });

  it('optional: no certificate passes with empty values; a foreign one is refused', async () => {
    const port = await start({ verify: 'optional', ca: ca.cert });
    const a = await get(port);
    expect(a !== 'refused' && a.status).toBe(200);
    if (a !== 'refused')
      expect(a.ssl).toMatchObject({ 'x-ssl': '1', 'x-ssl-client-dn': '', 'x-ssl-client-der': '' });
    expect(await get(port, rogue)).toBe('refused');
  });

  it('subjectFilter: no match (or no certificate) gets HAProxy 403 page', async () => {
    const port = await start({ verify: 'optional', ca: ca.cert, subjectFilter: 'OU=Ops/CN=alice$' });
    const ok = await get(port, alice);
    expect(ok !== 'refused' && ok.status).toBe(200);
    const none = await get(port);
    expect(none !== 'refused' && none.status).toBe(403);
    expect(none !== 'refused' && none.body).toContain('Request forbidden by administrative rules.');
  });

  it('reads serial, validity and names from the DER as encoded', () => {
    const der = Buffer.from(alice.cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const f = clientCertFacts(der);
    expect(f.notBefore).toMatch(/^\d{12}Z$/);
    expect(f.serial).toMatch(/^[0-9A-F]+$/);
    expect(f.cn).toBe('alice');
  });

  it.each([
    [{ verify: 'always', ca: 'x' }, 'mutualTls.ca'],
    [{ verify: 'required', ca: '' }, 'mutualTls.ca'],
    [{ verify: 'sometimes', ca: 'CA' }, 'mutualTls'],
  ])('refuses %j', (mutualTls, field) => {
    let error: unknown;
    try {
      createProxyRuntime({ httpPort: false, httpsPort: false, mutualTls: mutualTls as never });
    } catch (e) {
      error = e;
    }
    expect(isProxyRuntimeError(error) && error.code).toBe('ERR_PROXY_RUNTIME_INVALID_OPTION');
    expect((error as Error).message).toContain(`ProxyRuntimeOptions.${field}`);
  });
});
