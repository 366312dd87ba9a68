/**
 * `workers: n`: the primary binds the listening sockets and hands the same sockets to n child
 * processes (child_process `send` with a server handle), each running a full data plane; the
 * kernel spreads accepted connections over them. The primary keeps the control plane: it
 * broadcasts tables (advanced serialisation keeps the Map), sums metrics and relays access logs.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RoutingTable } from '@switchyard/route-model';
import { ProxyRuntimeError } from '../errors.ts';
import type { ProxyRuntimeOptions, ResolvedOptions } from '../options.ts';
import type { ProxyRuntime, ProxyRuntimeAddresses } from '../runtime.ts';
import { type MetricsSnapshot, mergeSnapshots, renderPrometheus } from './metrics.ts';
import { validateTable } from './validate.ts';

/** Messages from the primary to a worker. @internal */
export type ToWorker =
  | {
      type: 'init';
      options: Omit<ProxyRuntimeOptions, 'onAccessLog' | 'workers' | 'table'>;
      table: RoutingTable;
      log: boolean;
    }
  | { type: 'listen'; which: 'http' | 'tls' }
  | { type: 'start' }
  | { type: 'update'; id: number; table: RoutingTable }
  | { type: 'metrics'; id: number }
  | { type: 'close'; graceMs: number };

/** Messages from a worker to the primary. @internal */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'updated'; id: number }
  | { type: 'metrics'; id: number; snapshot: MetricsSnapshot }
  | { type: 'log'; entry: import('../access-log.ts').AccessLogEntry }
  | { type: 'error'; message: string };

function workerEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const require = createRequire(here);
    return {
      path: fileURLToPath(new URL('./worker-entry.ts', here)),
      execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href, '--conditions=development'],
    };
  }
  return { path: fileURLToPath(new URL('./internal/worker-entry.mjs', here)), execArgv: [] };
}

/** A table whose routes are a plain Map, which structured clone carries (custom maps it does not). */
function plainTable(table: RoutingTable): RoutingTable {
  return { routes: new Map(table.routes) };
}

function waitFor<T extends FromWorker['type']>(
  child: ChildProcess,
  type: T,
  pred: (m: Extract<FromWorker, { type: T }>) => boolean = () => true,
): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: FromWorker): void => {
      if (m.type === 'error') {
        cleanup();
        reject(new ProxyRuntimeError('ERR_PROXY_RUNTIME_WORKER', `worker ${child.pid}: ${m.message}`));
      } else if (m.type === type && pred(m as Extract<FromWorker, { type: T }>)) {
        cleanup();
        resolve(m as Extract<FromWorker, { type: T }>);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new ProxyRuntimeError('ERR_PROXY_RUNTIME_WORKER', `worker ${child.pid} exited with ${code}`));
    };
    const cleanup = (): void => {
      child.off('message', onMsg);
      child.off('exit', onExit);
    };
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

async function bindShared(host: string, port: number, ipv6Only: boolean): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  try {
    server.listen({ host, port, ipv6Only });
    await once(server, 'listening');
  } catch (cause) {
    throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_LISTEN', `listen: cannot bind ${host}:${port}`, { cause });
  }
  return server;
}

/** The multi-process runtime (primary side). @internal */
export function createClusteredRuntime(
  resolved: ResolvedOptions,
  options: ProxyRuntimeOptions,
  initial: RoutingTable,
): ProxyRuntime {
  const { onAccessLog, workers: _w, table: _t, ...rest } = options;
  let table = initial;
  let children: ChildProcess[] = [];
  let addresses: ProxyRuntimeAddresses = { httpPort: undefined, httpsPort: undefined };
  let phase: 'new' | 'listening' | 'closed' = 'new';
  let seq = 0;
  return {
    async listen() {
      if (phase !== 'new')
        throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_STATE', 'listen: already listening or closed');
      phase = 'listening';
      const http =
        resolved.httpPort === false
          ? undefined
          : await bindShared(resolved.host, resolved.httpPort, resolved.ipv6Only);
      const tls =
        resolved.httpsPort === false
          ? undefined
          : await bindShared(resolved.host, resolved.httpsPort, resolved.ipv6Only);
      addresses = {
        httpPort: http ? (http.address() as AddressInfo).port : undefined,
        httpsPort: tls ? (tls.address() as AddressInfo).port : undefined,
      };
      const entry = workerEntry();
      for (let i = 0; i < resolved.workers; i++) {
        const child = fork(entry.path, [], {
          execArgv: entry.execArgv,
          serialization: 'advanced',
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        child.on('message', (m: FromWorker) => {
          if (m.type === 'log' && onAccessLog) {
            try {
              onAccessLog({ ...m.entry, worker: i });
            } catch {
              // a broken sink must not break the runtime
            }
          }
        });
        children.push(child);
        // A worker that dies is not replaced (the primary no longer holds the listening
        // sockets); the others keep serving, and updates and metrics skip it.
        child.once('exit', () => {
          children = children.filter((c) => c !== child);
        });
        const ready = waitFor(child, 'ready');
        child.send({
          type: 'init',
          options: rest,
          table: plainTable(table),
          log: onAccessLog !== undefined,
        } satisfies ToWorker);
        await ready;
        if (http) child.send({ type: 'listen', which: 'http' } satisfies ToWorker, http);
        if (tls) child.send({ type: 'listen', which: 'tls' } satisfies ToWorker, tls);
        const started = waitFor(child, 'started');
        child.send({ type: 'start' } satisfies ToWorker);
        await started;
      }
      // The children hold their own copies of the listening sockets; the primary stops accepting.
      http?.close();
      tls?.close();
      return addresses;
    },
    async update(next) {
      if (phase === 'closed')
        throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_STATE', 'update: the runtime is closed');
      table = validateTable(next);
      if (phase === 'listening' && children.length === 0)
        throw new ProxyRuntimeError('ERR_PROXY_RUNTIME_WORKER', 'update: every worker process has exited');
      const id = ++seq;
      const plain = plainTable(table);
      await Promise.all(
        children.map((c) => {
          const done = waitFor(c, 'updated', (m) => m.id === id);
          c.send({ type: 'update', id, table: plain } satisfies ToWorker);
          return done;
        }),
      );
    },
    async close(opts) {
      if (phase === 'closed') return;
      phase = 'closed';
      const graceMs = opts?.graceMs ?? 10_000;
      await Promise.all(
        children.map(async (c) => {
          if (c.exitCode !== null) return;
          const exited = once(c, 'exit');
          c.send({ type: 'close', graceMs } satisfies ToWorker);
          const t = setTimeout(() => c.kill('SIGKILL'), graceMs + 5_000);
          await exited;
          clearTimeout(t);
        }),
      );
      children = [];
    },
    async metrics() {
      const id = ++seq;
      const snaps = await Promise.all(
        children.map((c) => {
          const got = waitFor(c, 'metrics', (m) => m.id === id);
          c.send({ type: 'metrics', id } satisfies ToWorker);
          return got.then((m) => m.snapshot);
        }),
      );
      return renderPrometheus(mergeSnapshots(snaps));
    },
    get addresses() {
      return addresses;
    },
    get table() {
      return table;
    },
  };
}
