/**
 * The one seam between this runtime and `@switchyard/map-matcher`: key generation, map order,
 * the request key and compiled `map_reg` lookups all come from map-matcher, so the native
 * engine evaluates exactly the entries the HAProxy engine writes to its map files.
 */
import {
  compileMap,
  requestKey as mmRequestKey,
  routeRegexp,
  sniRegexp,
  sortMapLines,
} from '@switchyard/map-matcher';
import type { MapLine, MapLookup } from './maps.ts';

/** OpenShift's GenerateRouteRegexp. @internal */
export function routeKey(host: string, path: string, wildcard: boolean): string {
  return routeRegexp(host, path, wildcard);
}

/** OpenShift's GenerateSNIRegexp. @internal */
export function sniKey(host: string, wildcard: boolean): string {
  return sniRegexp(host, wildcard);
}

/** OpenShift's SortMapPaths over whole `key value` lines. @internal */
export function sortLines(lines: readonly MapLine[]): MapLine[] {
  const byLine = new Map<string, MapLine>();
  for (const l of lines) byLine.set(`${l.key} ${l.value}`, l);
  return sortMapLines([...byLine.keys()]).map((s) => byLine.get(s) as MapLine);
}

/** HAProxy `base`: ASCII-lower-cased Host followed by the path without its query. @internal */
export function requestKey(host: string, path: string): string {
  return mmRequestKey(host, path);
}

/** A `map_reg` lookup over lines already in file order (first match wins). @internal */
export function compileRegMap(lines: readonly MapLine[]): MapLookup {
  const map = compileMap(
    lines.map((l) => ({ key: l.key, value: l.value })),
    { match: 'reg', onInvalid: 'skip' },
  );
  return { lookup: (input: string) => map.lookup(input) };
}
