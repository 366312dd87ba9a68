/** A `map_reg` key recognised as one OpenShift generates, so it can be indexed. */
export type ParsedKey =
  | { kind: 'route'; wildcard: boolean; host: string; path: string }
  | { kind: 'sni'; wildcard: boolean; host: string };

const HOST_END = '\\.?(:[0-9]+)?';
const WILD = '[^\\.]*';
const QUOTED = new Set('\\.+*?()|[]{}^$');
const PATH_ESCAPES: Record<string, string> = { x20: ' ', t: '\t', r: '\r', n: '\n' };

/** Reverses QuoteMeta (plus the path-only escapes when `path`); undefined if not a quoted string. */
function unquote(re: string, path: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i] as string;
    if (c !== '\\') {
      // An unescaped metacharacter means this is not QuoteMeta output.
      if (QUOTED.has(c)) return undefined;
      out += c;
      continue;
    }
    const n = re[i + 1];
    if (n === undefined) return undefined;
    if (QUOTED.has(n)) {
      out += n;
      i++;
    } else if (path && re.startsWith('x20', i + 1)) {
      out += ' ';
      i += 3;
    } else if (path && PATH_ESCAPES[n] !== undefined && n !== 'x') {
      out += PATH_ESCAPES[n];
      i++;
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * Recognises a key produced by `routeRegexp` or `sniRegexp` whose host (or wildcard domain)
 * can be located in any input without running the regex: no `/`, `:` or LF in it, and a path
 * that is empty or starts with `/`. A recognised key is exactly what `routeRegexp` or
 * `sniRegexp` would generate from the parsed host and path, so it means exactly what the index
 * does with it.
 */
export function parseOpenShiftKey(key: string): ParsedKey | undefined {
  if (key.charCodeAt(0) !== 0x5e /* ^ */ || !key.endsWith('$')) return undefined;
  const he = key.indexOf(HOST_END);
  if (he !== -1) return parseRouteKey(key, he);
  return parseSniKey(key);
}

function splitHost(hostRE: string): { wildcard: boolean; host: string } | undefined {
  if (hostRE.startsWith(WILD)) {
    const dotDomain = unquote(hostRE.slice(WILD.length), false);
    if (dotDomain === undefined || dotDomain.charCodeAt(0) !== 0x2e) return undefined;
    return { wildcard: true, host: dotDomain.slice(1) };
  }
  const host = unquote(hostRE, false);
  return host === undefined ? undefined : { wildcard: false, host };
}

// The checks below accept exactly the keys routeRegexp generates (a property test regenerates
// every accepted key to prove it) without paying for the regeneration on each of 100 000 keys.
function parseRouteKey(key: string, he: number): ParsedKey | undefined {
  let subLen: number;
  let slashSuffix: boolean;
  if (key.endsWith('(/.*)?$')) {
    subLen = 7;
    slashSuffix = false;
  } else if (key.endsWith('(.*)?$')) {
    subLen = 6;
    slashSuffix = true;
  } else return undefined;
  const h = splitHost(key.slice(1, he));
  if (h === undefined || /[/:\n]/.test(h.host)) return undefined;
  // A wildcard key needs a domain (routeRegexp ignores the flag without one).
  if (h.wildcard && h.host === '') return undefined;
  const pathRE = key.slice(he + HOST_END.length, key.length - subLen);
  // routeRegexp writes these four as escapes in a path, never raw.
  if (/[ \t\r\n]/.test(pathRE)) return undefined;
  const path = unquote(pathRE, true);
  if (path === undefined) return undefined;
  if (path === '') {
    if (slashSuffix) return undefined;
  } else {
    if (path.charCodeAt(0) !== 0x2f || /^\/*$/.test(path)) return undefined;
    if (path.endsWith('/') !== slashSuffix) return undefined;
  }
  return { kind: 'route', wildcard: h.wildcard, host: h.host, path };
}

function parseSniKey(key: string): ParsedKey | undefined {
  const h = splitHost(key.slice(1, -1));
  if (h === undefined || h.host.includes('\n')) return undefined;
  if (h.wildcard && h.host === '') return undefined;
  return { kind: 'sni', wildcard: h.wildcard, host: h.host };
}
