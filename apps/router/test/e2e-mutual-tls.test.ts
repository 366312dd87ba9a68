/**
 * ROUTER_MUTUAL_TLS_AUTH (with _CA, _CRL-less, _FILTER) in the real `switchyard` process: both
 * engines started side by side get the same requests from curl with and without client
 * certificates, and must answer alike: the same refusals, the same 403, and byte-identical
 * X-SSL-* headers at the backend (also checked against what `openssl x509` reads from the
 * certificate).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createCertificate,
  createCertificateAuthority,
  createRevocationList,
  type EchoServer,
  makeTempDir,
  startHttpEcho,
  type TempDir,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { type RouterProcess, startRouterProcess, writeManifest } from './helpers/router-process.ts';

const run = promisify(execFile);

let echo: EchoServer;
let dir: TempDir;
const files: Record<
  'ca' | 'crl' | 'alice' | 'aliceKey' | 'rogue' | 'rogueKey' | 'mallory' | 'malloryKey',
  string
> = {
  ca: '',
  crl: '',
  mallory: '',
  malloryKey: '',
  alice: '',
  aliceKey: '',
  rogue: '',
  rogueKey: '',
};

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'a' });
  dir = await makeTempDir('switchyard-mtls-');
  const routes = join(dir.path, 'routes');
  await mkdir(routes);
  const serverCert = await createCertificate({ commonName: 'secure.test', altNames: ['secure.test'] });
  await writeManifest(join(routes, 'routes.yaml'), [
    ...serviceAt('demo', 'svc', echo.port),
    route('demo', 'secure', 'secure.test', 'svc', {
      spec: { tls: { termination: 'edge', certificate: serverCert.cert, key: serverCert.key } },
    }),
  ]);
  const ca = await createCertificateAuthority({ commonName: 'Client CA' });
  const alice = await createCertificate({
    commonName: 'alice',
    subject: '/C=US/ST=CA/O=Acme, Inc./CN=alice',
    ca,
    altNames: [],
  });
  // A CRL of the same CA that revokes mallory's certificate.
  const mallory = await createCertificate({ commonName: 'mallory', ca, altNames: [] });
  const rogueCa = await createCertificateAuthority({ commonName: 'Rogue CA' });
  const rogue = await createCertificate({ commonName: 'alice', ca: rogueCa, altNames: [] });
  for (const [name, text] of [
    ['ca', ca.cert],
    ['crl', await createRevocationList({ ca, revoked: [mallory] })],
    ['mallory', mallory.cert],
    ['malloryKey', mallory.key],
    ['alice', alice.cert],
    ['aliceKey', alice.key],
    ['rogue', rogue.cert],
    ['rogueKey', rogue.key],
  ] as const) {
    files[name] = join(dir.path, `${name}.pem`);
    await writeFile(files[name], text);
  }
});
afterAll(async () => {
  await echo.close();
  await dir.cleanup();
});

/** GET https://secure.test/ through curl; the X-SSL-* headers the backend saw, or the failure. */
async function curl(
  port: number,
  cert?: 'alice' | 'rogue' | 'mallory',
): Promise<{ status: number; ssl: Record<string, string>; body: string } | 'refused'> {
  const args = [
    '-sk',
    '--max-time',
    '10',
    '--resolve',
    `secure.test:${port}:127.0.0.1`,
    '-w',
    '\n%{http_code}',
  ];
  if (cert) args.push('--cert', files[cert], '--key', files[`${cert}Key`]);
  try {
    const { stdout } = await run('curl', [...args, `https://secure.test:${port}/`]);
    const nl = stdout.lastIndexOf('\n');
    const status = Number(stdout.slice(nl + 1));
    const body = stdout.slice(0, nl);
    if (status === 0) return 'refused';
    let ssl: Record<string, string> = {};
    try {
      const headers = (JSON.parse(body) as { headers: Record<string, string> }).headers;
      ssl = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-ssl')));
    } catch {
      ssl = {};
    }
    return { status, ssl, body };
  } catch {
    return 'refused';
  }
}

async function both(env: Record<string, string>): Promise<RouterProcess[]> {
  return Promise.all(
    ['native', 'haproxy'].map((engine) =>
      startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine], {
        env: { ROUTER_MUTUAL_TLS_AUTH_CA: files.ca, ...env },
      }),
    ),
  );
}

describe('mutual TLS, native and HAProxy side by side', () => {
  it('required: no certificate and a foreign one are refused; a valid one passes with the same X-SSL headers', async () => {
    const procs = await both({ ROUTER_MUTUAL_TLS_AUTH: 'required' });
    try {
      const [native, haproxy] = procs as [RouterProcess, RouterProcess];
      for (const p of procs) {
        expect(await curl(p.httpsPort)).toBe('refused');
        expect(await curl(p.httpsPort, 'rogue')).toBe('refused');
      }
      const n = await curl(native.httpsPort, 'alice');
      const h = await curl(haproxy.httpsPort, 'alice');
      expect(h).not.toBe('refused');
      expect(n).not.toBe('refused');
      if (n === 'refused' || h === 'refused') return;
      expect(n.status).toBe(200);
      expect(n.ssl).toEqual(h.ssl);
      // Independent of both engines: what openssl reads from the certificate.
      const x = await run('openssl', [
        'x509',
        '-in',
        files.alice,
        '-noout',
        '-fingerprint',
        '-sha1',
        '-subject',
        '-nameopt',
        'compat',
      ]);
      expect(n.ssl['x-ssl-client-sha1']).toBe(/=([0-9A-F:]+)/.exec(x.stdout)?.[1]?.replaceAll(':', ''));
      expect(n.ssl['x-ssl-client-dn']).toBe('/C=US/ST=CA/O=Acme, Inc./CN=alice');
      expect(n.ssl['x-ssl-client-cn']).toBe('alice');
      expect(n.ssl['x-ssl-issuer']).toBe('/CN=Client CA');
      expect(n.ssl['x-ssl-client-verify']).toBe('0');
      expect(n.ssl['x-ssl-client-notbefore']).toMatch(/^\d{12}Z$/);
    } finally {
      for (const p of procs) expect(await p.stop()).toBe(0);
    }
  });

  it('optional: no certificate passes with empty X-SSL values; a foreign one is still refused', async () => {
    const procs = await both({ ROUTER_MUTUAL_TLS_AUTH: 'optional' });
    try {
      const answers = await Promise.all(procs.map((p) => curl(p.httpsPort)));
      for (const a of answers) expect(a).not.toBe('refused');
      const [n, h] = answers as unknown as [
        { status: number; ssl: Record<string, string> },
        { status: number; ssl: Record<string, string> },
      ];
      expect(n.status).toBe(200);
      expect(n.ssl).toEqual(h.ssl);
      expect(n.ssl['x-ssl']).toBe('1');
      expect(n.ssl['x-ssl-client-dn']).toBe('');
      for (const p of procs) expect(await curl(p.httpsPort, 'rogue')).toBe('refused');
    } finally {
      for (const p of procs) expect(await p.stop()).toBe(0);
    }
  });

  it('ROUTER_MUTUAL_TLS_AUTH_CRL: the revoked certificate is refused by both, the others pass', async () => {
    const procs = await both({ ROUTER_MUTUAL_TLS_AUTH: 'optional', ROUTER_MUTUAL_TLS_AUTH_CRL: files.crl });
    try {
      for (const p of procs) {
        expect(await curl(p.httpsPort, 'mallory')).toBe('refused');
        const ok = await curl(p.httpsPort, 'alice');
        expect(ok !== 'refused' && ok.status).toBe(200);
        const none = await curl(p.httpsPort);
        expect(none !== 'refused' && none.status).toBe(200);
      }
    } finally {
      for (const p of procs) expect(await p.stop()).toBe(0);
    }
  });

  it('ROUTER_MUTUAL_TLS_AUTH_FILTER: a subject that does not match, or no certificate, gets the same 403', async () => {
    const procs = await both({
      ROUTER_MUTUAL_TLS_AUTH: 'optional',
      ROUTER_MUTUAL_TLS_AUTH_FILTER: 'O=Acme.*/CN=alice$',
    });
    try {
      const [native, haproxy] = procs as [RouterProcess, RouterProcess];
      const ok = await curl(native.httpsPort, 'alice');
      expect(ok !== 'refused' && ok.status).toBe(200);
      const n = await curl(native.httpsPort);
      const h = await curl(haproxy.httpsPort);
      expect(n !== 'refused' && n.status).toBe(403);
      expect(h !== 'refused' && h.status).toBe(403);
      expect(n !== 'refused' && n.body).toBe(h !== 'refused' && h.body);
    } finally {
      for (const p of procs) expect(await p.stop()).toBe(0);
    }
  });
});
