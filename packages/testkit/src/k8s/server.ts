import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { K8sLabelSelectorSyntaxError, parseLabelSelector } from './label-selector.ts';
import {
  apiVersionOf,
  coreVersionsDocument,
  findResourceType,
  groupDocument,
  groupListDocument,
  type K8sResourceType,
  resourceListDocument,
} from './resources.ts';
import {
  type K8sHistoryEntry,
  type K8sObject,
  type K8sObjectFilter,
  K8sObjectStore,
  K8sStatusError,
  matchesFilter,
  parseFieldSelector,
} from './store.ts';
import { apiServerCertificate } from './tls.ts';

/** Options of {@link startK8sApiServer}. */
export interface K8sApiServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port; kept across restarts) */
  readonly port?: number;
  /**
   * Bearer token clients must send; `null` turns authentication off.
   * @default a random token (written into kubeconfigs by the helpers)
   */
  readonly token?: string | null;
  /**
   * How often watches that asked for bookmarks get one.
   * @default 1000
   */
  readonly bookmarkIntervalMs?: number;
  /**
   * Changes kept for watches before automatic compaction.
   * @default 100000
   */
  readonly historyLimit?: number;
}

/** One request the server answered (for assertions such as "how many status writes"). */
export interface K8sApiRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** `list`, `watch`, `get`, `create`, `update`, `update-status`, `patch`, `delete`, `discovery`, `other`. */
  readonly verb: string;
  /** Plural resource name, when the request was about a resource. */
  readonly resource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly status: number;
  /** Value of the `User-Agent` header. */
  readonly userAgent: string;
}

/** Options of {@link K8sApiServer.dropWatches}. */
export interface DropWatchesOptions {
  /**
   * `destroy` resets the TCP connection (like a crashed proxy); `end` finishes the chunked
   * response cleanly (like the API server's watch timeout).
   * @default 'destroy'
   */
  readonly mode?: 'destroy' | 'end';
}

/** A running Kubernetes API test server. */
export interface K8sApiServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate (also the CA to trust). */
  readonly ca: string;
  /** The bearer token, or null when authentication is off. */
  readonly token: string | null;
  /** The objects, their history and compaction; mutations here are seen by watches like API writes. */
  readonly store: K8sObjectStore;
  /** Requests answered so far (bounded to the last 50 000). */
  readonly requests: readonly K8sApiRequestRecord[];
  /** Number of watch streams currently open. */
  readonly openWatches: number;
  /** Creates an object (type from apiVersion/kind). */
  create<T extends K8sObject>(obj: T): T;
  /** Replaces an object (409 on a stale resourceVersion when one is given). */
  update<T extends K8sObject>(obj: T): T;
  /** Replaces an object's status. */
  updateStatus<T extends K8sObject>(obj: T): T;
  /** Creates or replaces (ignoring resourceVersion). */
  apply<T extends K8sObject>(obj: T): T;
  /** Deletes an object; returns false when it did not exist. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** Reads an object, or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): K8sObject | undefined;
  /** Lists current objects of a kind (all namespaces unless one is given). */
  list(apiVersion: string, kind: string, namespace?: string): K8sObject[];
  /** Closes every open watch stream; returns how many were closed. */
  dropWatches(options?: DropWatchesOptions): number;
  /**
   * Sends every open watch an `ERROR` event with a 410 Expired status and closes it, as the
   * API server does when a watcher falls out of its watch cache window.
   */
  expireWatches(): number;
  /**
   * Keeps the open watch connections but stops sending them anything (no events, no
   * bookmarks): the "informer went quiet" failure. New watches are unaffected.
   */
  stallWatches(): number;
  /** Forgets the change history up to a resourceVersion (default: now): older watches and continues get 410. */
  compact(resourceVersion?: number): void;
  /** Closes the listener and every connection, waits `downMs`, and listens again on the same port. State is kept. */
  restart(options?: { readonly downMs?: number }): Promise<void>;
  /** Kubeconfig object (for `KubeConfig.loadFromString(JSON.stringify(...))`). */
  kubeconfig(options?: KubeconfigOptions): Record<string, unknown>;
  /** Writes a kubeconfig file (JSON, which kubectl and client-node read as YAML) and returns its path. */
  writeKubeconfig(path: string, options?: KubeconfigOptions): Promise<string>;
  /** Writes `token`, `ca.crt` and `namespace` as a pod's service account mount would have them. */
  writeServiceAccount(dir: string, namespace?: string): Promise<void>;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/** Options of the kubeconfig helpers. */
export interface KubeconfigOptions {
  /** @default 'default' */
  readonly namespace?: string;
  /** @default the server's token */
  readonly token?: string | null;
}

interface WatchStream {
  readonly res: ServerResponse;
  readonly type: K8sResourceType;
  readonly filter: K8sObjectFilter;
  stalled: boolean;
  bookmarkTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
  unsubscribe: () => void;
}

interface ListSnapshot {
  readonly items: K8sObject[];
  readonly resourceVersion: number;
}

interface ParsedPath {
  readonly type: K8sResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const MAX_BODY = 16 * 1024 * 1024;
const MAX_RECORDS = 50_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  if (String(req.headers['content-type'] ?? '').includes('protobuf')) {
    // client-go falls back to JSON when the server answers 415 to a protobuf body.
    req.resume();
    return Promise.reject(
      new K8sStatusError(415, 'UnsupportedMediaType', 'the test API server only speaks JSON'),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new K8sStatusError(413, 'RequestEntityTooLarge', 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (cause) {
        reject(new K8sStatusError(400, 'BadRequest', `request body is not JSON: ${String(cause)}`));
      }
    });
    req.on('error', reject);
  });
}

/** RFC 7386 JSON merge patch (also used for strategic merge patches, which it approximates). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parsePath(
  segments: readonly string[],
): { group: string; version: string; rest: string[] } | undefined {
  if (segments[0] === 'api' && segments.length >= 2) {
    return { group: '', version: segments[1] as string, rest: segments.slice(2) };
  }
  if (segments[0] === 'apis' && segments.length >= 3) {
    return { group: segments[1] as string, version: segments[2] as string, rest: segments.slice(3) };
  }
  return undefined;
}

function resolveResource(group: string, version: string, rest: readonly string[]): ParsedPath | undefined {
  const find = (plural: string | undefined): K8sResourceType | undefined =>
    plural === undefined ? undefined : findResourceType(group, version, plural);
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const type = find(rest[2]);
    if (!type?.namespaced || rest.length > 5) return undefined;
    return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const type = find(rest[0]);
  if (!type || rest.length > 3) return undefined;
  if (type.namespaced && rest.length > 1) return undefined;
  return { type, namespace: undefined, name: rest[1], subresource: rest[2] };
}

function listKind(t: K8sResourceType): string {
  return `${t.kind}List`;
}

function stripTypeMeta(o: K8sObject): K8sObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest as K8sObject;
}

/**
 * Starts an HTTPS server that speaks enough of the Kubernetes REST protocol for the router's
 * resources (Routes, Services, EndpointSlices, Namespaces, Secrets): discovery, list with
 * `limit`/`continue` chunking, watch with bookmarks and 410 Gone, label and field selectors,
 * create/update/patch/delete and the `status` subresource with optimistic concurrency.
 * Tests drive failure modes through {@link K8sApiServer} controls.
 *
 * @param options - see {@link K8sApiServerOptions}
 * @returns the running server
 * @example
 * ```ts
 * const api = await startK8sApiServer();
 * const kc = new KubeConfig();
 * kc.loadFromString(JSON.stringify(api.kubeconfig()));
 * ```
 */
export async function startK8sApiServer(options: K8sApiServerOptions = {}): Promise<K8sApiServer> {
  const pem = await apiServerCertificate();
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? randomBytes(16).toString('hex') : options.token;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
  const store = new K8sObjectStore({ historyLimit: options.historyLimit ?? 100_000 });
  const watches = new Set<WatchStream>();
  const snapshots = new Map<string, ListSnapshot>();
  const records: K8sApiRequestRecord[] = [];
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  let server: Server | undefined;
  let closed = false;

  function record(
    req: IncomingMessage,
    url: URL,
    verb: string,
    p: ParsedPath | undefined,
    status: number,
  ): void {
    records.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      verb,
      resource: p?.type.plural,
      namespace: p?.namespace,
      name: p?.name,
      status,
      userAgent: String(req.headers['user-agent'] ?? ''),
    });
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
  }

  function closeWatch(w: WatchStream): void {
    if (!watches.delete(w)) return;
    w.unsubscribe();
    clearInterval(w.bookmarkTimer);
    clearTimeout(w.timeoutTimer);
  }

  function writeEvent(w: WatchStream, type: string, object: unknown): void {
    if (w.stalled || w.res.destroyed || w.res.writableEnded) return;
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  function deliver(w: WatchStream, e: K8sHistoryEntry): void {
    if (e.resource !== w.type) return;
    const now = e.type !== 'DELETED' && matchesFilter(w.filter, e.object);
    const before = e.previous !== undefined && matchesFilter(w.filter, e.previous);
    if (e.type === 'DELETED') {
      if (before) writeEvent(w, 'DELETED', e.object);
    } else if (now && before) writeEvent(w, 'MODIFIED', e.object);
    else if (now) writeEvent(w, 'ADDED', e.object);
    else if (before) writeEvent(w, 'DELETED', e.object);
  }

  function handleWatch(
    req: IncomingMessage,
    res: ServerResponse,
    p: ParsedPath,
    url: URL,
    filter: K8sObjectFilter,
  ): void {
    const q = url.searchParams;
    const rvParam = q.get('resourceVersion') ?? '';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const w: WatchStream = {
      res,
      type: p.type,
      filter,
      stalled: false,
      bookmarkTimer: undefined,
      timeoutTimer: undefined,
      unsubscribe: () => {},
    };
    if (rvParam === '' || rvParam === '0') {
      for (const o of store.list(p.type, filter).items) writeEvent(w, 'ADDED', o);
    } else {
      const from = Number(rvParam);
      const changes = Number.isInteger(from) ? store.changesSince(p.type, from) : 'expired';
      if (changes === 'expired') {
        writeEvent(
          w,
          'ERROR',
          new K8sStatusError(
            410,
            'Expired',
            `too old resource version: ${rvParam} (${store.compactedResourceVersion})`,
          ).toStatus(),
        );
        res.end();
        return;
      }
      for (const e of changes) deliver(w, e);
    }
    watches.add(w);
    w.unsubscribe = store.subscribe((e) => deliver(w, e));
    if (q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1') {
      w.bookmarkTimer = setInterval(() => {
        writeEvent(w, 'BOOKMARK', {
          kind: p.type.kind,
          apiVersion: apiVersionOf(p.type),
          metadata: { resourceVersion: String(store.resourceVersion) },
        });
      }, bookmarkIntervalMs);
    }
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) {
      w.timeoutTimer = setTimeout(() => {
        closeWatch(w);
        res.end();
      }, timeoutSeconds * 1000);
    }
    const done = (): void => closeWatch(w);
    res.on('close', done);
    req.on('close', done);
  }

  function handleList(res: ServerResponse, p: ParsedPath, url: URL, filter: K8sObjectFilter): void {
    const q = url.searchParams;
    const limit = Number(q.get('limit') ?? '0');
    const cont = q.get('continue');
    let snap: ListSnapshot;
    let offset = 0;
    if (cont) {
      let parsed: { id?: string; offset?: number } = {};
      try {
        parsed = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as typeof parsed;
      } catch {
        throw new K8sStatusError(400, 'BadRequest', 'continue key is not valid');
      }
      const found = parsed.id ? snapshots.get(parsed.id) : undefined;
      if (!found || found.resourceVersion < store.compactedResourceVersion) {
        throw new K8sStatusError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      snap = found;
      offset = parsed.offset ?? 0;
    } else {
      const rv = q.get('resourceVersion');
      if (rv && rv !== '0' && q.get('resourceVersionMatch') === 'Exact') {
        const n = Number(rv);
        if (n < store.compactedResourceVersion || n !== store.resourceVersion) {
          throw new K8sStatusError(
            410,
            'Expired',
            `too old resource version: ${rv} (${store.compactedResourceVersion})`,
          );
        }
      }
      snap = store.list(p.type, filter);
    }
    const end = limit > 0 ? Math.min(snap.items.length, offset + limit) : snap.items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(snap.resourceVersion) };
    if (end < snap.items.length) {
      const id = cont
        ? (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { id: string }).id
        : randomBytes(8).toString('hex');
      snapshots.set(id, snap);
      if (snapshots.size > 200) snapshots.delete(snapshots.keys().next().value as string);
      metadata.continue = Buffer.from(JSON.stringify({ id, offset: end })).toString('base64url');
      metadata.remainingItemCount = snap.items.length - end;
    }
    sendJson(res, 200, {
      kind: listKind(p.type),
      apiVersion: apiVersionOf(p.type),
      metadata,
      items: snap.items.slice(offset, end).map(stripTypeMeta),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const segments = url.pathname
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent);
    let verb = 'other';
    let parsed: ParsedPath | undefined;
    try {
      if (token !== null && req.headers.authorization !== `Bearer ${token}`) {
        throw new K8sStatusError(401, 'Unauthorized', 'Unauthorized');
      }
      const method = req.method ?? 'GET';
      // Discovery.
      if (method === 'GET') {
        let doc: unknown;
        if (url.pathname === '/api') doc = coreVersionsDocument(`${host}:${port}`);
        else if (url.pathname === '/apis') doc = groupListDocument();
        else if (url.pathname === '/version') {
          doc = { major: '1', minor: '32', gitVersion: 'v1.32.0-switchyard-test', platform: 'linux/amd64' };
        } else if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez') {
          verb = 'discovery';
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          record(req, url, verb, undefined, 200);
          return;
        } else if (segments[0] === 'apis' && segments.length === 2)
          doc = groupDocument(segments[1] as string);
        else if (segments[0] === 'api' && segments.length === 2)
          doc = resourceListDocument('', segments[1] as string);
        else if (segments[0] === 'apis' && segments.length === 3) {
          doc = resourceListDocument(segments[1] as string, segments[2] as string);
        }
        if (doc !== undefined) {
          verb = 'discovery';
          sendJson(res, 200, doc);
          record(req, url, verb, undefined, 200);
          return;
        }
      }
      const gv = parsePath(segments);
      parsed = gv ? resolveResource(gv.group, gv.version, gv.rest) : undefined;
      if (!parsed)
        throw new K8sStatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      const p = parsed;
      if (p.subresource !== undefined && (p.subresource !== 'status' || !p.type.hasStatus)) {
        throw new K8sStatusError(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      }
      const q = url.searchParams;
      if (p.name === undefined) {
        if (method === 'GET') {
          let filter: K8sObjectFilter;
          try {
            filter = {
              namespace: p.namespace,
              labelSelector: parseLabelSelector(q.get('labelSelector')),
              fieldSelector: parseFieldSelector(q.get('fieldSelector')),
            };
          } catch (e) {
            if (e instanceof K8sLabelSelectorSyntaxError)
              throw new K8sStatusError(400, 'BadRequest', e.message);
            throw e;
          }
          if (q.get('watch') === 'true' || q.get('watch') === '1') {
            verb = 'watch';
            record(req, url, verb, p, 200);
            handleWatch(req, res, p, url, filter);
            return;
          }
          verb = 'list';
          handleList(res, p, url, filter);
          record(req, url, verb, p, 200);
          return;
        }
        if (method === 'POST') {
          verb = 'create';
          const body = (await readBody(req)) as K8sObject;
          const created = store.create(p.type, body, p.namespace);
          sendJson(res, 201, created);
          record(req, url, verb, p, 201);
          return;
        }
        throw new K8sStatusError(405, 'MethodNotAllowed', `method ${method} not allowed on a collection`);
      }
      const name = p.name;
      const status = p.subresource === 'status';
      let out: K8sObject;
      switch (method) {
        case 'GET':
          verb = 'get';
          out = store.get(p.type, p.namespace, name);
          break;
        case 'PUT': {
          verb = status ? 'update-status' : 'update';
          const body = (await readBody(req)) as K8sObject;
          if (
            !body ||
            typeof body !== 'object' ||
            typeof body.metadata !== 'object' ||
            body.metadata === null
          ) {
            throw new K8sStatusError(
              400,
              'BadRequest',
              `${p.type.kind} "${name}": body.metadata is required`,
            );
          }
          if (body.metadata.name !== undefined && body.metadata.name !== name) {
            throw new K8sStatusError(
              400,
              'BadRequest',
              `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
            );
          }
          const obj = { ...body, metadata: { ...body.metadata, name } };
          out = status
            ? store.updateStatus(p.type, obj, p.namespace)
            : store.update(p.type, obj, p.namespace);
          break;
        }
        case 'PATCH': {
          verb = 'patch';
          const ct = String(req.headers['content-type'] ?? '');
          if (ct.includes('json-patch')) {
            throw new K8sStatusError(
              415,
              'UnsupportedMediaType',
              'json-patch is not supported by the test server',
            );
          }
          const patch = await readBody(req);
          const cur = store.get(p.type, p.namespace, name);
          const merged = mergePatch(cur, patch) as K8sObject;
          merged.metadata = {
            ...merged.metadata,
            name,
            resourceVersion: cur.metadata.resourceVersion as string,
          };
          out = status
            ? store.updateStatus(p.type, merged, p.namespace)
            : store.update(p.type, merged, p.namespace);
          break;
        }
        case 'DELETE': {
          verb = 'delete';
          const body = (await readBody(req)) as { preconditions?: { resourceVersion?: string } } | undefined;
          out = store.delete(p.type, p.namespace, name, body?.preconditions?.resourceVersion);
          break;
        }
        default:
          throw new K8sStatusError(405, 'MethodNotAllowed', `method ${method} not allowed`);
      }
      sendJson(res, 200, out);
      record(req, url, verb, p, 200);
    } catch (e) {
      const err = e instanceof K8sStatusError ? e : new K8sStatusError(500, 'InternalError', String(e));
      if (!res.headersSent) sendJson(res, err.code, err.toStatus());
      else res.destroy();
      record(req, url, verb, parsed, err.code);
    }
  }

  async function listen(): Promise<void> {
    const s = createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
      void handle(req, res);
    });
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    s.on('tlsClientError', () => {});
    // The port may be briefly taken by another process after a restart: retry a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(port, host, () => {
            s.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const addr = s.address();
    if (addr && typeof addr === 'object') port = addr.port;
    server = s;
  }

  async function shutdown(): Promise<void> {
    for (const w of [...watches]) {
      closeWatch(w);
      w.res.destroy();
    }
    const s = server;
    server = undefined;
    if (!s) return;
    const done = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    await done;
  }

  await listen();
  const hostForUrl = host.includes(':') ? `[${host}]` : host;

  function typeFor(apiVersion: string, kind: string): K8sResourceType {
    return store.typeOf({ apiVersion, kind, metadata: {} });
  }

  const api: K8sApiServer = {
    get url() {
      return `https://${hostForUrl}:${port}`;
    },
    get port() {
      return port;
    },
    ca: pem.cert,
    token,
    store,
    get requests() {
      return records;
    },
    get openWatches() {
      return watches.size;
    },
    create: <T extends K8sObject>(obj: T): T => store.create(store.typeOf(obj), obj) as T,
    update: <T extends K8sObject>(obj: T): T => store.update(store.typeOf(obj), obj) as T,
    updateStatus: <T extends K8sObject>(obj: T): T => store.updateStatus(store.typeOf(obj), obj) as T,
    apply<T extends K8sObject>(obj: T): T {
      const t = store.typeOf(obj);
      const exists = store.find(t, obj.metadata.namespace, obj.metadata.name ?? '');
      const { resourceVersion: _rv, ...meta } = obj.metadata;
      const body = { ...obj, metadata: meta };
      return (exists ? store.update(t, body) : store.create(t, body)) as T;
    },
    remove(apiVersion, kind, namespace, name) {
      const t = typeFor(apiVersion, kind);
      if (!store.find(t, namespace, name)) return false;
      store.delete(t, namespace, name);
      return true;
    },
    get: (apiVersion, kind, namespace, name) => store.find(typeFor(apiVersion, kind), namespace, name),
    list: (apiVersion, kind, namespace) => store.list(typeFor(apiVersion, kind), { namespace }).items,
    dropWatches(opts = {}) {
      const all = [...watches];
      for (const w of all) {
        closeWatch(w);
        if (opts.mode === 'end') w.res.end();
        else w.res.destroy();
      }
      return all.length;
    },
    expireWatches() {
      const all = [...watches];
      for (const w of all) {
        w.stalled = false;
        writeEvent(w, 'ERROR', new K8sStatusError(410, 'Expired', 'too old resource version').toStatus());
        closeWatch(w);
        w.res.end();
      }
      return all.length;
    },
    stallWatches() {
      for (const w of watches) w.stalled = true;
      return watches.size;
    },
    compact(resourceVersion) {
      store.compact(resourceVersion);
    },
    async restart(opts = {}) {
      if (closed) throw new Error('k8s api test server: restart after close');
      await shutdown();
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await listen();
    },
    kubeconfig(opts = {}) {
      const tok = opts.token === undefined ? token : opts.token;
      return {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'switchyard-test',
            cluster: {
              server: api.url,
              'certificate-authority-data': Buffer.from(pem.cert).toString('base64'),
            },
          },
        ],
        users: [{ name: 'switchyard-test', user: tok ? { token: tok } : {} }],
        contexts: [
          {
            name: 'switchyard-test',
            context: {
              cluster: 'switchyard-test',
              user: 'switchyard-test',
              namespace: opts.namespace ?? 'default',
            },
          },
        ],
        'current-context': 'switchyard-test',
      };
    },
    async writeKubeconfig(path, opts = {}) {
      await writeFile(path, JSON.stringify(api.kubeconfig(opts), null, 2), { mode: 0o600 });
      return path;
    },
    async writeServiceAccount(dir, namespace = 'default') {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'token'), token ?? '');
      await writeFile(join(dir, 'ca.crt'), pem.cert);
      await writeFile(join(dir, 'namespace'), namespace);
    },
    async close() {
      closed = true;
      await shutdown();
    },
  };
  return api;
}
