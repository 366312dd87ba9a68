/**
 * A compiled, immutable view of one RoutingTable: the maps, the backends and the certificate
 * index. `update()` builds a new one and swaps a single reference, so a request sees either
 * the old or the new routing, never a mix.
 */
import type { RoutingTable } from '@switchyard/route-model';
import type { ResolvedOptions } from '../options.ts';
import { type BackendState, buildBackend, type ServerState, serverStateKey } from './backends.ts';
import { buildCertIndex, type CertIndex, type SecureContextCache } from './certs.ts';
import { IncrementalMaps, type RuntimeMaps } from './maps.ts';

/** One compiled table. */
export interface RuntimeState {
  readonly table: RoutingTable;
  readonly maps: RuntimeMaps;
  /** `maps.httpRedirect` has a line with value `1` (else its lookup is skipped). */
  readonly anyRedirect: boolean;
  readonly backends: ReadonlyMap<string, BackendState>;
  readonly certs: CertIndex;
  /** Server state objects by {@link serverStateKey}, for the next update. */
  readonly servers: ReadonlyMap<string, ServerState>;
}

/**
 * Compiles a table, reusing unchanged backends (same RouteEntry object) and server states.
 * @internal
 */
export function compileState(
  table: RoutingTable,
  options: ResolvedOptions,
  previous: RuntimeState | undefined,
  contexts: SecureContextCache,
  onCertError: (routeKey: string, error: unknown) => void,
): RuntimeState {
  const backends = new Map<string, BackendState>();
  const servers = new Map<string, ServerState>();
  for (const r of table.routes.values()) {
    const old = previous?.backends.get(r.backendName);
    const be = old && old.route === r ? old : buildBackend(r, options, previous?.servers, old);
    backends.set(be.name, be);
    for (const s of be.servers) servers.set(serverStateKey(s), s);
  }
  if (previous) {
    // Servers that left the table finish their in-flight work but take nothing new.
    for (const [k, s] of previous.servers) if (!servers.has(k)) s.draining = true;
  }
  const certs = buildCertIndex(
    table,
    options.defaultCertificate,
    options.disableHttp2,
    contexts,
    onCertError,
  );
  contexts.sweep();
  // Last, after everything that could throw: the maps object is shared with the previous state.
  const maps = previous?.maps instanceof IncrementalMaps ? previous.maps : new IncrementalMaps();
  maps.sync(table);
  return { table, maps, anyRedirect: maps.anyRedirect, backends, certs, servers };
}

/** An empty table. @internal */
export const EMPTY_TABLE: RoutingTable = { routes: new Map() };
