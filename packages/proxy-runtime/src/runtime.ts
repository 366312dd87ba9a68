/**
 * `createProxyRuntime`: the native data plane. One plain HTTP listener and one TLS listener
 * serve an immutable compiled table; `update` swaps it in one assignment.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer, type ServerOptions } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { lowerAscii } from '@switchyard/map-matcher';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { RoutingTable } from '@switchyard/route-model';
import type { AccessLogEntry } from './access-log.ts';
import { ProxyRuntimeError } from './errors.ts';
import { SecureContextCache, selectCertificate } from './internal/certs.ts';
import { clientCertFacts, sslHeaders } from './internal/client-cert.ts';
import { getConnInfo, setConnInfo } from './internal/conn.ts';
import { HealthChecker } from './internal/health.ts';
import { handleRequest, type ProxyCore } from './internal/http-handler.ts';
import { MetricsRegistry, type MetricsSnapshot, renderPrometheus } from './internal/metrics.ts';
import { PoolManager } from './internal/pools.ts';
import { readProxyHeader } from './internal/proxy-protocol.ts';
import { compileState, EMPTY_TABLE, type RuntimeState } from './internal/state.ts';
import { validateTable } from './internal/validate.ts';
import { handleTlsConnection } from './internal/tls-frontend.ts';
import { handleUpgrade } from './internal/upgrade.ts';
import { createClusteredRuntime } from './internal/workers.ts';
import { type ProxyRuntimeOptions, type ResolvedOptions, resolveOptions } from './options.ts';

/** Bound addresses after {@link ProxyRuntime.listen}. */
export interface ProxyRuntimeAddresses {
  /** Plain HTTP port, or undefined when disabled. */
  readonly httpPort: number | undefined;
  /** TLS port, or undefined when disabled. */
  readonly httpsPort: number | undefined;
}

/** Options of {@link ProxyRuntime.close}. */
export interface ProxyRuntimeCloseOptions {
  /** How long in-flight requests and tunnels may finish before they are cut. @default 10000 */
  readonly graceMs?: number;
}

/** A running (or ready to run) native data plane. */
export interface ProxyRuntime {
  /**
   * Binds the listeners. Resolves with the bound ports (useful with port 0).
   * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_LISTEN` (cause: the system error),
   *   `ERR_PROXY_RUNTIME_STATE` when already listening or closed
   */
  listen(): Promise<ProxyRuntimeAddresses>;
  /**
   * Serves a new table. The swap is atomic: requests already routed finish on their server,
   * servers that left the table drain, new requests see only the new table. Resolves once every
   * worker serves it.
   * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_INVALID_TABLE`, `ERR_PROXY_RUNTIME_STATE` after close
   */
  update(table: RoutingTable): Promise<void>;
  /** Stops accepting, lets in-flight work finish (up to `graceMs`), then closes everything. */
  close(options?: ProxyRuntimeCloseOptions): Promise<void>;
  /** Prometheus text exposition of per-route and per-server metrics (summed over workers). */
  metrics(): Promise<string>;
  /** The bound ports (undefined before listen). */
  readonly addresses: ProxyRuntimeAddresses;
  /** The table being served. */
  readonly table: RoutingTable;
}

/**
 * One data-plane process: listeners, compiled state, pools, metrics.
 * @internal
 */
export class DataPlane implements ProxyCore {
  readonly options: ResolvedOptions;
  readonly pools: PoolManager;
  readonly metrics: MetricsRegistry = new MetricsRegistry();
  readonly health: HealthChecker = new HealthChecker();
  #state: RuntimeState;
  #contexts: SecureContextCache;
  #onLog: ((e: AccessLogEntry) => void) | undefined;
  #sockets = new Set<Socket>();
  #httpListener: HttpServer | NetServer | undefined;
  #tlsListener: NetServer | undefined;
  #h1Plain: HttpServer;
  #h1Tls: HttpServer;
  #tls: Http2SecureServer;
  addresses: ProxyRuntimeAddresses = { httpPort: undefined, httpsPort: undefined };
  certErrors: { route: string; error: unknown }[] = [];

  constructor(
    options: ResolvedOptions,
    table: RoutingTable,
    onLog: ((e: AccessLogEntry) => void) | undefined,
  ) {
    this.options = options;
    this.#contexts = new SecureContextCache(options.tls);
    this.pools = new PoolManager(options);
    this.#onLog = onLog;
    if (options.defaultCertificate) {
      try {
        createSecureContext({ cert: options.defaultCertificate.cert, key: options.defaultCertificate.key });
      } catch (cause) {
        throw new ProxyRuntimeError(
          'ERR_PROXY_RUNTIME_TLS',
          'ProxyRuntimeOptions.defaultCertificate: the certificate or key cannot be loaded (expected matching PEM cert and key)',
          { cause },
        );
      }
    }
    this.#state = this.#compile(table, undefined);
    this.health.sync(this.#state.servers.values());
    const t = options.timeouts;
    const httpOpts: ServerOptions = {
      maxHeaderSize: options.maxHeaderSize,
      keepAliveTimeout: t.httpKeepAlive,
      headersTimeout: t.httpRequest,
      requestTimeout: 0,
      // Node checks header deadlines on this interval; keep it well under the timeout.
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(t.httpRequest / 4))),
      insecureHTTPParser: false,
      noDelay: true,
    };
    const onRequest = (
      req: Parameters<typeof handleRequest>[1],
      res: Parameters<typeof handleRequest>[2],
    ): void => handleRequest(this, req, res);
    this.#h1Plain = createHttpServer(httpOpts, onRequest);
    this.#h1Tls = createHttpServer(httpOpts, onRequest);
    for (const s of [this.#h1Plain, this.#h1Tls]) {
      s.on('upgrade', (req, socket, head) => handleUpgrade(this, req, socket as Socket, head));
      s.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
        if (!socket.writable || socket.destroyed) {
          socket.destroy();
          return;
        }
        // Node already answers 431 and 408 itself; everything else is a 400 like HAProxy's.
        const status =
          err.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
              ? '408 Request Timeout'
              : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      });
    }
    const certFor = (name: string | undefined) =>
      selectCertificate(this.#state.certs, name ? lowerAscii(name) : undefined);
    const dflt = options.defaultCertificate;
    this.#tls = createSecureServer(
      {
        allowHTTP1: false,
        // These govern every handshake: the context the SNI callback returns brings its
        // certificate, not its versions or ciphers (test/tls-settings.test.ts). Certificate
        // contexts get the same settings all the same (SecureContextCache), so none disagrees.
        minVersion: options.tls.minVersion,
        maxVersion: options.tls.maxVersion,
        ...(options.tls.ciphers === undefined ? {} : { ciphers: options.tls.ciphers }),
        ...(options.tls.ecdhCurve === undefined ? {} : { ecdhCurve: options.tls.ecdhCurve }),
        ...(options.mutualTls === undefined
          ? {}
          : {
              requestCert: true,
              rejectUnauthorized: options.mutualTls.verify === 'required',
              ca: options.tls.ca,
              ...(options.tls.crl === undefined ? {} : { crl: options.tls.crl }),
            }),
        handshakeTimeout: t.client,
        ...(dflt ? { cert: dflt.cert, key: dflt.key } : {}),
        SNICallback: (name, cb) => cb(null, certFor(name)?.context),
        // h2 only for certificates OpenShift would list with `alpn h2,http/1.1`.
        ALPNCallback: ({ servername, protocols }) => {
          if (protocols.includes('h2') && certFor(servername)?.h2) return 'h2';
          return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
        },
      } as Parameters<typeof createSecureServer>[0],
      onRequest as never,
    );
    this.#tls.prependListener('secureConnection', (sock: TLSSocket) => {
      const raw = (sock as unknown as { _parent?: Socket })._parent;
      const info = raw ? getConnInfo(raw) : getConnInfo(sock);
      let mtls: { sslHeaders: readonly string[]; clientDn?: string } | undefined;
      if (options.mutualTls !== undefined) {
        const peer = sock.getPeerX509Certificate();
        // `verify optional`: HAProxy aborts the handshake of a client whose certificate does not
        // verify; Node completes it, so the connection is cut here instead.
        if (peer !== undefined && !sock.authorized) {
          sock.destroy();
          return;
        }
        const facts = peer === undefined ? undefined : clientCertFacts(peer.raw);
        mtls = { sslHeaders: sslHeaders(facts), ...(facts === undefined ? {} : { clientDn: facts.subject }) };
      }
      setConnInfo(sock, {
        frontend: 'https',
        clientIp: info.clientIp,
        clientPort: info.clientPort,
        dstPort: info.dstPort,
        h2: sock.alpnProtocol === 'h2',
        cert: certFor(sock.servername || undefined),
        ...mtls,
      });
      this.#track(sock);
    });
    // HTTP/1.1 (ALPN http/1.1 or none) goes to the HTTP/1.1 server, with its header limits.
    this.#tls.on('unknownProtocol', (sock: TLSSocket) => this.#h1Tls.emit('connection', sock));
    this.#tls.on('sessionError', () => undefined);
    this.#tls.on('tlsClientError', (_e, sock) => sock.destroy());
  }

  #compile(table: RoutingTable, previous: RuntimeState | undefined): RuntimeState {
    this.certErrors = [];
    return compileState(table, this.options, previous, this.#contexts, (route, error) =>
      this.certErrors.push({ route, error }),
    );
  }

  state(): RuntimeState {
    return this.#state;
  }

  get logging(): boolean {
    return this.#onLog !== undefined;
  }

  log(entry: AccessLogEntry): void {
    if (!this.#onLog) return;
    try {
      this.#onLog(entry);
    } catch {
      // A broken log sink must not break the data plane.
    }
  }

  get table(): RoutingTable {
    return this.#state.table;
  }

  update(table: RoutingTable): void {
    const next = this.#compile(table, this.#state);
    this.#state = next;
    const live = new Set<string>();
    for (const b of next.backends.values()) for (const s of b.servers) live.add(s.poolKey);
    this.pools.retain(live);
    this.metrics.prune(new Set(next.backends.keys()));
    this.health.sync(next.servers.values());
  }

  #track = (socket: Socket): void => {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  };

  async listen(sharedHttp?: NetServer, sharedTls?: NetServer): Promise<ProxyRuntimeAddresses> {
    const o = this.options;
    const httpFe = this.metrics.frontend('public');
    const tlsFe = this.metrics.frontend('public_ssl');
    const count = (fe: { connections: number; active: number }, socket: Socket): void => {
      fe.connections++;
      fe.active++;
      socket.once('close', () => fe.active--);
      this.#track(socket);
    };
    if (o.httpPort !== false || sharedHttp) {
      let server: HttpServer | NetServer;
      if (!o.proxyProtocol && !sharedHttp) {
        server = this.#h1Plain;
        server.on('connection', (s: Socket) => count(httpFe, s));
      } else {
        server = sharedHttp ?? createNetServer({ pauseOnConnect: o.proxyProtocol });
        server.on('connection', (socket: Socket) => {
          count(httpFe, socket);
          socket.on('error', () => socket.destroy());
          if (!o.proxyProtocol) {
            this.#h1Plain.emit('connection', socket);
            return;
          }
          socket.resume();
          readProxyHeader(socket, o.timeouts.inspectDelay).then((h) => {
            if (!h) return;
            setConnInfo(socket, {
              frontend: 'http',
              clientIp: h.sourceAddress ?? socket.remoteAddress ?? '',
              clientPort: h.sourcePort ?? socket.remotePort ?? 0,
              dstPort: h.destinationPort ?? socket.localPort ?? 0,
              h2: false,
              cert: undefined,
            });
            this.#h1Plain.emit('connection', socket);
            socket.resume();
          });
        });
      }
      server.maxConnections = o.maxConnections;
      this.#httpListener = server;
      if (!sharedHttp)
        this.addresses = {
          ...this.addresses,
          httpPort: await bind(server, o.host, o.httpPort as number, o.ipv6Only),
        };
    }
    if (o.httpsPort !== false || sharedTls) {
      const servers = { tls: this.#tls };
      // Node's per-server header-timeout sweeper starts on 'listening'; this server never
      // listens itself (sockets are handed to it), so start the sweeper explicitly.
      this.#h1Tls.emit('listening');
      const server = sharedTls ?? createNetServer({ pauseOnConnect: true });
      server.on('connection', (socket: Socket) => {
        count(tlsFe, socket);
        socket.on('error', () => socket.destroy());
        const go = (client: { clientIp: string; clientPort: number; dstPort: number }): void => {
          void handleTlsConnection(this, socket, client, servers);
        };
        const own = {
          clientIp: socket.remoteAddress ?? '',
          clientPort: socket.remotePort ?? 0,
          dstPort: socket.localPort ?? 0,
        };
        if (!o.proxyProtocol) {
          go(own);
          return;
        }
        socket.resume();
        readProxyHeader(socket, o.timeouts.inspectDelay).then((h) => {
          if (!h) return;
          go({
            clientIp: h.sourceAddress ?? own.clientIp,
            clientPort: h.sourcePort ?? own.clientPort,
            dstPort: h.destinationPort ?? own.dstPort,
          });
        });
      });
      server.maxConnections = o.maxConnections;
      this.#tlsListener = server;
      if (!sharedTls)
        this.addresses = {
          ...this.addresses,
          httpsPort: await bind(server, o.host, o.httpsPort as number, o.ipv6Only),
        };
    }
    return this.addresses;
  }

  async close(graceMs: number): Promise<void> {
    this.health.stop();
    const closing: Promise<unknown>[] = [];
    for (const s of [this.#httpListener, this.#tlsListener]) {
      if (s?.listening) closing.push(new Promise((r) => s.close(() => r(undefined))));
    }
    this.#h1Plain.closeIdleConnections();
    this.#h1Tls.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.#sockets.size > 0 && Date.now() < deadline) {
      this.#h1Plain.closeIdleConnections();
      this.#h1Tls.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const s of this.#sockets) s.destroy();
    this.#h1Tls.close(() => undefined);
    if (!this.#h1Plain.listening) this.#h1Plain.close(() => undefined);
    this.#tls.close();
    await Promise.all(closing);
    await this.pools.destroyAll();
  }

  snapshot(): MetricsSnapshot {
    return this.metrics.snapshotData;
  }
}

async function bind(server: NetServer, host: string, port: number, ipv6Only: boolean): Promise<number> {
  try {
    server.listen({ host, port, exclusive: false, ipv6Only });
    await once(server, 'listening');
  } catch (cause) {
    throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_LISTEN', `listen: cannot bind ${host}:${port}`, { cause });
  }
  return (server.address() as AddressInfo).port;
}

/**
 * Creates the native data plane. Nothing is bound until {@link ProxyRuntime.listen}.
 *
 * @param options - listeners, certificates, timeouts, defaults (see {@link ProxyRuntimeOptions})
 * @returns the runtime
 * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_INVALID_OPTION` naming the field,
 *   `ERR_PROXY_RUNTIME_INVALID_TABLE` for a bad `options.table`
 * @example
 * ```ts
 * const rt = createProxyRuntime({ host: '127.0.0.1', httpPort: 8080, httpsPort: 8443, defaultCertificate });
 * await rt.listen();
 * await rt.update(store.table);
 * ```
 */
export function createProxyRuntime(options: ProxyRuntimeOptions = {}): ProxyRuntime {
  const resolved = resolveOptions(options);
  const initial = options.table === undefined ? EMPTY_TABLE : validateTable(options.table);
  if (resolved.workers > 1) return createClusteredRuntime(resolved, options, initial);
  const plane = new DataPlane(resolved, initial, options.onAccessLog);
  let phase: 'new' | 'listening' | 'closed' = 'new';
  return {
    async listen() {
      if (phase !== 'new')
        throw new ProxyRuntimeError(
          'ERR_PROXY_RUNTIME_STATE',
          `listen: the runtime is ${phase === 'closed' ? 'closed' : 'already listening'}`,
        );
      phase = 'listening';
      return plane.listen();
    },
    async update(table) {
      if (phase === 'closed')
        throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_STATE', 'update: the runtime is closed');
      plane.update(validateTable(table));
    },
    async close(opts) {
      if (phase === 'closed') return;
      phase = 'closed';
      await plane.close(opts?.graceMs ?? 10_000);
    },
    async metrics() {
      return renderPrometheus(plane.snapshot());
    },
    get addresses() {
      return plane.addresses;
    },
    get table() {
      return plane.table;
    },
  };
}
