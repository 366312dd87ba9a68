/**
 * The HTTP request path shared by the plain listener (`frontend public`) and terminated TLS
 * (`fe_sni`): header hygiene, map lookups, redirect, backend choice (cookie, balance, maxconn
 * queue), forwarded headers, and streaming through an undici pool with backpressure in both
 * directions. Client and upstream lifetimes are tied: either side ending aborts the other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { isIPv6, type Socket } from 'node:net';
import { Transform } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { lowerAscii } from '@switchyard/map-matcher';
import type { HeaderAction } from '@switchyard/route-model';
import type { Dispatcher } from 'undici';
import type { AccessLogEntry } from '../access-log.ts';
import type { ErrorResponse, ResolvedOptions } from '../options.ts';
import { type BackendState, isAllowed, pickServer, type ServerState } from './backends.ts';
import { hostMatchesCertificate } from './certs.ts';
import { compressedHeaders, shouldCompress } from './compression.ts';
import { type ConnInfo, getConnInfo } from './conn.ts';
import { type CounterSet, type MetricsRegistry, recordResponse } from './metrics.ts';
import type { PoolManager } from './pools.ts';
import type { RuntimeState } from './state.ts';

/** What the request path needs from the runtime. @internal */
export interface ProxyCore {
  readonly options: ResolvedOptions;
  readonly pools: PoolManager;
  readonly metrics: MetricsRegistry;
  state(): RuntimeState;
  /** Whether anyone listens to access logs (entries are not built otherwise). */
  readonly logging: boolean;
  log(entry: AccessLogEntry): void;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

// Hop-by-hop and hygiene headers never forwarded upstream. `proxy` is deleted as OpenShift does
// (httpoxy); `host` is re-added lower-cased.
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'proxy',
  'http2-settings',
  'host',
]);
const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);
const FORWARDED_NAMES = new Set([
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-proto-version',
  'forwarded',
]);

const kIdle = Symbol('switchyard.idleTimeout');
const forCache = new WeakMap<ConnInfo, string>();

/** `for=` of the Forwarded header (IPv6 quoted and bracketed), once per connection. */
function forwardedFor(c: ConnInfo): string {
  let v = forCache.get(c);
  if (v === undefined) {
    v = isIPv6(c.clientIp) ? `"[${c.clientIp}]"` : c.clientIp;
    forCache.set(c, v);
  }
  return v;
}

const portStrings = new Map<number, string>();
/** Listener ports as strings, converted once (there are one or two per process). */
function portString(port: number): string {
  let v = portStrings.get(port);
  if (v === undefined) {
    v = String(port);
    if (portStrings.size < 64) portStrings.set(port, v);
  }
  return v;
}

const MONITOR_BODY = '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n';

function stripPort(host: string): string {
  return host.replace(/:[0-9]+$/, '');
}

/** The path of a request target (origin-form or absolute-form), without the query. */
function targetPath(url: string): string {
  if (url.charCodeAt(0) !== 47 /* / */) {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(url);
    if (m) url = m[1] || '/';
  }
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const all = Array.isArray(header) ? header.join('; ') : header;
  const prefix = `${name}=`;
  for (const part of all.split(';')) {
    const p = part.trim();
    if (p.startsWith(prefix)) return p.slice(prefix.length);
  }
  return undefined;
}

function withoutCookie(value: string, name: string): string {
  const prefix = `${name}=`;
  return value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith(prefix))
    .join('; ');
}

interface Exchange {
  readonly req: Req;
  readonly res: Res;
  readonly conn: ConnInfo;
  readonly start: number;
  readonly host: string;
  backend: BackendState | undefined;
  server: ServerState | undefined;
  status: number;
  bytesIn: number;
  bytesOut: number;
  termination: string | undefined;
  logged: boolean;
  upstreamAbort: ((err?: Error) => void) | undefined;
  finished: boolean;
  body: Transform | undefined;
}

/**
 * Handles one HTTP request (HTTP/1.1 or HTTP/2 compat objects).
 * @internal
 */
export function handleRequest(core: ProxyCore, req: Req, res: Res): void {
  const socket = req.socket as Socket;
  const conn = getConnInfo(socket);
  const state = core.state();
  const rawHost = lowerAscii(req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? '');
  const url = req.url ?? '/';
  const ex: Exchange = {
    req,
    res,
    conn,
    start: Date.now(),
    host: rawHost,
    backend: undefined,
    server: undefined,
    status: 0,
    bytesIn: 0,
    bytesOut: 0,
    termination: undefined,
    logged: false,
    upstreamAbort: undefined,
    finished: false,
    body: undefined,
  };
  res.on('close', () => onClientClose(core, ex));

  const o = core.options;
  if (conn.frontend === 'http' && url === o.monitorUri) {
    reply(ex, 200, { 'content-type': 'text/html', 'cache-control': 'no-cache' }, MONITOR_BODY);
    return;
  }
  if (deniedBySubject(core, conn)) {
    reply(ex, 403, { 'content-type': 'text/html', 'cache-control': 'no-cache' }, FORBIDDEN_BODY);
    return;
  }
  // HAProxy `base`: the lower-cased Host (done above) and the path without its query.
  const key = rawHost + targetPath(url);
  let backendName: string | undefined;
  if (conn.frontend === 'http') {
    if (state.anyRedirect && state.maps.httpRedirect.lookup(key) === '1') {
      reply(
        ex,
        302,
        {
          location: `https://${stripPort(rawHost)}${url}`,
          'cache-control': 'no-cache',
          'content-length': '0',
        },
        '',
      );
      return;
    }
    backendName = state.maps.httpBe.lookup(key);
  } else {
    if (conn.h2 && conn.cert) {
      const bare = stripPort(rawHost).replace(/\.$/, '');
      if (!hostMatchesCertificate(conn.cert.certHost, bare)) {
        reply(ex, 421, { 'content-type': 'text/plain' }, 'Misdirected Request\n');
        return;
      }
    }
    backendName = state.maps.edgeReencryptBe.lookup(key);
  }
  const backend = backendName === undefined ? undefined : state.backends.get(backendName);
  if (!backend) {
    // `openshift_default`: 503, or 404 with ROUTER_ERRORFILE_404.
    serveError(ex, core.options.error404 ?? core.options.error503);
    return;
  }
  ex.backend = backend;
  const bm = core.metrics.backendOf(backend);
  bm.requests++;
  if (!isAllowed(backend.allowlist, conn.clientIp)) {
    // `tcp-request content reject`: the connection is closed without a response.
    ex.termination = 'allowlist-reject';
    recordResponse(bm, 0, 0);
    socket.destroy();
    return;
  }
  if (backend.sources && backend.rateLimits) {
    const release = backend.sources.admit(conn.clientIp, backend.rateLimits, true);
    if (!release) {
      // `tcp-request content reject`: the connection is closed without a response.
      ex.termination = 'rate-limit-reject';
      recordResponse(bm, 0, 0);
      socket.destroy();
      return;
    }
    // The stream ends with the last response byte (HAProxy releases the tracked stream then),
    // not when Node gets round to 'close': a client's next request may arrive before that.
    res.once('finish', release);
    res.once('close', release);
  }
  let sticky: ServerState | undefined;
  if (backend.cookie) {
    const v = cookieValue(req.headers.cookie, backend.cookie.name);
    if (v !== undefined) {
      const s = backend.byCookie.get(v);
      if (s?.up && !s.draining && (s.maxconn === 0 || s.active < s.maxconn)) sticky = s;
    }
  }
  const server = sticky ?? pickServer(backend, conn.clientIp);
  if (server) {
    forward(core, ex, backend, server, sticky !== undefined, 0);
    return;
  }
  if (backend.eligible.some((s) => !s.draining)) {
    // Every server is at its maxconn: wait in the backend queue (`timeout queue`).
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      const i = backend.queue.indexOf(go);
      if (i >= 0) backend.queue.splice(i, 1);
      ex.termination = 'queue-timeout';
      serve503(core, ex);
    }, o.timeouts.queue);
    const go = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (ex.finished) return;
      const s = pickServer(backend, conn.clientIp);
      if (s) forward(core, ex, backend, s, false, 0);
      else serve503(core, ex);
    };
    backend.queue.push(go);
    return;
  }
  serve503(core, ex);
}

/** HAProxy's built-in 403 page (`http-request deny`). */
export const FORBIDDEN_BODY =
  '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n';

/**
 * `ROUTER_MUTUAL_TLS_AUTH_FILTER`: on the TLS listener, a request whose client certificate
 * subject does not match (or that came without one) is denied, as `http-request deny unless
 * cert_cn_matches` does in `fe_sni` and `fe_no_sni`.
 * @internal
 */
export function deniedBySubject(core: ProxyCore, conn: ConnInfo): boolean {
  const filter = core.options.mutualTls?.filter;
  if (filter === undefined || conn.frontend !== 'https') return false;
  return conn.clientDn === undefined || !filter.test(conn.clientDn);
}

function reply(ex: Exchange, status: number, headers: Record<string, string>, body: string): void {
  ex.status = status;
  const res = ex.res as ServerResponse;
  if (body !== '' && headers['content-length'] === undefined)
    headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
  ex.bytesOut += Buffer.byteLength(body);
}

function serve503(core: ProxyCore, ex: Exchange): void {
  serveError(ex, core.options.error503);
}

/** Sends an answer of the runtime's own (built-in 503 or an errorfile), as HAProxy sends it. */
function serveError(ex: Exchange, e: ErrorResponse): void {
  if (ex.res.headersSent) {
    ex.res.destroy();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of e.headers) {
    const lower = name.toLowerCase();
    // Connection-specific headers have no place in HTTP/2.
    if (ex.conn.h2 && (lower === 'connection' || lower === 'keep-alive')) continue;
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  headers['content-length'] = String(e.body.length);
  ex.status = e.status;
  const res = ex.res as ServerResponse;
  if (ex.conn.h2 || e.reason === '') res.writeHead(e.status, headers);
  else res.writeHead(e.status, e.reason, headers);
  res.end(e.body);
  ex.bytesOut += e.body.length;
}

function releaseServer(ex: Exchange): void {
  const s = ex.server;
  const b = ex.backend;
  if (!s || !b) return;
  ex.server = undefined;
  s.active--;
  const next = b.queue.shift();
  if (next) next();
}

function onClientClose(core: ProxyCore, ex: Exchange): void {
  ex.finished = true;
  if (!ex.res.writableFinished && ex.termination === undefined) ex.termination = 'client-abort';
  if (ex.upstreamAbort) {
    const abort = ex.upstreamAbort;
    ex.upstreamAbort = undefined;
    abort(new Error('client closed'));
  }
  finish(core, ex);
}

function finish(core: ProxyCore, ex: Exchange): void {
  if (ex.logged) return;
  ex.logged = true;
  const seconds = (Date.now() - ex.start) / 1000;
  if (ex.backend) {
    const bm = core.metrics.backendOf(ex.backend);
    recordResponse(bm, ex.status, seconds);
    bm.bytesIn += ex.bytesIn;
    bm.bytesOut += ex.bytesOut;
  }
  if (ex.server && ex.backend) {
    const sm = core.metrics.serverOf(ex.server);
    sm.active--;
    recordResponse(sm, ex.status, seconds);
    sm.bytesIn += ex.bytesIn;
    sm.bytesOut += ex.bytesOut;
  }
  const serverId = ex.server?.id;
  releaseServer(ex);
  if (!core.logging) return;
  core.log({
    kind: 'http',
    startTime: ex.start,
    durationMs: Date.now() - ex.start,
    clientAddress: ex.conn.clientIp,
    clientPort: ex.conn.clientPort,
    frontend: ex.conn.frontend,
    method: ex.req.method ?? '',
    host: ex.host,
    url: ex.req.url ?? '',
    httpVersion: ex.req.httpVersion,
    status: ex.status,
    backend: ex.backend?.name ?? 'openshift_default',
    ...(serverId !== undefined ? { server: serverId } : {}),
    bytesIn: ex.bytesIn,
    bytesOut: ex.bytesOut,
    ...(ex.termination !== undefined ? { termination: ex.termination } : {}),
  });
}

/** Builds the upstream header list (flat name/value pairs, original case and order). @internal */
export function upstreamHeaders(
  req: Req,
  ex: { conn: ConnInfo; host: string },
  backend: BackendState,
  global: readonly HeaderAction[],
  h1Case: ReadonlyMap<string, string>,
): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let hop: Set<string> | undefined;
  const conn = req.headers.connection;
  if (typeof conn === 'string' && conn !== '') {
    for (const t of conn.split(',')) {
      const n = t.trim().toLowerCase();
      if (n !== '' && n !== 'close' && n !== 'keep-alive') (hop ??= new Set()).add(n);
    }
  }
  const policy = backend.forwarded;
  let present: Set<string> | undefined;
  const cookieName = backend.cookie?.name;
  const h2 = ex.conn.h2;
  let cookies: string | undefined;
  out.push('Host', ex.host);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lname = name.toLowerCase();
    if (lname.charCodeAt(0) === 58 /* : */) continue;
    if (DROP_REQUEST.has(lname) || hop?.has(lname)) continue;
    if (lname.startsWith('x-ssl')) continue;
    if (FORWARDED_NAMES.has(lname)) {
      (present ??= new Set()).add(lname);
      if (policy === 'replace') continue;
    }
    let value = raw[i + 1] as string;
    if (cookieName !== undefined && lname === 'cookie' && value.includes(`${cookieName}=`)) {
      // `indirect` in insert mode: the persistence cookie never reaches the server.
      value = withoutCookie(value, cookieName);
      if (value === '') continue;
    }
    if (lname === 'cookie' && h2) {
      // HTTP/2 may split cookies over several fields; HTTP/1.1 wants one (RFC 9113 §8.2.3).
      cookies = cookies === undefined ? value : `${cookies}; ${value}`;
      continue;
    }
    out.push(name, value);
  }
  if (cookies !== undefined) out.push('cookie', cookies);
  // Mutual TLS: the client certificate's X-SSL-* headers (the client's own were dropped above).
  const ssl = ex.conn.sslHeaders;
  if (ssl !== undefined)
    for (let i = 0; i + 1 < ssl.length; i += 2) out.push(ssl[i] as string, ssl[i + 1] as string);
  // `ROUTER_HTTP_REQUEST_HEADERS`: frontend rules, so they act on the client's headers before
  // the backend adds forwarded headers and applies the route's own actions.
  for (let g = 0; g < global.length; g++) {
    const a = global[g] as HeaderAction;
    const ln = a.name.toLowerCase();
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === ln) out.splice(i, 2);
    if (FORWARDED_NAMES.has(ln)) {
      if (a.type === 'Set') (present ??= new Set()).add(ln);
      else present?.delete(ln);
    }
    if (a.type === 'Set') out.push(a.name, a.value);
  }
  if (policy !== 'never') {
    const { conn: c } = ex;
    const proto = c.frontend === 'https' ? 'https' : 'http';
    // `if-none` keeps a client's header and adds ours only where the client sent none.
    const keep = policy === 'if-none' ? present : undefined;
    if (!keep?.has('x-forwarded-for')) out.push('X-Forwarded-For', c.clientIp);
    if (!keep?.has('x-forwarded-host')) out.push('X-Forwarded-Host', ex.host);
    if (!keep?.has('x-forwarded-port')) out.push('X-Forwarded-Port', portString(c.dstPort));
    if (!keep?.has('x-forwarded-proto')) out.push('X-Forwarded-Proto', proto);
    if (c.h2 && !keep?.has('x-forwarded-proto-version')) out.push('X-Forwarded-Proto-Version', 'h2');
    if (!keep?.has('forwarded'))
      out.push('Forwarded', `for=${forwardedFor(c)};host=${ex.host};proto=${proto}`);
  }
  for (const a of backend.requestHeaders) {
    const ln = a.name.toLowerCase();
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === ln) out.splice(i, 2);
    if (a.type === 'Set') out.push(a.name, a.value);
  }
  if (backend.h1AdjustCase && h1Case.size > 0) adjustCase(out, h1Case);
  return out;
}

/** `h1-case-adjust`: names in `map` (by lower case) are given its case, in place. */
function adjustCase(flat: string[], map: ReadonlyMap<string, string>): void {
  for (let i = 0; i < flat.length; i += 2) {
    const to = map.get((flat[i] as string).toLowerCase());
    if (to !== undefined) flat[i] = to;
  }
}

function hasBody(req: Req): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  if (cl !== undefined && cl !== '0') return true;
  // HTTP/2 requests may carry a body without either header; the stream tells.
  return (
    (req as Http2ServerRequest).stream !== undefined && !(req as Http2ServerRequest).stream.endAfterHeaders
  );
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

function isConnectFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  if (
    code === 'ECONNREFUSED' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH'
  )
    return true;
  // A failed TLS handshake with a re-encrypt server (unknown CA, bad name) is a connection
  // failure for HAProxy too: retried, then 503.
  return /CERT|SSL|TLS|VERIFY|SELF_SIGNED|ISSUER/.test(code);
}

function isReusedSocketReset(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

function forward(
  core: ProxyCore,
  ex: Exchange,
  backend: BackendState,
  server: ServerState,
  sticky: boolean,
  attempt: number,
): void {
  const { req } = ex;
  ex.server = server;
  server.active++;
  const sm = core.metrics.serverOf(server);
  sm.active++;
  sm.requests++;
  const pool = core.pools.get(server, backend.upstreamTls);
  let path = req.url ?? '/';
  if (path.charCodeAt(0) !== 47)
    path = targetPath(path) + (path.includes('?') ? path.slice(path.indexOf('?')) : '');
  if (backend.rewrite) {
    const q = path.indexOf('?');
    const p = q < 0 ? path : path.slice(0, q);
    path = p.replace(backend.rewrite.re, backend.rewrite.replacement) + (q < 0 ? '' : path.slice(q));
  }
  const body = hasBody(req);
  if (body && !ex.body) {
    // Count request bytes without consuming the stream ahead of undici.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        ex.bytesIn += chunk.length;
        cb(null, chunk);
      },
    });
    req.on('error', (err) => counter.destroy(err));
    ex.body = req.pipe(counter);
  }
  const socket = req.socket as Socket;
  const idle = Math.max(core.options.timeouts.client, backend.serverTimeout);
  const sock = socket as Socket & { [kIdle]?: number };
  if (sock[kIdle] !== idle) {
    // Re-arming a socket timer costs; only when the route's timeout differs from the last one.
    sock[kIdle] = idle;
    socket.setTimeout(idle);
  }
  const headers = upstreamHeaders(req, ex, backend, core.options.requestHeaders, core.options.h1Case);
  // Over HTTP/2 (h2c servers) `te: trailers` is the one TE allowed, and gRPC servers expect it.
  if (
    server.poolKey.startsWith('h2c://') &&
    /(?:^|,)\s*trailers\s*(?:$|,)/i.test(String(req.headers.te ?? ''))
  )
    headers.push('te', 'trailers');
  const opts: Dispatcher.DispatchOptions = {
    method: req.method ?? 'GET',
    path,
    headers,
    body: body ? (ex.body ?? null) : null,
    headersTimeout: backend.serverTimeout,
    bodyTimeout: backend.serverTimeout,
  };
  // undici would derive SNI (and the name it verifies) from the Host header; re-encrypt must
  // use the service host name instead.
  if (backend.upstreamTls) (opts as { servername?: string }).servername = backend.upstreamTls.servername;
  pool.dispatch(opts, new Upstream(core, ex, backend, server, sticky, attempt, body, sm));
}

// Handlers holding a chunk until the current read is parsed. One promise reaction flushes
// them all: `queueMicrotask` would wrap every callback in an AsyncResource (an allocation, an
// async id and before/after hooks per response), which showed in profiles.
const flushQueue: Upstream[] = [];
const RESOLVED = Promise.resolve();
function runFlushes(): void {
  // The length is read on every pass, so a handler queued meanwhile is flushed too.
  for (let i = 0; i < flushQueue.length; i++) {
    try {
      (flushQueue[i] as Upstream).flush();
    } catch {
      // A write to a response that is gone; its 'close' handler releases everything.
    }
  }
  flushQueue.length = 0;
}

/** Largest last chunk sent as one string with the response head (one `write` instead of `writev`). */
const JOIN_LIMIT = 16_384;

/**
 * The undici handler of one upstream attempt. A class rather than a closure set: one
 * allocation per request, methods shared on the prototype.
 */
class Upstream implements Dispatcher.DispatchHandler {
  readonly #core: ProxyCore;
  readonly #ex: Exchange;
  readonly #backend: BackendState;
  readonly #server: ServerState;
  readonly #sticky: boolean;
  readonly #attempt: number;
  readonly #body: boolean;
  readonly #sm: CounterSet;
  #responded = false;
  #rejected = false;
  #pending: Buffer | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #waitingDrain = false;
  #flushQueued = false;
  /** Whether any body bytes went to the client (until then Node still holds the head). */
  #wrote = false;
  /** The gzip stream between upstream and client when the response is compressed. */
  #gzip: Gzip | undefined = undefined;

  constructor(
    core: ProxyCore,
    ex: Exchange,
    backend: BackendState,
    server: ServerState,
    sticky: boolean,
    attempt: number,
    body: boolean,
    sm: CounterSet,
  ) {
    this.#core = core;
    this.#ex = ex;
    this.#backend = backend;
    this.#server = server;
    this.#sticky = sticky;
    this.#attempt = attempt;
    this.#body = body;
    this.#sm = sm;
  }

  onConnect(abort: (err?: Error) => void): void {
    const ex = this.#ex;
    if (ex.finished) abort(new Error('client closed'));
    else ex.upstreamAbort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    const ex = this.#ex;
    this.#responded = true;
    ex.status = statusCode;
    if (ex.finished) return false;
    let headers = responseHeaders(
      ex,
      this.#backend,
      this.#server,
      this.#sticky,
      rawHeaders,
      statusCode,
      this.#core.options.responseHeaders,
    );
    const types = this.#core.options.compressionMimeTypes;
    const gzip = types !== undefined && shouldCompress(types, ex.req, statusCode, rawHeaders);
    if (gzip) headers = compressedHeaders(headers);
    // `option h1-case-adjust-bogus-client` (OpenShift sets it whenever names are listed).
    const h1Case = this.#core.options.h1Case;
    if (h1Case.size > 0 && !ex.conn.h2) adjustCase(headers, h1Case);
    try {
      if (ex.conn.h2) {
        (ex.res as Http2ServerResponse).writeHead(statusCode, toObject(headers));
      } else {
        (ex.res as ServerResponse).writeHead(statusCode, statusText, headers);
      }
    } catch (err) {
      // A head Node refuses to write (it validates every header) must cost this request only:
      // answer 502 like HAProxy does for a response it cannot forward, and drop the upstream.
      this.#rejected = true;
      ex.termination = 'invalid-response-header';
      ex.status = 502;
      // The refused `writeHead` had already stored the upstream's reason phrase.
      if (!ex.conn.h2) (ex.res as ServerResponse).statusMessage = 'Bad Gateway';
      replyError(ex, 502, 'Bad Gateway');
      ex.upstreamAbort?.(err as Error);
      return false;
    }
    this.#resume = resume;
    if (gzip) this.#startGzip();
    return true;
  }

  /** Routes the body through gzip: gzip output goes to the client with its backpressure. */
  #startGzip(): void {
    const ex = this.#ex;
    const res = ex.res as ServerResponse;
    const z = createGzip();
    this.#gzip = z;
    z.on('data', (c: Buffer) => {
      ex.bytesOut += c.length;
      this.#wrote = true;
      if (!res.write(c)) {
        z.pause();
        res.once('drain', () => z.resume());
      }
    });
    z.on('end', () => res.end());
    z.on('error', () => res.destroy());
  }

  /** `write` with backpressure: a full client buffer pauses undici until 'drain'. */
  #write(chunk: Buffer): boolean {
    const res = this.#ex.res as ServerResponse;
    this.#wrote = true;
    if (res.write(chunk)) return true;
    if (!this.#waitingDrain && this.#resume) {
      this.#waitingDrain = true;
      res.once('drain', () => {
        this.#waitingDrain = false;
        this.#resume?.();
      });
    }
    return false;
  }

  /** Writes the held chunk (called once the read that delivered it is parsed). @internal */
  flush(): void {
    this.#flushQueued = false;
    const chunk = this.#pending;
    if (chunk === undefined || this.#ex.finished) return;
    this.#pending = undefined;
    this.#write(chunk);
  }

  onData(chunk: Buffer): boolean {
    const z = this.#gzip;
    if (z !== undefined) {
      if (this.#ex.finished) return false;
      if (z.write(chunk)) return true;
      z.once('drain', () => this.#resume?.());
      return false;
    }
    this.#ex.bytesOut += chunk.length;
    // Hold one chunk until the parser has finished this read: a response that completes in
    // the same read then goes out as head + body in a single write (`end(chunk)`); a streamed
    // one is delayed by a microtask only.
    const prev = this.#pending;
    this.#pending = chunk;
    if (prev !== undefined) return this.#write(prev);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      if (flushQueue.push(this) === 1) void RESOLVED.then(runFlushes);
    }
    return true;
  }

  onComplete(trailers?: Buffer[] | string[] | Record<string, string | string[]> | null): void {
    const ex = this.#ex;
    ex.upstreamAbort = undefined;
    // Trailers (gRPC's grpc-status) go on to the client: HTTP/2 trailers, or after the last
    // chunk over HTTP/1.1. undici hands HTTP/1.1 trailers as a flat list, HTTP/2 ones as an object.
    if (trailers && !(Array.isArray(trailers) && trailers.length === 0) && !ex.finished) {
      const object: Record<string, string | string[]> = {};
      if (Array.isArray(trailers)) {
        for (let i = 0; i + 1 < trailers.length; i += 2)
          object[String(trailers[i])] = String(trailers[i + 1]);
      } else {
        for (const [k, v] of Object.entries(trailers)) if (!k.startsWith(':')) object[k] = v;
      }
      if (Object.keys(object).length > 0) {
        try {
          (ex.res as ServerResponse).addTrailers(object);
        } catch {
          // A trailer Node refuses is dropped, not the response.
        }
      }
    }
    if (this.#gzip !== undefined) {
      this.#gzip.end();
      return;
    }
    const last = this.#pending;
    this.#pending = undefined;
    const res = ex.res as ServerResponse;
    if (last === undefined) res.end();
    else if (!this.#wrote && !ex.conn.h2 && last.length <= JOIN_LIMIT) {
      // `writeHead` only stored the head; with a string body Node sends head and body as one
      // string in a single write instead of a writev of two buffers. latin1 maps bytes 1:1,
      // so the body is unchanged.
      res.end(last.toString('latin1'), 'latin1');
    } else res.end(last);
  }

  onError(err: Error): void {
    const ex = this.#ex;
    ex.upstreamAbort = undefined;
    if (ex.finished || this.#rejected) return;
    const core = this.#core;
    const backend = this.#backend;
    const server = this.#server;
    const sm = this.#sm;
    const body = this.#body;
    const req = ex.req;
    if (!this.#responded) {
      if (isConnectFailure(err)) {
        sm.connectionErrors++;
        core.metrics.backendOf(backend).connectionErrors++;
        if (this.#attempt === 0 && !(body && ex.body?.readableDidRead)) {
          // `option redispatch`: one more try, on another server when there is one.
          releaseAttempt(ex, sm);
          const other =
            pickServer(backend, ex.conn.clientIp, server) ?? (server.draining ? undefined : server);
          if (other) {
            forward(core, ex, backend, other, false, 1);
            return;
          }
        }
        ex.termination = 'connect-failed';
        serve503(core, ex);
        return;
      }
      if (
        this.#attempt === 0 &&
        isReusedSocketReset(err) &&
        !body &&
        RETRYABLE_METHODS.has(req.method ?? '') &&
        !server.draining
      ) {
        // A kept-alive upstream connection closed as we reused it: safe to retry once.
        releaseAttempt(ex, sm);
        forward(core, ex, backend, server, this.#sticky, 1);
        return;
      }
      const code = (err as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT') {
        ex.termination = 'server-timeout';
        ex.status = 504;
        replyError(ex, 504, 'Gateway Timeout');
        return;
      }
      ex.termination = `upstream-error:${code ?? 'unknown'}`;
      ex.status = 502;
      replyError(ex, 502, 'Bad Gateway');
      return;
    }
    // The response had started: the only honest signal left is to cut the connection.
    ex.termination = `upstream-error:${(err as { code?: string }).code ?? 'unknown'}`;
    ex.res.destroy();
  }
}

function releaseAttempt(ex: Exchange, sm: CounterSet): void {
  sm.active--;
  const s = ex.server;
  if (s) s.active--;
  ex.server = undefined;
}

function replyError(ex: Exchange, status: number, text: string): void {
  if (ex.res.headersSent) {
    ex.res.destroy();
    return;
  }
  const body = `<html><body><h1>${status} ${text}</h1>\nThe server didn't respond in time or sent an invalid response.\n</body></html>\n`;
  const headers: Record<string, string> = { 'cache-control': 'no-cache', 'content-type': 'text/html' };
  if (!ex.conn.h2) headers.connection = 'close';
  reply(ex, status, headers, body);
}

function toObject(flat: string[]): Record<string, string | string[]> {
  const o: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const k = (flat[i] as string).toLowerCase();
    const v = flat[i + 1] as string;
    const prev = o[k];
    if (prev === undefined) o[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else o[k] = k === 'set-cookie' ? [prev, v] : `${prev}, ${v}`;
  }
  return o;
}

const CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);

function responseHeaders(
  ex: Exchange,
  backend: BackendState,
  server: ServerState,
  sticky: boolean,
  raw: Buffer[],
  status: number,
  global: readonly HeaderAction[],
): string[] {
  const out: string[] = [];
  const cookie = backend.cookie;
  let cacheControl = '';
  // HAProxy treats a response as cacheable only with explicit freshness information.
  let freshness = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lname = name.toLowerCase();
    if (DROP_RESPONSE.has(lname)) continue;
    if (ex.conn.h2 && (lname === 'te' || lname === 'host')) continue;
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (cookie && lname === 'set-cookie' && value.startsWith(`${cookie.name}=`)) continue;
    if (lname === 'cache-control') {
      cacheControl += `${value},`;
      freshness = true;
    } else if (lname === 'expires' || lname === 'last-modified') freshness = true;
    out.push(name, value);
  }
  if (cookie && !sticky) {
    let c = server.setCookie;
    if (c === undefined) {
      c = `${cookie.name}=${server.idHash}; path=/; HttpOnly`;
      if (cookie.secure) c += `; Secure; SameSite=${cookie.sameSite ?? 'None'}`;
      server.setCookie = c;
    }
    out.push('set-cookie', c);
    // `nocache`: a response that carries a new persistence cookie must not be cached.
    const method = ex.req.method;
    // (Observed on HAProxy 2.6: GET/HEAD, a heuristically cacheable status, and Cache-Control,
    // Expires or Last-Modified present without private/no-cache/no-store.)
    if (
      freshness &&
      (method === 'GET' || method === 'HEAD') &&
      CACHEABLE.has(status) &&
      !/(^|[\s,])(private|no-cache|no-store)/i.test(cacheControl)
    ) {
      out.push('cache-control', 'private');
    }
  }
  for (const a of backend.responseHeaders) {
    const ln = a.name.toLowerCase();
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === ln) out.splice(i, 2);
    if (a.type === 'Set') out.push(a.name, a.value);
  }
  if (backend.hsts !== undefined) {
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === 'strict-transport-security') out.splice(i, 2);
    out.push('Strict-Transport-Security', backend.hsts);
  }
  // `ROUTER_HTTP_RESPONSE_HEADERS`: frontend rules, which HAProxy runs after the backend's.
  for (let g = 0; g < global.length; g++) {
    const a = global[g] as HeaderAction;
    const ln = a.name.toLowerCase();
    for (let i = out.length - 2; i >= 0; i -= 2)
      if ((out[i] as string).toLowerCase() === ln) out.splice(i, 2);
    if (a.type === 'Set') out.push(a.name, a.value);
  }
  return out;
}
