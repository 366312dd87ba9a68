/**
 * One proxy under test, in its own process (so the load generator and the proxy do not share
 * an event loop). Usage: `server.ts <kind> <routes> <backendPort> [workers]`; prints
 * `{"port":…,"tlsPort":…}` once listening, and exits on SIGTERM.
 */
import { Agent, createServer } from 'node:http';
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import httpProxy from 'http-proxy';
import { createCertificate } from '@switchyard/testkit';
import { createProxyRuntime } from '../src/index.ts';
import { generateRoutes, routeTable } from './routes.ts';

const [kind = 'native', n = '10', backendPort = '0', workers = '1'] = process.argv.slice(2);
const routes = generateRoutes(Number(n));
const hosts = new Set(routes.map((r) => r.host));
const target = `http://127.0.0.1:${backendPort}`;

function ready(port: number, tlsPort?: number): void {
  process.stdout.write(`${JSON.stringify({ port, tlsPort })}\n`);
}

const hostOf = (h: string | undefined): string => (h ?? '').toLowerCase().replace(/:[0-9]+$/, '');

if (kind === 'native' || kind === 'native-baseline') {
  const cert = await createCertificate({ commonName: 'default.bench.test' });
  // `native-baseline`: another copy of this package's src (BENCH_BASELINE=<dir>/src/index.ts),
  // e.g. the previous commit, measured side by side with the working tree.
  const create =
    kind === 'native'
      ? createProxyRuntime
      : (
          (await import(process.env.BENCH_BASELINE as string)) as {
            createProxyRuntime: typeof createProxyRuntime;
          }
        ).createProxyRuntime;
  const rt = create({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    workers: Number(workers),
    defaultCertificate: cert,
    table: routeTable(routes, Number(backendPort), true),
  });
  const a = await rt.listen();
  ready(a.httpPort as number, a.httpsPort);
  process.on('SIGTERM', () => void rt.close({ graceMs: 100 }).then(() => process.exit(0)));
} else if (kind === 'http-proxy') {
  const proxy = httpProxy.createProxyServer({
    agent: new Agent({ keepAlive: true, maxSockets: 256 }),
    xfwd: true,
  });
  proxy.on('error', (_e, _req, res) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502);
    res.end();
  });
  const server = createServer((req, res) => {
    // The library has no router: a host map stands in for one (paths are not checked).
    if (!hosts.has(hostOf(req.headers.host))) {
      res.writeHead(503).end();
      return;
    }
    proxy.web(req, res, { target });
  });
  server.keepAliveTimeout = 300_000;
  server.listen(0, '127.0.0.1', () => ready((server.address() as { port: number }).port));
  process.on('SIGTERM', () => process.exit(0));
} else if (kind === 'reply-from') {
  const app = Fastify({ logger: false, keepAliveTimeout: 300_000 });
  await app.register(replyFrom, { base: target, undici: { connections: 256, pipelining: 1 } });
  app.all('/*', (req, reply) => {
    if (!hosts.has(hostOf(req.headers.host))) {
      reply.code(503).send();
      return;
    }
    return reply.from(req.url);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  ready((app.server.address() as { port: number }).port);
  process.on('SIGTERM', () => process.exit(0));
}
