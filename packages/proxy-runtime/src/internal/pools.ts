/**
 * Keep-alive connection pools, one undici Pool per upstream origin (and TLS settings). Pools
 * are shared by every backend that lists the same server, created on first use, and closed
 * gracefully (in-flight requests finish) once no server in the current table uses them.
 */
import { checkServerIdentity } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import type { ResolvedOptions } from '../options.ts';
import type { ServerState, UpstreamTls } from './backends.ts';

/** @internal */
export class PoolManager {
  #pools = new Map<string, Pool>();
  #options: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  get(server: ServerState, tls: UpstreamTls | undefined): Pool {
    // The pool remembered on the server line, while the manager still holds it under that key
    // (a pool dropped by `retain` is closed and never handed out again).
    const cached = server.pool;
    if (cached !== undefined && !cached.closed && !cached.destroyed) return cached;
    let pool = this.#pools.get(server.poolKey);
    if (!pool) {
      const host = server.ip.includes(':') ? `[${server.ip}]` : server.ip;
      const origin = `${tls ? 'https' : 'http'}://${host}:${server.port}`;
      const h2c = server.poolKey.startsWith('h2c://');
      pool = new Pool(origin, {
        // HTTP/2 multiplexes up to 100 requests on one connection (more would open connections
        // while the first is still connecting); HTTP/1.1 takes one request at a time per connection.
        connections: h2c ? 1 : null,
        pipelining: h2c ? 100 : 1,
        // A connector that marks the cleartext socket as h2 (prior knowledge); Pool itself does
        // not pass `useH2c` on to its clients.
        ...(h2c
          ? {
              connect: buildConnector({
                useH2c: true,
                timeout: this.#options.timeouts.connect,
              } as buildConnector.BuildOptions),
            }
          : {}),
        connectTimeout: this.#options.timeouts.connect,
        headersTimeout: this.#options.timeouts.server,
        bodyTimeout: this.#options.timeouts.server,
        // Below Node's 5 s server keepAliveTimeout, so we close idle sockets before backends do.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        keepAliveTimeoutThreshold: 1_000,
        maxHeaderSize: 65_536,
        strictContentLength: true,
        ...(tls
          ? {
              connect: {
                servername: tls.servername,
                ALPNProtocols: ['http/1.1'],
                rejectUnauthorized: tls.ca !== undefined,
                ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
                // `verify required ca-file` checks the chain; only `verifyhost` checks the name.
                checkServerIdentity: tls.verifyHost ? checkServerIdentity : () => undefined,
              },
            }
          : {}),
      });
      this.#pools.set(server.poolKey, pool);
    }
    server.pool = pool;
    return pool;
  }

  /** Closes pools whose key is not in `live` (graceful: queued requests complete first). */
  retain(live: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      if (!live.has(key)) {
        this.#pools.delete(key);
        pool.close().catch(() => undefined);
      }
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }

  async destroyAll(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}
