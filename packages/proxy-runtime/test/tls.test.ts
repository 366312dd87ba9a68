import { connect as h2connect } from 'node:http2';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  createCertificate,
  createCertificateAuthority,
  type EchoServer,
  type KeyPair,
  startHttpEcho,
  startHttpsEcho,
  startTcpEcho,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { backendFor, endpointSlice, get, route, service, sleep, table } from './helpers.ts';

let a: EchoServer;
let b: EchoServer;
let tcpA: EchoServer;
let tcpB: EchoServer;
let svcEcho: EchoServer;
let h2Cert: KeyPair;
let sharedCert: KeyPair;
let defaultCert: KeyPair;
let ca: KeyPair;
let rt: ProxyRuntime;
let httpsPort: number;
let httpPort: number;

beforeAll(async () => {
  [a, b, tcpA, tcpB] = await Promise.all([
    startHttpEcho({ name: 'a' }),
    startHttpEcho({ name: 'b' }),
    startTcpEcho({ name: 'tcp-a' }),
    startTcpEcho({ name: 'tcp-b' }),
  ]);
  ca = await createCertificateAuthority({ commonName: 'Service CA' });
  const svcCert = await createCertificate({ commonName: 'svc-tls.pr.svc', altNames: ['svc-tls.pr.svc'], ca });
  svcEcho = await startHttpsEcho({ name: 'svc-tls', ...svcCert });
  h2Cert = await createCertificate({ commonName: 'h2.test' });
  sharedCert = await createCertificate({ commonName: 'shared', altNames: ['s1.test', 's2.test'] });
  defaultCert = await createCertificate({ commonName: 'default.test', altNames: ['*.test'] });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    defaultCertificate: defaultCert,
    defaultDestinationCA: ca.cert,
    table: table([
      ...backendFor('a', [a.port]),
      ...backendFor('b', [b.port]),
      service('tcp', 'tls'),
      ...endpointSlice('tcp', [tcpA.port, tcpB.port], 'tls'),
      service('svc-tls', 'https'),
      ...endpointSlice('svc-tls', [svcEcho.port], 'https'),
      route('h2', {
        host: 'h2.test',
        to: { kind: 'Service', name: 'a' },
        tls: { termination: 'edge', ...h2Cert, certificate: h2Cert.cert },
      }),
      route('other', {
        host: 'other.test',
        to: { kind: 'Service', name: 'b' },
        tls: { termination: 'edge' },
      }),
      route('s1', {
        host: 's1.test',
        to: { kind: 'Service', name: 'a' },
        tls: { termination: 'edge', certificate: sharedCert.cert, key: sharedCert.key },
      }),
      route('s2', {
        host: 's2.test',
        to: { kind: 'Service', name: 'b' },
        tls: { termination: 'edge', certificate: sharedCert.cert, key: sharedCert.key },
      }),
      route('pass', {
        host: 'pass.test',
        to: { kind: 'Service', name: 'tcp' },
        tls: { termination: 'passthrough' },
      }),
      // Re-encrypt without a destination CA: the default destination CA and the service name are checked.
      route('svc', {
        host: 'svc.test',
        to: { kind: 'Service', name: 'svc-tls' },
        tls: { termination: 'reencrypt' },
      }),
      route(
        'ws',
        { host: 'ws.test', to: { kind: 'Service', name: 'a' } },
        { 'haproxy.router.openshift.io/timeout-tunnel': '600ms' },
      ),
    ]),
  });
  const addr = await rt.listen();
  httpsPort = addr.httpsPort as number;
  httpPort = addr.httpPort as number;
}, 60_000);

afterAll(async () => {
  await rt.close({ graceMs: 500 });
  await Promise.all([a.close(), b.close(), tcpA.close(), tcpB.close(), svcEcho.close()]);
});

function alpn(servername: string): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      {
        host: '127.0.0.1',
        port: httpsPort,
        servername,
        ALPNProtocols: ['h2', 'http/1.1'],
        rejectUnauthorized: false,
      },
      () => {
        resolve(s.alpnProtocol ?? false);
        s.destroy();
      },
    );
    s.on('error', reject);
  });
}

describe('ALPN h2 only where OpenShift offers it', () => {
  it.each([
    ['a route with its own unique certificate', 'h2.test', 'h2'],
    // HAProxy's `no-alpn` sends no ALPN answer; we answer http/1.1. Either way h2 is not used.
    ['a route on the default certificate', 'other.test', 'http/1.1'],
    ['routes sharing one certificate', 's1.test', 'http/1.1'],
    ['an unknown name (default certificate)', 'nope.test', 'http/1.1'],
  ])('%s', async (_n, sni, expected) => {
    expect(await alpn(sni)).toBe(expected);
  });
});

describe('HTTP/2 connection coalescing protection', () => {
  it('serves its own host and answers 421 for another route on the same connection', async () => {
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, {
      servername: 'h2.test',
      ca: h2Cert.cert,
      checkServerIdentity: () => undefined,
    });
    session.on('error', () => undefined);
    const ask = (
      authority: string,
      extra: Record<string, string | string[]> = {},
    ): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':path': '/x', ':authority': authority, ...extra });
        let body = '';
        let status = 0;
        req.on('response', (h) => {
          status = Number(h[':status']);
        });
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
        });
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end();
      });
    const own = await ask('h2.test');
    expect(own.status).toBe(200);
    const parsed = JSON.parse(own.body);
    expect(parsed.backend).toBe('a');
    expect(parsed.headers['x-forwarded-proto-version']).toBe('h2');
    expect(parsed.headers['x-forwarded-proto']).toBe('https');
    // Split cookie fields (allowed in HTTP/2) reach the HTTP/1.1 backend as one Cookie header.
    const crumbs = JSON.parse((await ask('h2.test', { cookie: ['a=1', 'b=2'] })).body);
    expect(crumbs.headers.cookie).toBe('a=1; b=2');
    const other = await ask('other.test');
    expect(other.status).toBe(421);
    session.close();
  });
});

describe('passthrough', () => {
  it('pipes raw TCP to the backend and keeps a client on one server (source balance)', async () => {
    // A raw socket replays a real ClientHello captured from a TLS client; the TCP echo greets.
    const hello = await captureClientHello('pass.test');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const name = await new Promise<string>((resolve, reject) => {
        const s = netConnect(httpsPort, '127.0.0.1', () => s.write(hello));
        let text = '';
        s.on('data', (d) => {
          text += d.toString('latin1');
          if (text.includes('\n')) {
            resolve(text.slice(0, text.indexOf('\n')));
            s.destroy();
          }
        });
        s.on('error', reject);
      });
      seen.add(name);
    }
    expect(seen.size).toBe(1);
    expect([...seen][0]).toMatch(/^tcp-[ab]$/);
  });
});

function captureClientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createNetServer((sock) => {
      sock.once('data', (d: Buffer) => {
        resolve(d);
        sock.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as import('node:net').AddressInfo).port;
      const c = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      c.on('error', () => undefined);
    });
  });
}

describe('re-encrypt with the default destination CA', () => {
  it('verifies the service certificate for <service>.<namespace>.svc', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const s = tlsConnect(
        { host: '127.0.0.1', port: httpsPort, servername: 'svc.test', rejectUnauthorized: false },
        () => {
          s.write('GET /r HTTP/1.1\r\nHost: svc.test\r\nConnection: close\r\n\r\n');
        },
      );
      let text = '';
      s.on('data', (d) => {
        text += d.toString();
      });
      s.on('end', () => resolve({ status: Number(text.slice(9, 12)), body: text }));
      s.on('error', reject);
    });
    expect(r.status).toBe(200);
    expect(r.body).toContain('"backend":"svc-tls"');
  });
});

describe('WebSocket tunnels', () => {
  it('echoes through plain HTTP and is cut after the route tunnel timeout of inactivity', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/chat`, { headers: { host: 'ws.test' } });
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    ws.send('ping');
    await sleep(200);
    expect(messages).toContain('ping');
    const closed = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 5_000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });
});

describe('PROXY protocol', () => {
  let prt: ProxyRuntime;
  let p: { httpPort: number | undefined; httpsPort: number | undefined };
  beforeAll(async () => {
    prt = createProxyRuntime({
      host: '127.0.0.1',
      httpPort: 0,
      httpsPort: 0,
      proxyProtocol: true,
      defaultCertificate: defaultCert,
      table: table([
        ...backendFor('a', [a.port]),
        route('pp', { host: 'pp.test', to: { kind: 'Service', name: 'a' } }),
      ]),
    });
    p = await prt.listen();
  });
  afterAll(() => prt.close({ graceMs: 200 }));

  const v2 = (): Buffer => {
    const sig = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
    const hdr = Buffer.alloc(4 + 12);
    hdr[0] = 0x21;
    hdr[1] = 0x11;
    hdr.writeUInt16BE(12, 2);
    Buffer.from([198, 51, 100, 7]).copy(hdr, 4);
    Buffer.from([10, 0, 0, 1]).copy(hdr, 8);
    hdr.writeUInt16BE(40000, 12);
    hdr.writeUInt16BE(80, 14);
    return Buffer.concat([sig, hdr]);
  };

  it.each([
    ['v1 TCP4', () => Buffer.from('PROXY TCP4 203.0.113.5 10.0.0.1 51000 80\r\n'), '203.0.113.5', '80'],
    [
      'v1 TCP6',
      () => Buffer.from('PROXY TCP6 2001:db8::5 2001:db8::1 51000 8080\r\n'),
      '2001:db8::5',
      '8080',
    ],
    ['v2 TCP4', v2, '198.51.100.7', '80'],
  ])('%s: the client address comes from the header', async (_n, header, ip, dport) => {
    const text = await new Promise<string>((resolve) => {
      const s = netConnect(p.httpPort as number, '127.0.0.1', () => {
        s.write(
          Buffer.concat([
            header(),
            Buffer.from('GET / HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\n\r\n'),
          ]),
        );
      });
      let t = '';
      s.on('data', (d) => {
        t += d.toString();
      });
      s.on('close', () => resolve(t));
    });
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    expect(body.headers['x-forwarded-for']).toBe(ip);
    expect(body.headers['x-forwarded-port']).toBe(dport);
  });

  it('a connection without a PROXY header is closed', async () => {
    const r = await get(p.httpPort as number, 'pp.test', '/').catch((e: Error) => e);
    expect(r).toBeInstanceOf(Error);
  });

  it('PROXY UNKNOWN (health checks) keeps the socket addresses', async () => {
    const text = await new Promise<string>((resolve) => {
      const s = netConnect(p.httpPort as number, '127.0.0.1', () => {
        s.write(
          'PROXY UNKNOWN\r\nGET /_______internal_router_healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        );
      });
      let t = '';
      s.on('data', (d) => {
        t += d.toString();
      });
      s.on('close', () => resolve(t));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('works on the TLS listener too', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const raw = netConnect(p.httpsPort as number, '127.0.0.1', () => {
        raw.write('PROXY TCP4 192.0.2.44 10.0.0.1 5000 443\r\n');
        const s = tlsConnect({ socket: raw, servername: 'pp.test', rejectUnauthorized: false }, () => {
          s.write('GET / HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\n\r\n');
        });
        let t = '';
        s.on('data', (d) => {
          t += d.toString();
        });
        s.on('end', () => resolve(t));
        s.on('error', reject);
      });
    });
    // pp.test is a plain HTTP route: on the TLS listener it is not served (503), like HAProxy.
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
  });
});
