/**
 * Prometheus text from HAProxy's `show stat` CSV, with the metric names and labels of
 * OpenShift's HAProxy exporter for the columns Switchyard exports: frontends, and route
 * backends labelled `backend` (`http`, `https-edge`, `https`, `tcp`), `namespace` and `route`.
 */

const BACKEND_KINDS: Readonly<Record<string, string>> = {
  be_http: 'http',
  be_edge_http: 'https-edge',
  be_secure: 'https',
  be_tcp: 'tcp',
};

const UP = new Set(['UP', 'UP 1/3', 'UP 2/3', 'OPEN', 'no check']);

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;
}

interface Family {
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: string[];
}

/**
 * Converts `show stat` output into Prometheus text.
 * @param csv - the answer to `show stat` (header line starting with `# `)
 * @returns Prometheus exposition text (empty when the CSV has no header)
 */
export function formatHaproxyStats(csv: string): string {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined || !header.startsWith('# ')) return '';
  const columns = header.slice(2).split(',');
  const index = new Map(columns.map((name, i) => [name, i]));
  const families = new Map<string, Family>();
  const add = (
    name: string,
    help: string,
    type: Family['type'],
    pairs: Record<string, string>,
    value: string | undefined,
  ): void => {
    if (value === undefined || value === '' || Number.isNaN(Number(value))) return;
    let family = families.get(name);
    if (family === undefined) {
      family = { help, type, samples: [] };
      families.set(name, family);
    }
    family.samples.push(`${name}${labels(pairs)} ${Number(value)}`);
  };

  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const get = (name: string): string | undefined => {
      const i = index.get(name);
      return i === undefined ? undefined : cells[i];
    };
    const proxy = get('pxname') ?? '';
    const type = get('type');
    if (type === '0') {
      const f = { frontend: proxy };
      add('haproxy_frontend_current_sessions', 'Current sessions', 'gauge', f, get('scur'));
      add('haproxy_frontend_connections_total', 'Sessions accepted', 'counter', f, get('stot'));
      add('haproxy_frontend_bytes_in_total', 'Bytes received', 'counter', f, get('bin'));
      add('haproxy_frontend_bytes_out_total', 'Bytes sent', 'counter', f, get('bout'));
      for (const code of ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'])
        add(
          'haproxy_frontend_http_responses_total',
          'HTTP responses by class',
          'counter',
          { ...f, code },
          get(`hrsp_${code}`),
        );
      continue;
    }
    const [prefix, namespace, route] = proxy.split(':');
    const kind = prefix === undefined ? undefined : BACKEND_KINDS[prefix];
    if (kind === undefined || namespace === undefined || route === undefined) continue;
    const b = { backend: kind, namespace, route };
    if (type === '1') {
      add('haproxy_backend_current_sessions', 'Current sessions', 'gauge', b, get('scur'));
      add('haproxy_backend_connections_total', 'Sessions', 'counter', b, get('stot'));
      add('haproxy_backend_bytes_in_total', 'Bytes received', 'counter', b, get('bin'));
      add('haproxy_backend_bytes_out_total', 'Bytes sent', 'counter', b, get('bout'));
      add(
        'haproxy_backend_connection_errors_total',
        'Connection errors to servers',
        'counter',
        b,
        get('econ'),
      );
      add(
        'haproxy_backend_up',
        'Backend status (1 = up)',
        'gauge',
        b,
        UP.has(get('status') ?? '') ? '1' : '0',
      );
      for (const code of ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'])
        add(
          'haproxy_backend_http_responses_total',
          'HTTP responses by class',
          'counter',
          { ...b, code },
          get(`hrsp_${code}`),
        );
    } else if (type === '2') {
      const s = { server: get('svname') ?? '', namespace, route };
      add('haproxy_server_up', 'Server status (1 = up)', 'gauge', s, UP.has(get('status') ?? '') ? '1' : '0');
      add('haproxy_server_current_sessions', 'Current sessions', 'gauge', s, get('scur'));
    }
  }
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`, ...family.samples);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
