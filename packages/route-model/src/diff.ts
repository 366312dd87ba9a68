/**
 * Differences between two routing tables, split so a data plane knows what needs a reload.
 */
import type { RouteEntry, RoutingTable, RoutingTableDiff } from './routing-table.ts';
import { deepEqual } from './internal/util.ts';
import { PersistentMap } from './persistent-map.ts';

function sameExceptServers(a: RouteEntry, b: RouteEntry): boolean {
  if (a.serviceUnits.length !== b.serviceUnits.length) return false;
  for (let i = 0; i < a.serviceUnits.length; i++) {
    const ua = a.serviceUnits[i]!;
    const ub = b.serviceUnits[i]!;
    if (ua.key !== ub.key || ua.weight !== ub.weight) return false;
  }
  const { serviceUnits: _a, activeEndpoints: _ae, ...restA } = a;
  const { serviceUnits: _b, activeEndpoints: _be, ...restB } = b;
  return deepEqual(restA, restB);
}

/**
 * How one entry changed between two tables: `undefined` when it did not.
 *
 * @param a - the entry before (undefined if absent)
 * @param b - the entry after (undefined if absent)
 * @returns the diff list the key belongs to
 */
export function classifyEntryChange(
  a: RouteEntry | undefined,
  b: RouteEntry | undefined,
): keyof RoutingTableDiff | undefined {
  if (a === b) return undefined;
  if (a === undefined) return 'added';
  if (b === undefined) return 'removed';
  if (deepEqual(a, b)) return undefined;
  return sameExceptServers(a, b) ? 'serversOnly' : 'changed';
}

/**
 * Compares two tables. A route whose entry is the same object in both is unchanged without
 * further work (the store keeps identity), so a diff costs in proportion to what changed plus
 * one pass over the keys.
 *
 * @param prev - the older table
 * @param next - the newer table
 * @returns sorted keys added, removed, changed, and changed only in servers or server weights
 * @example
 * const { serversOnly, changed } = diffRoutingTables(before, after);
 */
export function diffRoutingTables(prev: RoutingTable, next: RoutingTable): RoutingTableDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const serversOnly: string[] = [];
  if (prev === next) return { added, removed, changed, serversOnly };
  const out = { added, removed, changed, serversOnly };
  // Versions of one store share structure: only look at the parts that differ.
  const keys =
    prev.routes instanceof PersistentMap && next.routes instanceof PersistentMap
      ? prev.routes.changedKeys(next.routes)
      : new Set([...prev.routes.keys(), ...next.routes.keys()]);
  for (const k of keys) {
    const kind = classifyEntryChange(prev.routes.get(k), next.routes.get(k));
    if (kind !== undefined) out[kind].push(k);
  }
  const sort = (x: string[]): string[] => x.sort();
  return {
    added: sort(added),
    removed: sort(removed),
    changed: sort(changed),
    serversOnly: sort(serversOnly),
  };
}
