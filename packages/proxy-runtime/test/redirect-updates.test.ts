/**
 * The plain-HTTP path skips the redirect map while no route redirects; the redirect must still
 * appear and disappear with updates, whatever routes come and go.
 */
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { backendFor, get, route, table } from './helpers.ts';

let echo: EchoServer;
let rt: ProxyRuntime;
let port: number;

const plain = (name: string, host: string): object =>
  route(name, { host, to: { kind: 'Service', name: 'a' } });
const redirect = (name: string, host: string): object =>
  route(name, {
    host,
    to: { kind: 'Service', name: 'a' },
    tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
  });
const allow = (name: string, host: string): object =>
  route(name, {
    host,
    to: { kind: 'Service', name: 'a' },
    tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Allow' },
  });

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'a' });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    table: table([...backendFor('a', [echo.port]), plain('p', 'plain.test')]),
  });
  port = (await rt.listen()).httpPort as number;
});

afterAll(async () => {
  await rt.close({ graceMs: 500 });
  await echo.close();
});

describe('redirects follow updates', () => {
  // Each step replaces the routes; every host is then checked against its expected status.
  const steps: { name: string; routes: object[]; expect: Record<string, number> }[] = [
    {
      name: 'no redirect route',
      routes: [plain('p', 'plain.test'), allow('e', 'edge.test')],
      expect: { 'plain.test': 200, 'edge.test': 200, 'secure.test': 503 },
    },
    {
      name: 'a redirect route added',
      routes: [plain('p', 'plain.test'), allow('e', 'edge.test'), redirect('r', 'secure.test')],
      expect: { 'plain.test': 200, 'edge.test': 200, 'secure.test': 302 },
    },
    {
      name: 'a second redirect route added',
      routes: [plain('p', 'plain.test'), redirect('e', 'edge.test'), redirect('r', 'secure.test')],
      expect: { 'plain.test': 200, 'edge.test': 302, 'secure.test': 302 },
    },
    {
      name: 'one of two removed',
      routes: [plain('p', 'plain.test'), allow('e', 'edge.test'), redirect('r', 'secure.test')],
      expect: { 'plain.test': 200, 'edge.test': 200, 'secure.test': 302 },
    },
    {
      name: 'the last one removed',
      routes: [plain('p', 'plain.test'), allow('e', 'edge.test')],
      expect: { 'plain.test': 200, 'edge.test': 200, 'secure.test': 503 },
    },
    {
      name: 'redirect back under the same host',
      routes: [plain('p', 'plain.test'), redirect('e', 'edge.test')],
      expect: { 'plain.test': 200, 'edge.test': 302, 'secure.test': 503 },
    },
  ];
  it('answers as each table says, step after step', async () => {
    for (const step of steps) {
      await rt.update(table([...backendFor('a', [echo.port]), ...step.routes]));
      for (const [host, status] of Object.entries(step.expect)) {
        const r = await get(port, host, '/x');
        expect({ step: step.name, host, status: r.status }).toEqual({ step: step.name, host, status });
        if (status === 302) expect(r.headers.location).toBe(`https://${host}/x`);
      }
    }
  });
});
