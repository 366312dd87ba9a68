/**
 * OpenShift's naming helpers: route keys, backend names and the routing key (cookie) name.
 */
import type { RouteTermination } from './routing-table.ts';
import { md5hex } from './internal/util.ts';

/**
 * The route key used everywhere (`state` map, cert file names): `<namespace>:<name>`.
 *
 * @param namespace - the route's namespace
 * @param name - the route's name
 * @returns `namespace:name`
 */
export function routeKey(namespace: string, name: string): string {
  return `${namespace}:${name}`;
}

/**
 * OpenShift's `RoutingKeyName`: `hex(md5(" " + ns + ":" + name))`. The leading space is a quirk
 * kept on purpose (the TLS termination was still empty when upstream computed it), because the
 * value is the default sticky-cookie name and users' cookies must keep working.
 *
 * @param namespace - the route's namespace
 * @param name - the route's name
 * @returns 32 lower-case hex digits
 * @example routingKeyName('ns1', 'route1') // 'fff122aff563dd80a54a14181ab7c993'
 */
export function routingKeyName(namespace: string, name: string): string {
  return md5hex(` ${namespace}:${name}`);
}

/**
 * `GenerateBackendNamePrefix`: the HAProxy backend prefix of a termination.
 *
 * @param termination - the route termination (`none` is plain HTTP)
 * @returns `be_http`, `be_edge_http`, `be_secure` or `be_tcp`
 */
export function backendNamePrefix(termination: RouteTermination | string): string {
  switch (termination) {
    case 'edge':
      return 'be_edge_http';
    case 'reencrypt':
      return 'be_secure';
    case 'passthrough':
      return 'be_tcp';
    default:
      return 'be_http';
  }
}

/**
 * The HAProxy backend name of a route: `<prefix>:<ns>:<name>`.
 *
 * @param termination - the route termination (`none`, `''` or unknown give `be_http`)
 * @param namespace - the route's namespace
 * @param name - the route's name
 * @returns e.g. `be_edge_http:default:myroute`
 */
export function backendName(termination: RouteTermination | string, namespace: string, name: string): string {
  return `${backendNamePrefix(termination)}:${namespace}:${name}`;
}
