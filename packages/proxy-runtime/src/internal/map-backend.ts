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

/** A `map_reg` map that can change in place. */
export interface MutableRegMap extends MapLookup {
  add(line: MapLine): void;
  remove(key: string, value: string): void;
}

/**
 * An empty `map_reg` map whose entries rank as in OpenShift's sorted map file (first match
 * wins), with add/remove. @internal
 */
export function createRegMap(): MutableRegMap {
  const map = compileMap([], { match: 'reg', order: 'openshift', onInvalid: 'skip' });
  return {
    lookup: (input: string) => map.lookup(input),
    add: (line: MapLine) => {
      try {
        map.add({ key: line.key, value: line.value });
      } catch {
        // A key PCRE2 would reject: HAProxy would refuse the whole map; we leave the line out.
      }
    },
    remove: (key: string, value: string) => {
      map.remove(key, value);
    },
  };
}
