/**
 * The conformance table shared by every engine (HAProxy, native, the router process): one set
 * of Kubernetes objects pointing at real echo backends on 127.0.0.1, and the requests a user
 * relies on, checked the same way against each engine.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCertificate, createCertificateAuthority, type KeyPair } from './certs.ts';
import { type EchoServer, startHttpEcho, startHttpsEcho } from './echo.ts';

/** What the harness hands an engine when it starts. */
export interface ConformanceContext {
  /** The certificate to serve when no route certificate matches the SNI (CN `default.conformance.test`). */
  defaultCertificate: KeyPair;
}

/** An engine under test, listening on 127.0.0.1. */
export interface EngineUnderTest {
  name: string;
  /** Plain HTTP listener. */
  httpPort: number;
  /** TLS listener (SNI routing: edge, re-encrypt, passthrough). */
  httpsPort: number;
  /**
   * Serves exactly these Kubernetes objects (Routes, Services, EndpointSlices whose endpoints are
   * on 127.0.0.1, so loopback endpoints must be allowed); resolves once the routing is live.
   */
  apply(objects: object[]): Promise<void>;
  close(): Promise<void>;
}

/** Namespace of every conformance object. */
export const CONFORMANCE_NAMESPACE = 'conformance';
const NS = CONFORMANCE_NAMESPACE;

interface Backends {
  a: EchoServer;
  b: EchoServer;
  pass: EchoServer;
  reencrypt: EchoServer;
  passCert: KeyPair;
  destinationCa: KeyPair;
  wrongCa: KeyPair;
  edgeCert: KeyPair;
  allowCert: KeyPair;
  defaultCert: KeyPair;
}

function service(name: string, portName = 'http'): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, uid: `svc-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ports: [{ name: portName, port: 8080, protocol: 'TCP' }] },
  };
}

function endpointSlice(serviceName: string, suffix: string, port: number, portName = 'http'): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-${suffix}`,
      namespace: NS,
      uid: `eps-${serviceName}-${suffix}`,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: portName, port, protocol: 'TCP' }],
  };
}

let routeCounter = 0;
function route(
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): object {
  routeCounter += 1;
  const second = String(routeCounter % 60).padStart(2, '0');
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name,
      namespace: NS,
      uid: `route-${name}`,
      creationTimestamp: `2026-01-01T00:01:${second}Z`,
      annotations,
    },
    spec,
  };
}

/** Builds the conformance objects for running backends. Exported for engines' own extra tests. */
export function conformanceObjects(b: Backends): object[] {
  routeCounter = 0;
  return [
    service('svc-a'),
    endpointSlice('svc-a', '1', b.a.port),
    service('svc-b'),
    endpointSlice('svc-b', '1', b.b.port),
    service('svc-pair'),
    endpointSlice('svc-pair', '1', b.a.port),
    endpointSlice('svc-pair', '2', b.b.port),
    service('svc-pass', 'https'),
    endpointSlice('svc-pass', '1', b.pass.port, 'https'),
    service('reencrypt', 'https'),
    endpointSlice('reencrypt', '1', b.reencrypt.port, 'https'),
    route('http-root', {
      host: 'http.conformance.test',
      to: { kind: 'Service', name: 'svc-a', weight: 100 },
    }),
    route('http-b', {
      host: 'http.conformance.test',
      path: '/b',
      to: { kind: 'Service', name: 'svc-b', weight: 100 },
    }),
    route('edge-redirect', {
      host: 'edge.conformance.test',
      to: { kind: 'Service', name: 'svc-a', weight: 100 },
      tls: {
        termination: 'edge',
        insecureEdgeTerminationPolicy: 'Redirect',
        certificate: b.edgeCert.cert,
        key: b.edgeCert.key,
      },
    }),
    route('edge-allow', {
      host: 'allow.conformance.test',
      to: { kind: 'Service', name: 'svc-b', weight: 100 },
      tls: {
        termination: 'edge',
        insecureEdgeTerminationPolicy: 'Allow',
        certificate: b.allowCert.cert,
        key: b.allowCert.key,
      },
    }),
    route('passthrough', {
      host: 'pass.conformance.test',
      to: { kind: 'Service', name: 'svc-pass', weight: 100 },
      tls: { termination: 'passthrough' },
    }),
    route('reencrypt-good', {
      host: 'reencrypt.conformance.test',
      to: { kind: 'Service', name: 'reencrypt', weight: 100 },
      tls: { termination: 'reencrypt', destinationCACertificate: b.destinationCa.cert },
    }),
    route('reencrypt-wrong-ca', {
      host: 'wrongca.conformance.test',
      to: { kind: 'Service', name: 'reencrypt', weight: 100 },
      tls: { termination: 'reencrypt', destinationCACertificate: b.wrongCa.cert },
    }),
    route(
      'weighted',
      {
        host: 'weighted.conformance.test',
        to: { kind: 'Service', name: 'svc-a', weight: 3 },
        alternateBackends: [{ kind: 'Service', name: 'svc-b', weight: 1 }],
      },
      { 'haproxy.router.openshift.io/disable_cookies': 'true' },
    ),
    route(
      'sticky',
      { host: 'sticky.conformance.test', to: { kind: 'Service', name: 'svc-pair', weight: 100 } },
      // OpenShift's default balance is random; round robin makes "without the cookie" checkable.
      { 'haproxy.router.openshift.io/balance': 'roundrobin' },
    ),
    route(
      'allowlist-denied',
      { host: 'denied.conformance.test', to: { kind: 'Service', name: 'svc-a', weight: 100 } },
      { 'haproxy.router.openshift.io/ip_allowlist': '192.0.2.10 198.51.100.0/24' },
    ),
    route(
      'allowlist-allowed',
      { host: 'allowed.conformance.test', to: { kind: 'Service', name: 'svc-a', weight: 100 } },
      { 'haproxy.router.openshift.io/ip_allowlist': '192.0.2.10 127.0.0.1' },
    ),
  ];
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  backend: string | undefined;
  peerSubject: string | undefined;
}

function readAnswer(res: import('node:http').IncomingMessage, resolve: (answer: Answer) => void): void {
  let body = '';
  // Read the peer certificate now: a server that closes right after its answer would leave no
  // socket to ask by the time the body has ended.
  const socket = res.socket as TLSSocket | null;
  const peer =
    socket && typeof socket.getPeerX509Certificate === 'function'
      ? socket.getPeerX509Certificate()
      : undefined;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => {
    const backend = res.headers['x-backend'];
    resolve({
      status: res.statusCode ?? 0,
      headers: res.headers,
      body,
      backend: typeof backend === 'string' ? backend : undefined,
      peerSubject: peer?.subject,
    });
  });
}

/** A plain HTTP request to the engine with the given Host. */
export function httpGet(
  port: number,
  host: string,
  path: string,
  options: { agent?: HttpAgent; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host, ...options.headers }, agent: options.agent ?? false },
      (res) => readAnswer(res, resolve),
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: GET http://${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** An HTTPS request to the engine with SNI and Host set to `host`, trusting `ca`. */
export function httpsGet(
  port: number,
  host: string,
  path: string,
  options: { ca?: string | string[]; agent?: HttpsAgent; rejectUnauthorized?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host,
        headers: { host },
        ca: options.ca,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        agent: options.agent ?? false,
      },
      (res) => readAnswer(res, resolve),
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: GET https://${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

async function startBackends(): Promise<Backends> {
  const destinationCa = await createCertificateAuthority({ commonName: 'Conformance Destination CA' });
  const wrongCa = await createCertificateAuthority({ commonName: 'Conformance Unrelated CA' });
  // The re-encrypt backend's certificate names the service host name, as a cluster's service CA
  // would issue it, so both engines can verify it.
  const reencryptCert = await createCertificate({
    commonName: `reencrypt.${NS}.svc`,
    altNames: [`reencrypt.${NS}.svc`, `reencrypt.${NS}.svc.cluster.local`],
    ca: destinationCa,
  });
  const passCert = await createCertificate({ commonName: 'pass.conformance.test' });
  const edgeCert = await createCertificate({ commonName: 'edge.conformance.test' });
  const allowCert = await createCertificate({ commonName: 'allow.conformance.test' });
  const defaultCert = await createCertificate({
    commonName: 'default.conformance.test',
    altNames: ['default.conformance.test', '*.conformance.test'],
  });
  return {
    a: await startHttpEcho({ name: 'a' }),
    b: await startHttpEcho({ name: 'b' }),
    pass: await startHttpsEcho({ name: 'pass', ...passCert }),
    reencrypt: await startHttpsEcho({ name: 'reencrypt', ...reencryptCert }),
    passCert,
    destinationCa,
    wrongCa,
    edgeCert,
    allowCert,
    defaultCert,
  };
}

/**
 * Registers the conformance table (vitest `describe`/`it`) for one engine. `start` is called
 * once; the engine is given the whole object set with one `apply`.
 * @param name - engine name shown in the test names
 * @param start - starts the engine on 127.0.0.1 ports
 */
export function defineConformanceSuite(
  name: string,
  start: (context: ConformanceContext) => Promise<EngineUnderTest>,
): void {
  describe(`conformance: ${name}`, () => {
    let backends: Backends;
    let engine: EngineUnderTest;
    const get = (host: string, path = '/', headers: Record<string, string> = {}): Promise<Answer> =>
      httpGet(engine.httpPort, host, path, { headers });
    const tls = (host: string, path = '/', ca?: string): Promise<Answer> =>
      httpsGet(engine.httpsPort, host, path, ca === undefined ? {} : { ca });

    beforeAll(async () => {
      backends = await startBackends();
      engine = await start({ defaultCertificate: backends.defaultCert });
      await engine.apply(conformanceObjects(backends));
    }, 60_000);

    afterAll(async () => {
      await engine?.close();
      if (backends) {
        await Promise.all([
          backends.a.close(),
          backends.b.close(),
          backends.pass.close(),
          backends.reencrypt.close(),
        ]);
      }
    }, 30_000);

    it.each([
      ['the host root goes to the root route', '/', 'a'],
      ['a path route takes its path', '/b', 'b'],
      ['a path route takes sub-paths', '/b/c/d?x=1', 'b'],
      ['a path is matched by segment, not by prefix', '/bc', 'a'],
    ])('HTTP by host and path: %s', async (_case, path, expected) => {
      const answer = await get('http.conformance.test', path);
      expect(answer.status).toBe(200);
      expect(answer.backend).toBe(expected);
    });

    it('HTTP Host is case-insensitive and the port is ignored', async () => {
      const answer = await get('HTTP.Conformance.TEST:8080', '/b/x');
      expect(answer.backend).toBe('b');
    });

    it('an unknown host gets 503', async () => {
      const answer = await get('nothing.conformance.test', '/');
      expect(answer.status).toBe(503);
      expect(answer.backend).toBeUndefined();
    });

    it('edge: the route certificate is chosen by SNI and the request reaches the service', async () => {
      const answer = await tls('edge.conformance.test', '/edge', backends.edgeCert.cert);
      expect(answer.status).toBe(200);
      expect(answer.backend).toBe('a');
      expect(answer.peerSubject).toBe('CN=edge.conformance.test');
    });

    it('edge: an unknown SNI gets the default certificate', async () => {
      const answer = await httpsGet(engine.httpsPort, 'unknown.conformance.test', '/', {
        ca: backends.defaultCert.cert,
      });
      expect(answer.peerSubject).toBe('CN=default.conformance.test');
      expect(answer.status).toBe(503);
    });

    it('edge Redirect: plain HTTP gets a 302 to https with the same path', async () => {
      const answer = await get('edge.conformance.test', '/some/path?q=1');
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe('https://edge.conformance.test/some/path?q=1');
    });

    it('edge Allow: plain HTTP is served, and so is HTTPS', async () => {
      const plain = await get('allow.conformance.test', '/');
      expect(plain.status).toBe(200);
      expect(plain.backend).toBe('b');
      const secure = await tls('allow.conformance.test', '/', backends.allowCert.cert);
      expect(secure.backend).toBe('b');
      expect(secure.peerSubject).toBe('CN=allow.conformance.test');
    });

    it('passthrough: TLS reaches the backend, which presents its own certificate', async () => {
      const answer = await tls('pass.conformance.test', '/through', backends.passCert.cert);
      expect(answer.status).toBe(200);
      expect(answer.backend).toBe('pass');
      expect(answer.peerSubject).toBe('CN=pass.conformance.test');
      expect(answer.body).toContain('"tls":true');
    });

    it('re-encrypt: the backend is verified against the destination CA', async () => {
      const answer = await tls('reencrypt.conformance.test', '/r', backends.defaultCert.cert);
      expect(answer.status).toBe(200);
      expect(answer.backend).toBe('reencrypt');
      expect(answer.peerSubject).toBe('CN=default.conformance.test');
    });

    it('re-encrypt: a backend not signed by the destination CA is refused (503)', async () => {
      const answer = await tls('wrongca.conformance.test', '/r', backends.defaultCert.cert);
      expect(answer.status).toBe(503);
      expect(answer.backend).toBeUndefined();
    });

    it('weighted alternate backends: 2 000 requests split 3:1 within 10%', async () => {
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
      const counts = new Map<string, number>();
      try {
        for (let batch = 0; batch < 100; batch += 1) {
          const answers = await Promise.all(
            Array.from({ length: 20 }, () =>
              httpGet(engine.httpPort, 'weighted.conformance.test', '/', { agent }),
            ),
          );
          for (const answer of answers)
            counts.set(answer.backend ?? 'none', (counts.get(answer.backend ?? 'none') ?? 0) + 1);
        }
      } finally {
        agent.destroy();
      }
      const a = counts.get('a') ?? 0;
      const b = counts.get('b') ?? 0;
      expect(a + b).toBe(2000);
      // OpenShift scales 3:1 to server weights 256:85, a share of 75.07% for a.
      expect(Math.abs(a / 2000 - 0.75)).toBeLessThanOrEqual(0.075);
      expect(Math.abs(b / 2000 - 0.25)).toBeLessThanOrEqual(0.025);
    });

    it('sticky cookies: a client that returns the cookie stays on its server', async () => {
      const first = await get('sticky.conformance.test', '/');
      const setCookie = first.headers['set-cookie'];
      expect(setCookie).toBeDefined();
      const cookie = (setCookie ?? [])[0]?.split(';')[0] ?? '';
      expect(cookie).toMatch(/^[0-9a-f]{32}=[0-9a-f]{32}$/);
      const seen = new Set<string | undefined>();
      for (let i = 0; i < 10; i += 1)
        seen.add((await get('sticky.conformance.test', '/', { cookie })).backend);
      expect([...seen]).toEqual([first.backend]);
      // Without the cookie, the two servers of the service take turns.
      const without = new Set<string | undefined>();
      for (let i = 0; i < 6; i += 1) without.add((await get('sticky.conformance.test', '/')).backend);
      expect([...without].sort()).toEqual(['a', 'b']);
    });

    it('IP allowlist: a client outside the list is refused, one inside is served', async () => {
      const allowed = await get('allowed.conformance.test', '/');
      expect(allowed.backend).toBe('a');
      const denied = await get('denied.conformance.test', '/').then(
        (answer) => answer,
        (error: Error) => error,
      );
      // HAProxy rejects the connection (`tcp-request content reject`); an engine may instead
      // answer 403. Either way the backend is never reached.
      if (denied instanceof Error) expect(denied.message).toMatch(/socket hang up|ECONNRESET/);
      else {
        expect(denied.status).toBe(403);
        expect(denied.backend).toBeUndefined();
      }
    });

    it('WebSocket upgrade through an edge route', async () => {
      // `servername` (SNI) is passed through to tls.connect; ws's types do not list it.
      const options = {
        servername: 'edge.conformance.test',
        headers: { host: 'edge.conformance.test' },
        ca: backends.edgeCert.cert,
      };
      const ws = new WebSocket(
        `wss://127.0.0.1:${engine.httpsPort}/socket`,
        options as WebSocket.ClientOptions,
      );
      const messages: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('WebSocket timed out')), 10_000);
        ws.on('message', (data) => {
          messages.push(data.toString());
          if (messages.length === 1) ws.send('ping through edge');
          else {
            clearTimeout(timer);
            resolve();
          }
        });
        ws.on('error', reject);
      });
      ws.close();
      expect(messages).toEqual(['hello from a', 'ping through edge']);
    });
  });
}
