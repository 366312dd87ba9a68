/**
 * The TLS listener (`frontend public_ssl`): reads the ClientHello without consuming it, then
 * either pipes the raw bytes to a passthrough backend (SNI in `os_sni_passthrough.map`, backend
 * from `os_tcp_be.map`) or terminates TLS here with the certificate chosen by SNI and hands the
 * decrypted stream to the HTTP/1.1 or HTTP/2 request path (`fe_sni` / `fe_no_sni`).
 */
import type { Http2SecureServer } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { lowerAscii } from '@switchyard/map-matcher';
import { peekClientHello } from '@switchyard/sni-parser';
import { type BackendState, isAllowed, pickServer, type ServerState } from './backends.ts';
import { selectCertificate, sniMatchesNames } from './certs.ts';
import { setConnInfo } from './conn.ts';
import type { ProxyCore } from './http-handler.ts';
import { recordResponse } from './metrics.ts';

/** Where a terminated connection goes. @internal */
export interface TerminatedServers {
  /** The TLS server (HTTP/2 with `unknownProtocol` handing HTTP/1.1 to the HTTP/1.1 server). */
  readonly tls: Http2SecureServer;
}

/** Client facts before TLS (after PROXY protocol when enabled). @internal */
export interface RawClient {
  readonly clientIp: string;
  readonly clientPort: number;
  readonly dstPort: number;
}

/** Handles one accepted TLS-port connection. @internal */
export async function handleTlsConnection(
  core: ProxyCore,
  socket: Socket,
  client: RawClient,
  servers: TerminatedServers,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  let sni: string | undefined;
  try {
    const peek = await peekClientHello(socket, {
      timeoutMs: core.options.timeouts.inspectDelay,
      unshift: true,
    });
    if (peek.stoppedBy === 'end' || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (peek.result.status === 'complete') {
      const name = peek.result.hello.serverName;
      if (name !== undefined && name !== '') sni = lowerAscii(name);
    }
  } catch {
    socket.destroy();
    return;
  }
  const state = core.state();
  if (sni !== undefined && state.maps.sniPassthrough.lookup(sni) !== undefined) {
    const name = state.maps.tcpBe.lookup(sni);
    const backend = name === undefined ? undefined : state.backends.get(name);
    if (backend && backend.mode === 'tcp') {
      passthrough(core, socket, client, sni, backend);
      return;
    }
  }
  const cert = selectCertificate(state.certs, sni);
  if (!cert) {
    // No route certificate and no default certificate: nothing to complete a handshake with.
    socket.destroy();
    return;
  }
  // `strict-sni` (OpenShift puts it on `fe_sni` only): an SNI that no certificate is issued for
  // ends the connection instead of getting the default certificate. Without SNI the hello goes
  // to `fe_no_sni`, which serves the default certificate either way.
  if (
    core.options.strictSni &&
    sni !== undefined &&
    cert === state.certs.fallback &&
    !sniMatchesNames(cert.names ?? [], sni)
  ) {
    socket.destroy();
    return;
  }
  // Handshake, SNI certificate and ALPN happen in the runtime's TLS server; it reads the
  // ClientHello again from the bytes peekClientHello put back.
  setConnInfo(socket, { frontend: 'https', ...client, h2: false, cert });
  servers.tls.emit('connection', socket);
}

function passthrough(
  core: ProxyCore,
  socket: Socket,
  client: RawClient,
  sni: string,
  backend: BackendState,
): void {
  const start = Date.now();
  const bm = core.metrics.backend(backend.name);
  bm.requests++;
  let inBytes = 0;
  let outBytes = 0;
  const log = (server: ServerState | undefined, termination?: string): void => {
    core.log({
      kind: 'tcp',
      startTime: start,
      durationMs: Date.now() - start,
      clientAddress: client.clientIp,
      clientPort: client.clientPort,
      frontend: 'tls',
      host: sni,
      status: 0,
      backend: backend.name,
      ...(server ? { server: server.id } : {}),
      bytesIn: inBytes,
      bytesOut: outBytes,
      ...(termination !== undefined ? { termination } : {}),
    });
  };
  if (!isAllowed(backend.allowlist, client.clientIp)) {
    socket.destroy();
    log(undefined, 'allowlist-reject');
    return;
  }
  if (backend.sources && backend.rateLimits) {
    const release = backend.sources.admit(client.clientIp, backend.rateLimits, false);
    if (!release) {
      socket.destroy();
      log(undefined, 'rate-limit-reject');
      return;
    }
    socket.once('close', release);
  }
  const attempt = (server: ServerState | undefined, n: number): void => {
    if (!server) {
      socket.destroy();
      log(undefined, 'no-server');
      return;
    }
    server.active++;
    bm.active++;
    const sm = core.metrics.serverOf(server);
    sm.active++;
    sm.requests++;
    let released = false;
    const release = (term?: string): void => {
      if (released) return;
      released = true;
      server.active--;
      bm.active--;
      sm.active--;
      bm.bytesIn += inBytes;
      bm.bytesOut += outBytes;
      sm.bytesIn += inBytes;
      sm.bytesOut += outBytes;
      recordResponse(bm, 0, (Date.now() - start) / 1000);
      log(server, term);
      const next = backend.queue.shift();
      if (next) next();
    };
    const upstream = netConnect({ host: server.ip, port: server.port });
    let connected = false;
    const timer = setTimeout(
      () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      core.options.timeouts.connect,
    );
    upstream.on('error', () => {
      clearTimeout(timer);
      if (connected) {
        socket.destroy();
        return;
      }
      sm.connectionErrors++;
      bm.connectionErrors++;
      released = true;
      server.active--;
      bm.active--;
      sm.active--;
      if (n === 0 && !socket.destroyed) attempt(pickServer(backend, client.clientIp, server), 1);
      else {
        socket.destroy();
        log(server, 'connect-failed');
      }
    });
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      if (socket.destroyed) {
        upstream.destroy();
        release('client-abort');
        return;
      }
      socket.on('data', (c: Buffer) => {
        inBytes += c.length;
      });
      upstream.on('data', (c: Buffer) => {
        outBytes += c.length;
      });
      socket.pipe(upstream);
      upstream.pipe(socket);
      const t = backend.tunnelTimeout;
      const cut = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.setTimeout(t, cut);
      upstream.setTimeout(t, cut);
      socket.on('close', () => {
        upstream.destroy();
        release();
      });
      upstream.on('close', () => {
        socket.destroy();
        release();
      });
    });
  };
  attempt(pickServer(backend, client.clientIp), 0);
}
