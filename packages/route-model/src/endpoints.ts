/**
 * From EndpointSlices to servers (reference §3.2): slice aggregation per service, ready filtering,
 * restricted addresses, OpenShift's ordering, server IDs and md5 cookie hashes, idled services.
 */
import { isIP } from 'node:net';
import type { ServerEntry } from './routing-table.ts';
import type { EndpointSlice, Service } from './types.ts';
import { md5hex } from './internal/util.ts';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Options of {@link resolveServiceEndpoints}. */
export interface EndpointOptions {
  /**
   * Keep loopback addresses (127.0.0.0/8, ::1), which OpenShift always drops. For local use:
   * demo backends listen on 127.0.0.1.
   * @default false
   */
  readonly allowLoopbackEndpoints?: boolean;
  /**
   * Keep UDP ports (`--include-udp-endpoints`).
   * @default false
   */
  readonly includeUdpEndpoints?: boolean;
}

/**
 * Parses an IP address into Go's 16-byte form (IPv4 as `::ffff:a.b.c.d`).
 *
 * @param ip - IPv4 or IPv6 text
 * @returns 16 bytes, or undefined if not an IP address
 */
export function ipToBytes(ip: string): Uint8Array | undefined {
  const family = isIP(ip);
  if (family === 0) return undefined;
  const out = new Uint8Array(16);
  if (family === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    ip.split('.').forEach((p, i) => {
      out[12 + i] = Number(p);
    });
    return out;
  }
  let text = ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const b = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [
          ...headGroups,
          ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'),
          ...restGroups,
        ];
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

function isRestrictedV4(a: number, b: number, c: number, d: number, allowLoopback: boolean): boolean {
  if (a === 0 && b === 0 && c === 0 && d === 0) return true; // unspecified
  if (a === 127) return !allowLoopback; // loopback
  if (a === 169 && b === 254) return true; // link-local unicast
  if (a >= 224 && a <= 239) return true; // multicast
  if (a === 168 && b === 63 && c === 129 && d === 16) return true; // Azure wire server
  return false;
}

/**
 * Is this endpoint address one the router never routes to (OpenShift's ExtendedValidator)?
 * Unparsable, unspecified, loopback, link-local unicast, multicast, Azure `168.63.129.16` and AWS
 * `fd00:ec2::254`, also inside IPv4-mapped and IPv4-compatible IPv6 forms.
 *
 * @param ip - the address text
 * @param allowLoopback - let loopback addresses through (local use)
 * @returns true if the address must be dropped
 */
export function isRestrictedAddress(ip: string, allowLoopback = false): boolean {
  return isRestrictedBytes(ipToBytes(ip), allowLoopback);
}

let awsMetadata: Uint8Array | undefined;

function isRestrictedBytes(bytes: Uint8Array | undefined, allowLoopback: boolean): boolean {
  if (!bytes) return true;
  let zero10 = true;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) zero10 = false;
  const isV4Mapped = zero10 && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return isRestrictedV4(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!, allowLoopback);
  // IPv6 proper.
  let allZero = true;
  for (let i = 0; i < 16; i++) if (bytes[i] !== 0) allZero = false;
  if (allZero) return true; // ::
  let loop = true;
  for (let i = 0; i < 15; i++) if (bytes[i] !== 0) loop = false;
  if (loop && bytes[15] === 1) return !allowLoopback; // ::1, checked before extraction
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return true; // fe80::/10
  if (bytes[0] === 0xff) return true; // multicast
  awsMetadata ??= ipToBytes('fd00:ec2::254')!;
  const aws = awsMetadata;
  if (bytes.every((v, i) => v === aws[i])) return true;
  // IPv4-compatible (::a.b.c.d): check the embedded address.
  if (zero10 && bytes[10] === 0 && bytes[11] === 0) {
    return isRestrictedV4(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!, allowLoopback);
  }
  return false;
}

function compareIpBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Address {
  ip: string;
  bytes: Uint8Array | undefined;
  hostname: string;
  targetKind: string | undefined;
  targetName: string | undefined;
}

interface Subset {
  addresses: Address[];
  ports: { name: string; port: number; protocol: string; appProtocol: string | undefined }[];
}

function sliceToSubset(slice: EndpointSlice, options: EndpointOptions): Subset | undefined {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return undefined;
  const addresses: Address[] = [];
  for (const ep of slice.endpoints ?? []) {
    // nil ready counts as ready; serving and terminating are ignored.
    if (ep?.conditions?.ready === false) continue;
    for (const ip of ep.addresses ?? []) {
      if (typeof ip !== 'string') continue;
      const bytes = ipToBytes(ip);
      if (isRestrictedBytes(bytes, options.allowLoopbackEndpoints === true)) continue;
      addresses.push({
        ip,
        bytes,
        hostname: ep.hostname ?? '',
        targetKind: ep.targetRef?.kind,
        targetName: ep.targetRef?.name,
      });
    }
  }
  addresses.sort((a, b) => compareIpBytes(a.bytes, b.bytes) || cmp(a.hostname, b.hostname));
  const ports: Subset['ports'] = [];
  for (const p of slice.ports ?? []) {
    if (!p) continue;
    // As ConvertEndpointSlice: a nil port becomes 0, a nil protocol "".
    ports.push({
      name: p.name ?? '',
      port: typeof p.port === 'number' ? p.port : 0,
      protocol: p.protocol ?? '',
      appProtocol: p.appProtocol,
    });
  }
  ports.sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol) || cmp(a.name, b.name));
  return { addresses, ports };
}

function makeServer(
  serviceName: string,
  addr: { ip: string; targetKind: string | undefined; targetName: string | undefined },
  port: { name: string; port: number; appProtocol: string | undefined },
  noHealthCheck: boolean,
): ServerEntry {
  const id =
    addr.targetKind === 'Pod' && addr.targetName !== undefined
      ? `pod:${addr.targetName}:${serviceName}:${port.name}:${addr.ip}:${port.port}`
      : `ept:${serviceName}:${port.name}:${addr.ip}:${port.port}`;
  const server: { -readonly [K in keyof ServerEntry]: ServerEntry[K] } = {
    id,
    idHash: md5hex(id),
    ip: addr.ip,
    port: port.port,
    portName: port.name,
    noHealthCheck,
  };
  if (port.appProtocol !== undefined) server.appProtocol = port.appProtocol;
  return server;
}

/**
 * All servers of one service, in OpenShift's order: slices sorted by name, then per slice
 * port-major (ports by number, protocol, name), then addresses (16-byte IP order, hostname).
 * Not-ready and restricted addresses are dropped, UDP ports skipped, duplicate IDs removed. A
 * service with no ready address and the `idling.alpha.openshift.io/idled-at` annotation gets one
 * server per Service port at its ClusterIP, without health checks.
 *
 * @param serviceName - the Service name (server IDs carry it)
 * @param slices - the service's EndpointSlices (any order)
 * @param service - the Service, if known (needed only for idled services)
 * @param options - loopback and UDP handling
 * @returns servers for every port; routes filter them by `targetPort`
 */
export function resolveServiceEndpoints(
  serviceName: string,
  slices: readonly EndpointSlice[],
  service: Service | undefined,
  options: EndpointOptions = {},
): ServerEntry[] {
  const sorted = [...slices].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  let subsets: Subset[] = [];
  for (const s of sorted) {
    const sub = sliceToSubset(s, options);
    if (sub) subsets.push(sub);
  }
  let idled = false;
  if (!subsets.some((s) => s.addresses.length > 0) && service) {
    const idledAt = service.metadata?.annotations?.['idling.alpha.openshift.io/idled-at'];
    const clusterIP = service.spec?.clusterIP;
    if (idledAt && clusterIP && clusterIP !== 'None') {
      subsets = [
        {
          addresses: [
            {
              ip: clusterIP,
              bytes: ipToBytes(clusterIP),
              hostname: '',
              targetKind: undefined,
              targetName: undefined,
            },
          ],
          ports: (service.spec?.ports ?? []).map((p) => ({
            name: p.name ?? '',
            port: p.port,
            protocol: p.protocol ?? 'TCP',
            appProtocol: undefined,
          })),
        },
      ];
      idled = true;
    }
  }
  const out: ServerEntry[] = [];
  const seen = new Set<string>();
  for (const s of subsets) {
    for (const p of s.ports) {
      if (p.protocol === 'UDP' && options.includeUdpEndpoints !== true) continue;
      for (const a of s.addresses) {
        const server = makeServer(serviceName, a, p, idled);
        if (seen.has(server.id)) continue;
        seen.add(server.id);
        out.push(server);
      }
    }
  }
  return out;
}

/**
 * OpenShift's `endpointsForAlias`: with no preferred port every server is used; otherwise those
 * whose port name equals it (a string `targetPort` names the Service port) or whose port number
 * equals it (an int `targetPort` is the endpoint's port).
 *
 * @param servers - all servers of a service
 * @param preferPort - `spec.port.targetPort` as a string, or ""
 * @returns the matching servers (the same array when nothing is filtered)
 */
export function filterServersByPort(
  servers: readonly ServerEntry[],
  preferPort: string,
): readonly ServerEntry[] {
  if (preferPort === '') return servers;
  return servers.filter((s) => s.portName === preferPort || String(s.port) === preferPort);
}

type Checker = (v: unknown) => boolean;
const absent = (v: unknown): boolean => v === undefined || v === null;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optString: Checker = (v) => absent(v) || typeof v === 'string';
const optNumber: Checker = (v) => absent(v) || (typeof v === 'number' && Number.isFinite(v));
const optStringMap: Checker = (v) =>
  absent(v) || (isObj(v) && Object.values(v).every((x) => typeof x === 'string'));

/** First field of `o` (under `prefix`) that fails its check, as `field: Invalid value: ...`. */
function firstBadField(
  o: Record<string, unknown>,
  prefix: string,
  checks: readonly [string, Checker, string][],
): string | undefined {
  for (const [field, check, what] of checks) {
    if (!check(o[field])) return `${prefix}${field}: Invalid value: must be ${what}`;
  }
  return undefined;
}

function listProblem(
  list: unknown,
  field: string,
  item: (o: Record<string, unknown>, prefix: string) => string | undefined,
): string | undefined {
  if (absent(list)) return undefined;
  if (!Array.isArray(list)) return `${field}: Invalid value: must be a list`;
  for (const [i, x] of list.entries()) {
    if (!isObj(x)) return `${field}[${i}]: Invalid value: must be an object`;
    const p = item(x, `${field}[${i}].`);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * The first field of an EndpointSlice that endpoint resolution reads and that has the wrong JSON
 * type (objects from files skip the API server's schema); undefined when the slice is usable.
 *
 * @param slice - the object as received
 * @returns `field: Invalid value: must be ...`, or undefined
 */
export function endpointSliceShapeProblem(slice: unknown): string | undefined {
  if (!isObj(slice)) return 'EndpointSlice: Invalid value: must be an object';
  const meta = slice.metadata;
  if (!isObj(meta)) return 'metadata: Invalid value: must be an object';
  if (!optStringMap(meta.labels)) return 'metadata.labels: Invalid value: must be a map of strings';
  if (!optString(slice.addressType)) return 'addressType: Invalid value: must be a string';
  const endpoints = listProblem(slice.endpoints, 'endpoints', (ep, prefix) => {
    const bad = firstBadField(ep, prefix, [['hostname', optString, 'a string']]);
    if (bad !== undefined) return bad;
    const addresses = ep.addresses;
    if (!absent(addresses) && (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string')))
      return `${prefix}addresses: Invalid value: must be a list of strings`;
    const cond = ep.conditions;
    if (!absent(cond)) {
      if (!isObj(cond)) return `${prefix}conditions: Invalid value: must be an object`;
      if (!absent(cond.ready) && typeof cond.ready !== 'boolean')
        return `${prefix}conditions.ready: Invalid value: must be a boolean`;
    }
    const ref = ep.targetRef;
    if (!absent(ref)) {
      if (!isObj(ref)) return `${prefix}targetRef: Invalid value: must be an object`;
      return firstBadField(ref, `${prefix}targetRef.`, [
        ['kind', optString, 'a string'],
        ['name', optString, 'a string'],
      ]);
    }
    return undefined;
  });
  if (endpoints !== undefined) return endpoints;
  return listProblem(slice.ports, 'ports', (p, prefix) =>
    firstBadField(p, prefix, [
      ['name', optString, 'a string'],
      ['port', optNumber, 'a number'],
      ['protocol', optString, 'a string'],
      ['appProtocol', optString, 'a string'],
    ]),
  );
}

/**
 * The first field of a Service that endpoint resolution reads and that has the wrong JSON type;
 * undefined when the Service is usable.
 *
 * @param service - the object as received
 * @returns `field: Invalid value: must be ...`, or undefined
 */
export function serviceShapeProblem(service: unknown): string | undefined {
  if (!isObj(service)) return 'Service: Invalid value: must be an object';
  const meta = service.metadata;
  if (!isObj(meta)) return 'metadata: Invalid value: must be an object';
  if (!optStringMap(meta.annotations)) return 'metadata.annotations: Invalid value: must be a map of strings';
  if (!optStringMap(meta.labels)) return 'metadata.labels: Invalid value: must be a map of strings';
  const spec = service.spec;
  if (absent(spec)) return undefined;
  if (!isObj(spec)) return 'spec: Invalid value: must be an object';
  const bad = firstBadField(spec, 'spec.', [
    ['clusterIP', optString, 'a string'],
    ['type', optString, 'a string'],
    ['selector', optStringMap, 'a map of strings'],
  ]);
  if (bad !== undefined) return bad;
  return listProblem(spec.ports, 'spec.ports', (p, prefix) =>
    firstBadField(p, prefix, [
      ['name', optString, 'a string'],
      ['port', (v) => typeof v === 'number' && Number.isFinite(v), 'a number'],
      ['protocol', optString, 'a string'],
      ['targetPort', (v) => optNumber(v) || typeof v === 'string', 'an integer or a string'],
    ]),
  );
}
