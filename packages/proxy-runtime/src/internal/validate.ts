/** Checks that a value is shaped like a RoutingTable before it is compiled. */
import type { RoutingTable } from '@switchyard/route-model';
import { ProxyRuntimeError } from '../errors.ts';

/**
 * @internal
 * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_INVALID_TABLE` naming the field
 */
export function validateTable(table: unknown): RoutingTable {
  const routes = (table as { routes?: unknown } | null)?.routes as ReadonlyMap<string, unknown> | undefined;
  if (
    typeof table !== 'object' ||
    table === null ||
    typeof routes !== 'object' ||
    routes === null ||
    typeof routes.get !== 'function' ||
    typeof routes.values !== 'function' ||
    typeof (routes as unknown as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new ProxyRuntimeError(
      'ERR_PROXY_RUNTIME_INVALID_TABLE',
      'update(table): table.routes must be a ReadonlyMap of RouteEntry keyed "<namespace>:<name>"',
    );
  }
  for (const [key, r] of (table as RoutingTable).routes) {
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.backendName !== 'string' ||
      typeof r.host !== 'string'
    )
      throw new ProxyRuntimeError(
        'ERR_PROXY_RUNTIME_INVALID_TABLE',
        `update(table): table.routes["${key}"] must be a RouteEntry with host and backendName`,
      );
    if (!Array.isArray(r.serviceUnits))
      throw new ProxyRuntimeError(
        'ERR_PROXY_RUNTIME_INVALID_TABLE',
        `update(table): table.routes["${key}"].serviceUnits must be an array`,
      );
  }
  return table as RoutingTable;
}
