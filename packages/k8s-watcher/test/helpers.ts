import { KubeConfig } from '@kubernetes/client-node';
import type { RouteAdmissionStatus } from '@switchyard/route-model';
import type { K8sApiServer, K8sObject } from '@switchyard/testkit';
import type { RouteWatcher, WatcherLogger } from '../src/index.ts';

export function kubeConfigFor(api: K8sApiServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(api.kubeconfig()));
  return kc;
}

export interface RouteInput {
  readonly namespace?: string;
  readonly name: string;
  readonly host?: string;
  readonly labels?: Record<string, string>;
  readonly service?: string;
  readonly externalCertificate?: string;
}

export function route(r: RouteInput): K8sObject {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name: r.name,
      namespace: r.namespace ?? 'default',
      ...(r.labels ? { labels: r.labels } : {}),
    },
    spec: {
      host: r.host ?? `${r.name}.${r.namespace ?? 'default'}.apps.example.com`,
      to: { kind: 'Service', name: r.service ?? 'web' },
      ...(r.externalCertificate
        ? { tls: { termination: 'edge', externalCertificate: { name: r.externalCertificate } } }
        : {}),
    },
  };
}

export function slice(namespace: string, name: string, service: string, ips: readonly string[]): K8sObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function namespace(name: string, labels?: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/** Polls until `check` returns true (bounded; throws with the last detail on timeout). */
export async function waitFor(
  check: () => boolean | string,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  while (Date.now() < deadline) {
    last = check();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last)}`);
}

/** Per-key differences between what the server holds and what the watcher emitted (empty = equal). */
export function diffState(expected: readonly K8sObject[], actual: ReadonlyMap<string, unknown>): string[] {
  const out: string[] = [];
  const want = new Map(
    expected.map((o) => [
      o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name),
      o,
    ]),
  );
  for (const [k, o] of want) {
    const got = actual.get(k);
    if (!got) out.push(`missing ${k}`);
    else if (canonical(got) !== canonical(o)) out.push(`differs ${k}`);
  }
  for (const k of actual.keys()) if (!want.has(k)) out.push(`extra ${k}`);
  return out;
}

/** A watcher-to-status feed standing in for route-model's store: every route admitted, host as in spec. */
export function admitAll(watcher: RouteWatcher, reason?: string): RouteAdmissionStatus[] {
  const out: RouteAdmissionStatus[] = [];
  for (const o of watcher.snapshot().routes.values()) {
    const r = o as unknown as K8sObject & { spec: { host: string } };
    out.push({
      key: `${r.metadata.namespace}:${r.metadata.name}`,
      admitted: reason === undefined,
      host: r.spec.host,
      wildcardPolicy: 'None',
      condition:
        reason === undefined
          ? { type: 'Admitted', status: 'True' }
          : { type: 'Admitted', status: 'False', reason, message: `rejected: ${reason}` },
      diagnostics: [],
    });
  }
  return out;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

export function captureLogger(): { logger: WatcherLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** JSON with sorted keys (list items and watch objects may order fields differently). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : val,
  );
}
