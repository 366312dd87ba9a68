/**
 * `--demo-backends`: small echo servers on the loopback endpoints of the served routes, so that
 * the bundled examples (or your own manifests) answer on a laptop with nothing else running.
 *
 * For each admitted route, each server on 127.0.0.1 or ::1 gets one echo backend on its port:
 * plain HTTP for HTTP, edge and Allow routes; HTTPS for passthrough and re-encrypt routes, with
 * the certificate and key found next to the manifests as `tls/<service>.crt` and
 * `tls/<service>.key` (the convention of `examples/`). Every answer is JSON naming the backend
 * (`namespace/service`), plus an `x-backend` header.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { dirname, join, relative, resolve } from 'node:path';
import type { RouteEntry, RoutingTable } from '@switchyard/route-model';
import type { Logger } from 'pino';

/** One started backend. */
export interface DemoBackend {
  /** `namespace/service`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** The started demo backends. */
export interface DemoBackends {
  readonly backends: readonly DemoBackend[];
  /** Directory that holds the `tls/` material (the `--routes` directory). */
  readonly tlsDir: string;
  close(): Promise<void>;
}

/** Options of {@link startDemoBackends}. */
export interface DemoBackendOptions {
  readonly table: RoutingTable;
  /** The `--routes` path (a directory, or a file whose directory is used). */
  readonly routesPath: string;
  readonly logger: Logger;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

function answer(name: string, secure: boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    const body = `${JSON.stringify(
      {
        backend: name,
        tls: secure,
        method: req.method,
        url: req.url,
        host: req.headers.host,
        forwarded: {
          for: req.headers['x-forwarded-for'],
          host: req.headers['x-forwarded-host'],
          proto: req.headers['x-forwarded-proto'],
        },
      },
      null,
      2,
    )}\n`;
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
    res.end(body);
  };
}

/** The directory of `--routes` (its own path for a directory). */
export function routesDirectory(routesPath: string): string {
  const absolute = resolve(routesPath);
  return existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : dirname(absolute);
}

/**
 * Starts one echo backend per loopback endpoint port of the admitted routes.
 * @param options - the table and where the manifests are
 * @returns the started backends
 */
export async function startDemoBackends(options: DemoBackendOptions): Promise<DemoBackends> {
  const log = options.logger.child({ component: 'demo' });
  const tlsDir = join(routesDirectory(options.routesPath), 'tls');
  const wanted = new Map<string, { name: string; host: string; port: number; tls: boolean }>();
  for (const route of options.table.routes.values()) {
    const tls = route.termination === 'passthrough' || route.termination === 'reencrypt';
    for (const unit of route.serviceUnits) {
      for (const server of unit.servers) {
        if (!isLoopback(server.ip)) continue;
        const key = `${server.ip}:${server.port}`;
        const existing = wanted.get(key);
        if (existing !== undefined && existing.tls !== tls) {
          log.warn(
            { port: server.port },
            `port ${server.port} is used by both TLS and plain routes; serving ${existing.tls ? 'TLS' : 'plain HTTP'}`,
          );
          continue;
        }
        wanted.set(key, { name: `${unit.namespace}/${unit.name}`, host: server.ip, port: server.port, tls });
      }
    }
  }
  const servers: Server[] = [];
  const backends: DemoBackend[] = [];
  for (const spec of wanted.values()) {
    const service = spec.name.split('/')[1] ?? spec.name;
    let server: Server;
    if (spec.tls) {
      const certPath = join(tlsDir, `${service}.crt`);
      const keyPath = join(tlsDir, `${service}.key`);
      if (!existsSync(certPath) || !existsSync(keyPath)) {
        log.warn(
          { backend: spec.name, port: spec.port },
          `no demo backend for ${spec.name} on port ${spec.port}: it speaks TLS and ${relative(process.cwd(), certPath)} / .key are missing`,
        );
        continue;
      }
      server = createHttpsServer(
        { cert: readFileSync(certPath), key: readFileSync(keyPath) },
        answer(spec.name, true),
      );
    } else {
      server = createHttpServer(answer(spec.name, false));
    }
    try {
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(spec.port, spec.host, () => resolveListen());
      });
    } catch (error) {
      log.warn(
        { backend: spec.name, port: spec.port },
        `no demo backend for ${spec.name}: port ${spec.port} is taken (${(error as Error).message}); whatever listens there answers instead`,
      );
      continue;
    }
    servers.push(server);
    backends.push({ name: spec.name, host: spec.host, port: spec.port, tls: spec.tls });
  }
  backends.sort((a, b) => a.port - b.port);
  log.info(
    { backends: backends.map((b) => `${b.name} ${b.tls ? 'https' : 'http'}://${b.host}:${b.port}`) },
    `started ${backends.length} demo backend(s)`,
  );
  return {
    backends,
    tlsDir,
    async close(): Promise<void> {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolveClose) => {
              server.close(() => resolveClose());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/**
 * Finds a CA file in `tlsDir` that issued `certPem` (for `curl --cacert`).
 * @param tlsDir - directory of `*.crt` files
 * @param certPem - the certificate a client will be shown
 * @returns the CA file path, or undefined
 */
export function findIssuingCa(tlsDir: string, certPem: string | undefined): string | undefined {
  if (certPem === undefined || !existsSync(tlsDir)) return undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    return undefined;
  }
  for (const file of readdirSync(tlsDir)
    .filter((f) => f.endsWith('.crt'))
    .sort()) {
    try {
      const ca = new X509Certificate(readFileSync(join(tlsDir, file)));
      if (ca.ca && leaf.checkIssued(ca) && leaf.verify(ca.publicKey)) return join(tlsDir, file);
    } catch {
      // not a certificate: skip
    }
  }
  return undefined;
}

/** The certificate a TLS client sees for a route (the route's own, or the passthrough backend's). */
export function servedCertificate(route: RouteEntry, tlsDir: string): string | undefined {
  if (route.termination === 'passthrough') {
    const unit = route.serviceUnits[0];
    const path = unit === undefined ? undefined : join(tlsDir, `${unit.name}.crt`);
    return path !== undefined && existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }
  return route.tls?.certificate;
}
