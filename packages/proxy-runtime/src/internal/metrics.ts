/**
 * Per-route (backend) and per-server counters, kept as plain numbers on the request path and
 * rendered as Prometheus text on demand. Snapshots are JSON so worker processes can send them
 * to the primary, which sums them.
 */

/** Latency histogram bucket bounds in seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Counters of one backend or one server. */
export interface CounterSet {
  requests: number;
  /** Responses by class: index 0 = 1xx … 4 = 5xx, 5 = other (no response). */
  responses: number[];
  bytesIn: number;
  bytesOut: number;
  /** Current requests or sessions in flight. */
  active: number;
  connectionErrors: number;
  /** Histogram: cumulative counts are computed on render; these are per-bucket (+Inf last). */
  latency: number[];
  latencySum: number;
}

/** A metrics snapshot (JSON-safe). */
export interface MetricsSnapshot {
  frontends: Record<string, { connections: number; active: number }>;
  backends: Record<string, CounterSet>;
  /** Keyed `backend\u0000server id`. */
  servers: Record<string, CounterSet>;
}

function emptyCounters(): CounterSet {
  return {
    requests: 0,
    responses: [0, 0, 0, 0, 0, 0],
    bytesIn: 0,
    bytesOut: 0,
    active: 0,
    connectionErrors: 0,
    latency: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
    latencySum: 0,
  };
}

/** Mutable registry used by one data-plane process. @internal */
export class MetricsRegistry {
  readonly snapshotData: MetricsSnapshot = { frontends: {}, backends: {}, servers: {} };

  frontend(name: string): { connections: number; active: number } {
    let f = this.snapshotData.frontends[name];
    if (!f) {
      f = { connections: 0, active: 0 };
      this.snapshotData.frontends[name] = f;
    }
    return f;
  }

  backend(name: string): CounterSet {
    let c = this.snapshotData.backends[name];
    if (!c) {
      c = emptyCounters();
      this.snapshotData.backends[name] = c;
    }
    return c;
  }

  /** Counters of a backend, cached on its state object (no keyed lookup per request). */
  backendOf(b: { name: string; counters: CounterSet | undefined }): CounterSet {
    // A backend state object lives only while its route is unchanged in the table; counters
    // are pruned only for backends that left it, so the cached reference stays the registry's
    // for every request routed through the current table.
    b.counters ??= this.backend(b.name);
    return b.counters;
  }

  /** Counters of a server line, cached on it. */
  serverOf(s: { backend: string; id: string; counters: CounterSet | undefined }): CounterSet {
    // Counters are pruned only for backends that left the table, whose server lines are not
    // reused, so the cached reference stays the registry's.
    s.counters ??= this.server(s.backend, s.id);
    return s.counters;
  }

  server(backend: string, id: string): CounterSet {
    const key = `${backend}\u0000${id}`;
    let c = this.snapshotData.servers[key];
    if (!c) {
      c = emptyCounters();
      this.snapshotData.servers[key] = c;
    }
    return c;
  }

  /** Drops counters of backends that are gone and idle (keeps memory bounded under churn). */
  prune(live: ReadonlySet<string>): void {
    for (const [name, c] of Object.entries(this.snapshotData.backends)) {
      if (!live.has(name) && c.active === 0) delete this.snapshotData.backends[name];
    }
    for (const [key, c] of Object.entries(this.snapshotData.servers)) {
      const be = key.slice(0, key.indexOf('\u0000'));
      if (!live.has(be) && c.active === 0) delete this.snapshotData.servers[key];
    }
  }
}

/** Records a finished response on a counter set. @internal */
export function recordResponse(c: CounterSet, status: number, seconds: number): void {
  const cls = status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : 5;
  c.responses[cls] = (c.responses[cls] ?? 0) + 1;
  let i = 0;
  while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++;
  c.latency[i] = (c.latency[i] ?? 0) + 1;
  c.latencySum += seconds;
}

function addCounters(a: CounterSet, b: CounterSet): void {
  a.requests += b.requests;
  a.bytesIn += b.bytesIn;
  a.bytesOut += b.bytesOut;
  a.active += b.active;
  a.connectionErrors += b.connectionErrors;
  a.latencySum += b.latencySum;
  b.responses.forEach((v, i) => {
    a.responses[i] = (a.responses[i] ?? 0) + v;
  });
  b.latency.forEach((v, i) => {
    a.latency[i] = (a.latency[i] ?? 0) + v;
  });
}

/** Sums snapshots (from several workers). @internal */
export function mergeSnapshots(snaps: readonly MetricsSnapshot[]): MetricsSnapshot {
  const out: MetricsSnapshot = { frontends: {}, backends: {}, servers: {} };
  for (const s of snaps) {
    for (const [k, v] of Object.entries(s.frontends)) {
      const f = out.frontends[k] ?? { connections: 0, active: 0 };
      f.connections += v.connections;
      f.active += v.active;
      out.frontends[k] = f;
    }
    for (const [k, v] of Object.entries(s.backends)) {
      const c = out.backends[k] ?? emptyCounters();
      addCounters(c, v);
      out.backends[k] = c;
    }
    for (const [k, v] of Object.entries(s.servers)) {
      const c = out.servers[k] ?? emptyCounters();
      addCounters(c, v);
      out.servers[k] = c;
    }
  }
  return out;
}

function esc(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

function backendLabels(name: string): string {
  // be_http:ns:name → route labels like OpenShift's exporter.
  const [prefix, ns, route] = name.split(':');
  const kind =
    prefix === 'be_http'
      ? 'http'
      : prefix === 'be_edge_http'
        ? 'https-edge'
        : prefix === 'be_secure'
          ? 'https'
          : 'tcp';
  return `backend="${kind}",namespace="${esc(ns ?? '')}",route="${esc(route ?? '')}"`;
}

function renderSet(
  lines: string[],
  prefix: string,
  labels: string,
  c: CounterSet,
  withLatency: boolean,
): void {
  lines.push(`${prefix}_requests_total{${labels}} ${c.requests}`);
  for (let i = 0; i < CLASSES.length; i++) {
    lines.push(`${prefix}_http_responses_total{${labels},code="${CLASSES[i]}"} ${c.responses[i] ?? 0}`);
  }
  lines.push(`${prefix}_bytes_in_total{${labels}} ${c.bytesIn}`);
  lines.push(`${prefix}_bytes_out_total{${labels}} ${c.bytesOut}`);
  lines.push(`${prefix}_current_sessions{${labels}} ${c.active}`);
  lines.push(`${prefix}_connection_errors_total{${labels}} ${c.connectionErrors}`);
  if (withLatency) {
    let cum = 0;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      cum += c.latency[i] ?? 0;
      lines.push(`${prefix}_response_latency_seconds_bucket{${labels},le="${LATENCY_BUCKETS[i]}"} ${cum}`);
    }
    cum += c.latency[LATENCY_BUCKETS.length] ?? 0;
    lines.push(`${prefix}_response_latency_seconds_bucket{${labels},le="+Inf"} ${cum}`);
    lines.push(`${prefix}_response_latency_seconds_sum{${labels}} ${c.latencySum}`);
    lines.push(`${prefix}_response_latency_seconds_count{${labels}} ${cum}`);
  }
}

/** Renders a snapshot as Prometheus text exposition format 0.0.4. @internal */
export function renderPrometheus(s: MetricsSnapshot): string {
  const lines: string[] = [];
  lines.push('# HELP switchyard_frontend_connections_total Client connections accepted.');
  lines.push('# TYPE switchyard_frontend_connections_total counter');
  for (const [k, v] of Object.entries(s.frontends))
    lines.push(`switchyard_frontend_connections_total{frontend="${esc(k)}"} ${v.connections}`);
  lines.push('# HELP switchyard_frontend_current_connections Client connections open.');
  lines.push('# TYPE switchyard_frontend_current_connections gauge');
  for (const [k, v] of Object.entries(s.frontends))
    lines.push(`switchyard_frontend_current_connections{frontend="${esc(k)}"} ${v.active}`);
  const be: string[] = [];
  for (const [k, c] of Object.entries(s.backends).sort(([a], [b]) => (a < b ? -1 : 1)))
    renderSet(be, 'switchyard_backend', backendLabels(k), c, true);
  const sv: string[] = [];
  for (const [k, c] of Object.entries(s.servers).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [backend, id] = k.split('\u0000') as [string, string];
    const server = /:([^:]+:[0-9]+)$/.exec(id)?.[1] ?? id;
    renderSet(
      sv,
      'switchyard_server',
      `${backendLabels(backend)},server="${esc(server)}",id="${esc(id)}"`,
      c,
      false,
    );
  }
  const types: Record<string, string> = {
    requests_total: 'counter',
    http_responses_total: 'counter',
    bytes_in_total: 'counter',
    bytes_out_total: 'counter',
    current_sessions: 'gauge',
    connection_errors_total: 'counter',
    response_latency_seconds: 'histogram',
  };
  for (const [prefix, body] of [
    ['switchyard_backend', be],
    ['switchyard_server', sv],
  ] as const) {
    for (const [m, t] of Object.entries(types)) {
      if (prefix === 'switchyard_server' && m === 'response_latency_seconds') continue;
      lines.push(`# TYPE ${prefix}_${m} ${t}`);
      const want = `${prefix}_${m}`;
      for (const l of body) {
        const name = l.slice(0, l.indexOf('{'));
        if (name === want || (m === 'response_latency_seconds' && name.startsWith(want))) lines.push(l);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
