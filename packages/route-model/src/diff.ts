/**
 * Differences between two routing tables, split so a data plane knows what needs a reload.
 */
import type { RouteEntry, RoutingTable, RoutingTableDiff } from './routing-table.ts';
import { deepEqual } from './internal/util.ts';

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
  for (const [k, b] of next.routes) {
    const a = prev.routes.get(k);
    if (a === undefined) added.push(k);
    else if (a !== b && !deepEqual(a, b)) {
      if (sameExceptServers(a, b)) serversOnly.push(k);
      else changed.push(k);
    }
  }
  for (const k of prev.routes.keys()) if (!next.routes.has(k)) removed.push(k);
  const sort = (x: string[]): string[] => x.sort();
  return {
    added: sort(added),
    removed: sort(removed),
    changed: sort(changed),
    serversOnly: sort(serversOnly),
  };
}
