/**
 * Upgrades (WebSocket and others): the request head is rewritten like any request (hygiene,
 * forwarded headers), then the connection becomes a byte tunnel to the chosen server in both
 * directions, including the server's answer (101 or a refusal, passed through unchanged). The
 * tunnel timeout applies to inactivity on either side. Error handlers are attached to both
 * sockets before anything else, so a reset never escapes as an uncaught error.
 */
import type { IncomingMessage } from 'node:http';
import { lowerAscii } from '@switchyard/map-matcher';
import { connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { BackendState, ServerState } from './backends.ts';
import { isAllowed, pickServer } from './backends.ts';
import { getConnInfo } from './conn.ts';
import type { ProxyCore } from './http-handler.ts';
import { deniedBySubject, FORBIDDEN_BODY, upstreamHeaders } from './http-handler.ts';
import { requestKey } from './map-backend.ts';
import { recordResponse } from './metrics.ts';
import type { ErrorResponse } from '../options.ts';

function rawReply(socket: Socket, status: string, headers: string[], body: string): void {
  const head = [
    `HTTP/1.1 ${status}`,
    ...headers,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** Sends an answer of the runtime's own on an upgrade request and closes the connection. */
function errorReply(socket: Socket, e: ErrorResponse): void {
  const head = [`HTTP/1.1 ${e.status}${e.reason === '' ? '' : ` ${e.reason}`}`];
  for (const [name, value] of e.headers)
    if (name.toLowerCase() !== 'connection') head.push(`${name}: ${value}`);
  head.push(`content-length: ${e.body.length}`, 'connection: close');
  socket.write(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  socket.end(e.body);
}

/** Handles an HTTP/1.1 upgrade request on either listener. @internal */
export function handleUpgrade(core: ProxyCore, req: IncomingMessage, socket: Socket, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const conn = getConnInfo(socket);
  if (deniedBySubject(core, conn)) {
    rawReply(socket, '403 Forbidden', ['content-type: text/html', 'cache-control: no-cache'], FORBIDDEN_BODY);
    return;
  }
  const state = core.state();
  const host = lowerAscii(req.headers.host ?? '');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const key = requestKey(host, q < 0 ? url : url.slice(0, q));
  const start = Date.now();
  let backendName: string | undefined;
  if (conn.frontend === 'http') {
    if (state.anyRedirect && state.maps.httpRedirect.lookup(key) === '1') {
      rawReply(
        socket,
        '302 Found',
        [`location: https://${host.replace(/:[0-9]+$/, '')}${url}`, 'cache-control: no-cache'],
        '',
      );
      return;
    }
    backendName = state.maps.httpBe.lookup(key);
  } else {
    backendName = state.maps.edgeReencryptBe.lookup(key);
  }
  const backend = backendName === undefined ? undefined : state.backends.get(backendName);
  const log = (
    status: number,
    b: BackendState | undefined,
    s: ServerState | undefined,
    inB: number,
    outB: number,
    term?: string,
  ): void =>
    core.log({
      kind: 'http',
      startTime: start,
      durationMs: Date.now() - start,
      clientAddress: conn.clientIp,
      clientPort: conn.clientPort,
      frontend: conn.frontend,
      method: req.method ?? '',
      host,
      url,
      status,
      backend: b?.name ?? 'openshift_default',
      ...(s ? { server: s.id } : {}),
      bytesIn: inB,
      bytesOut: outB,
      ...(term !== undefined ? { termination: term } : {}),
    });
  if (!backend) {
    const e = core.options.error404 ?? core.options.error503;
    errorReply(socket, e);
    log(e.status, undefined, undefined, 0, 0);
    return;
  }
  const bm = core.metrics.backend(backend.name);
  bm.requests++;
  if (!isAllowed(backend.allowlist, conn.clientIp)) {
    socket.destroy();
    recordResponse(bm, 0, 0);
    log(0, backend, undefined, 0, 0, 'allowlist-reject');
    return;
  }
  if (backend.sources && backend.rateLimits) {
    const release = backend.sources.admit(conn.clientIp, backend.rateLimits, true);
    if (!release) {
      socket.destroy();
      recordResponse(bm, 0, 0);
      log(0, backend, undefined, 0, 0, 'rate-limit-reject');
      return;
    }
    socket.once('close', release);
  }
  let server: ServerState | undefined;
  if (backend.cookie) {
    const m = new RegExp(`(?:^|;\\s*)${backend.cookie.name}=([^;]*)`).exec(String(req.headers.cookie ?? ''));
    const s = m ? backend.byCookie.get(m[1] as string) : undefined;
    if (s?.up && !s.draining) server = s;
  }
  server ??= pickServer(backend, conn.clientIp);
  if (!server) {
    errorReply(socket, core.options.error503);
    recordResponse(bm, core.options.error503.status, 0);
    log(core.options.error503.status, backend, undefined, 0, 0);
    return;
  }
  const headers = upstreamHeaders(
    req,
    { conn, host },
    backend,
    core.options.requestHeaders,
    core.options.h1Case,
  );
  headers.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade ?? 'websocket'));
  let headText = `${req.method} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) headText += `${headers[i]}: ${headers[i + 1]}\r\n`;
  headText += '\r\n';
  connectUpstream(core, backend, server, conn.clientIp, headText, head, socket, 0, log, bm);
}

function connectUpstream(
  core: ProxyCore,
  backend: BackendState,
  server: ServerState,
  clientIp: string,
  headText: string,
  head: Buffer,
  client: Socket,
  attempt: number,
  log: (
    status: number,
    b: BackendState | undefined,
    s: ServerState | undefined,
    inB: number,
    outB: number,
    term?: string,
  ) => void,
  bm: ReturnType<ProxyCore['metrics']['backend']>,
): void {
  server.active++;
  const sm = core.metrics.serverOf(server);
  sm.active++;
  sm.requests++;
  bm.active++;
  const tls = backend.upstreamTls;
  const upstream: Socket = tls
    ? tlsConnect({
        host: server.ip,
        port: server.port,
        servername: tls.servername,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: tls.ca !== undefined,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        checkServerIdentity: tls.verifyHost ? checkServerIdentity : () => undefined,
      })
    : netConnect({ host: server.ip, port: server.port });
  let connected = false;
  let released = false;
  let status = 0;
  let inBytes = 0;
  let outBytes = 0;
  const release = (term?: string): void => {
    if (released) return;
    released = true;
    server.active--;
    sm.active--;
    bm.active--;
    const seconds = 0;
    recordResponse(bm, status, seconds);
    recordResponse(sm, status, seconds);
    bm.bytesIn += inBytes;
    bm.bytesOut += outBytes;
    log(status, backend, server, inBytes, outBytes, term);
    const next = backend.queue.shift();
    if (next) next();
  };
  const connectTimer = setTimeout(
    () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
    core.options.timeouts.connect,
  );
  upstream.on('error', (err) => {
    clearTimeout(connectTimer);
    if (connected) {
      client.destroy();
      return;
    }
    sm.connectionErrors++;
    bm.connectionErrors++;
    server.active--;
    sm.active--;
    bm.active--;
    released = true;
    if (attempt === 0 && !client.destroyed) {
      const other = pickServer(backend, clientIp, server) ?? (server.draining ? undefined : server);
      if (other) {
        connectUpstream(core, backend, other, clientIp, headText, head, client, 1, log, bm);
        return;
      }
    }
    status = core.options.error503.status;
    recordResponse(bm, status, 0);
    errorReply(client, core.options.error503);
    log(status, backend, server, 0, 0, `connect-failed:${(err as { code?: string }).code ?? ''}`);
  });
  upstream.once(tls ? 'secureConnect' : 'connect', () => {
    clearTimeout(connectTimer);
    connected = true;
    if (client.destroyed) {
      upstream.destroy();
      release('client-abort');
      return;
    }
    upstream.write(headText);
    if (head.length > 0) upstream.write(head);
    upstream.once('data', (chunk: Buffer) => {
      const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(chunk.subarray(0, 16).toString('latin1'));
      status = m ? Number(m[1]) : 0;
    });
    upstream.on('data', (c: Buffer) => {
      outBytes += c.length;
    });
    client.on('data', (c: Buffer) => {
      inBytes += c.length;
    });
    upstream.pipe(client);
    client.pipe(upstream);
    const tunnel = backend.tunnelTimeout;
    upstream.setTimeout(tunnel, () => {
      upstream.destroy();
      client.destroy();
    });
    client.setTimeout(tunnel, () => {
      upstream.destroy();
      client.destroy();
    });
    upstream.on('close', () => {
      client.destroy();
      release();
    });
    client.on('close', () => {
      upstream.destroy();
      release();
    });
  });
}
