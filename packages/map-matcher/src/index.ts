export { isMapMatcherError, MapMatcherError } from './errors.ts';
export type { MapMatcherErrorCode, MapMatcherErrorOptions } from './errors.ts';
export { domainForHost, quoteMeta, routeRegexp, sniRegexp } from './route-regexp.ts';
export { compareBytes, compareMapLines, sortMapLines, WILDCARD_LINE_PREFIX } from './sort.ts';
export { lowerAscii, requestKey } from './request-key.ts';
export { DEFAULT_MAX_LINE_BYTES, formatMapFile, parseMapFile } from './map-file.ts';
export type { MapEntry, MapFileProblem, ParsedMapFile, ParseMapFileOptions } from './map-file.ts';
