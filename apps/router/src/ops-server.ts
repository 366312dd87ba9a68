/**
 * The stats listener (OpenShift's port 1936): `/healthz` (liveness), `/healthz/ready`
 * (readiness: synced, not shutting down, the data plane answers) and `/metrics` (Prometheus
 * text: the router's registry followed by the data plane's metrics). Check output follows the
 * Kubernetes healthz style (`[+]name ok` / `[-]name failed: reason`).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { RouterError } from './errors.ts';

/** One named check: resolves to `true`, or to a failure reason. */
export type HealthCheck = () => Promise<true | string> | true | string;

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Extra Prometheus text appended to `/metrics` (the data plane's metrics). @default none */
  readonly extraMetrics?: () => Promise<string> | string;
  /** Liveness checks. */
  readonly liveness: Readonly<Record<string, HealthCheck>>;
  /** Readiness checks. */
  readonly readiness: Readonly<Record<string, HealthCheck>>;
  /**
   * `STATS_USERNAME` / `STATS_PASSWORD`: `/metrics` asks for these credentials (HTTP Basic); the
   * health endpoints stay open for the kubelet's probes, as in OpenShift. @default none
   */
  readonly metricsAuth?: { readonly username: string; readonly password: string };
}

/** Whether an Authorization header carries these Basic credentials (compared in constant time). */
function basicAuthorized(header: string | undefined, auth: { username: string; password: string }): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1] as string, 'base64');
  const want = Buffer.from(`${auth.username}:${auth.password}`, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

/** A running stats listener. */
export interface OpsServer {
  readonly port: number;
  /** Runs the readiness checks (what `/healthz/ready` answers). */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

async function runChecks(
  checks: Readonly<Record<string, HealthCheck>>,
): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  let ok = true;
  for (const [name, check] of Object.entries(checks)) {
    let result: true | string;
    try {
      result = await check();
    } catch (error) {
      result = (error as Error).message;
    }
    if (result === true) lines.push(`[+]${name} ok`);
    else {
      ok = false;
      lines.push(`[-]${name} failed: ${result}`);
    }
  }
  lines.push(ok ? 'ok' : 'healthz check failed');
  return { ok, text: `${lines.join('\n')}\n` };
}

/**
 * Starts the stats listener.
 * @param options - address, registry and checks
 * @returns the server once it listens
 * @throws RouterError `ERR_ROUTER_LISTEN` when the port cannot be bound
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    const handle = async (): Promise<void> => {
      if (path === '/healthz' || path === '/healthz/') {
        const { ok, text } = await runChecks(options.liveness);
        return send(ok ? 200 : 500, 'text/plain; charset=utf-8', text);
      }
      if (path === '/healthz/ready') {
        const { ok, text } = await runChecks(options.readiness);
        return send(ok ? 200 : 503, 'text/plain; charset=utf-8', text);
      }
      if (path === '/metrics') {
        if (
          options.metricsAuth !== undefined &&
          !basicAuthorized(req.headers.authorization, options.metricsAuth)
        ) {
          res.writeHead(401, {
            'content-type': 'text/plain',
            'cache-control': 'no-store',
            'www-authenticate': 'Basic realm="switchyard metrics"',
          });
          res.end(req.method === 'HEAD' ? undefined : 'unauthorized\n');
          return;
        }
        const own = await options.registry.metrics();
        const extra = options.extraMetrics === undefined ? '' : await options.extraMetrics();
        return send(200, options.registry.contentType, extra === '' ? own : `${own}\n${extra}`);
      }
      send(404, 'text/plain', 'not found: try /healthz, /healthz/ready or /metrics\n');
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) send(500, 'text/plain', `${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new RouterError(
          'ERR_ROUTER_LISTEN',
          `Cannot listen on ${options.host}:${options.port} for /healthz and /metrics (--stats-port): ${cause.message}`,
          { cause },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async isReady(): Promise<boolean> {
      return (await runChecks(options.readiness)).ok;
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
