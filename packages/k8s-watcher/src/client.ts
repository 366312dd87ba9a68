import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { K8sWatcherError } from './errors.ts';

/** Where credentials come from. Exactly one of the fields, or none for client-node's default chain. */
export interface KubernetesAuthOptions {
  /** A ready `KubeConfig` (wins over the others). */
  readonly kubeConfig?: KubeConfig;
  /** Path of a kubeconfig file. */
  readonly kubeconfigPath?: string;
  /** Use the pod's service account (token, CA, namespace files and `KUBERNETES_SERVICE_HOST/PORT`). */
  readonly inCluster?: boolean | InClusterOptions;
}

/** Overrides for in-cluster authentication (tests point these at a temporary directory). */
export interface InClusterOptions {
  /**
   * Directory holding `token`, `ca.crt` and `namespace`.
   * @default '/var/run/secrets/kubernetes.io/serviceaccount'
   */
  readonly serviceAccountDir?: string;
  /**
   * API server URL.
   * @default `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`
   */
  readonly server?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Builds the `KubeConfig` the watcher and the status writer use.
 *
 * @param auth - where credentials come from
 * @returns a loaded KubeConfig with a current cluster
 * @throws K8sWatcherError `ERR_K8S_WATCHER_AUTH` when the source is unusable
 * @example
 * ```ts
 * const kc = loadKubeConfig({ kubeconfigPath: '/etc/router/kubeconfig' });
 * ```
 */
export function loadKubeConfig(auth: KubernetesAuthOptions = {}): KubeConfig {
  if (auth.kubeConfig) return checked(auth.kubeConfig, 'options.kubeConfig');
  const kc = new KubeConfig();
  try {
    if (auth.kubeconfigPath !== undefined) {
      kc.loadFromFile(auth.kubeconfigPath);
      return checked(kc, `kubeconfig ${auth.kubeconfigPath}`);
    }
    if (auth.inCluster) {
      const o: InClusterOptions = auth.inCluster === true ? {} : auth.inCluster;
      const dir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
      let server = o.server;
      if (server === undefined) {
        const host = process.env.KUBERNETES_SERVICE_HOST;
        const port = process.env.KUBERNETES_SERVICE_PORT;
        if (!host || !port) {
          throw new K8sWatcherError(
            'ERR_K8S_WATCHER_AUTH',
            'in-cluster auth: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set',
          );
        }
        server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
      }
      const tokenFile = join(dir, 'token');
      if (!existsSync(tokenFile)) {
        throw new K8sWatcherError(
          'ERR_K8S_WATCHER_AUTH',
          `in-cluster auth: no service account token at ${tokenFile}`,
        );
      }
      const nsFile = join(dir, 'namespace');
      const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
      kc.loadFromOptions({
        clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
        // The tokenFile provider re-reads the (rotated) projected token.
        users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
        contexts: [
          {
            name: 'in-cluster',
            cluster: 'in-cluster',
            user: 'in-cluster',
            ...(namespace ? { namespace } : {}),
          },
        ],
        currentContext: 'in-cluster',
      });
      return checked(kc, 'in-cluster service account');
    }
    kc.loadFromDefault();
    return checked(kc, 'default kubeconfig');
  } catch (e) {
    if (e instanceof K8sWatcherError) throw e;
    throw new K8sWatcherError('ERR_K8S_WATCHER_AUTH', `cannot load Kubernetes credentials: ${String(e)}`, {
      cause: e,
    });
  }
}

function checked(kc: KubeConfig, what: string): KubeConfig {
  if (!kc.getCurrentCluster()) {
    throw new K8sWatcherError('ERR_K8S_WATCHER_AUTH', `${what}: no current cluster`);
  }
  return kc;
}

/** The result of a JSON request: status code and parsed body. */
export interface JsonResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/**
 * One JSON request to the API server with the KubeConfig's credentials and TLS settings
 * (the same ones client-node's own clients apply). Used for paginated lists, where the
 * generated clients would turn objects into class instances and hide `continue` on 410.
 *
 * @internal
 */
export async function requestJson(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<JsonResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new K8sWatcherError('ERR_K8S_WATCHER_AUTH', 'no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { ...(opts.headers as Record<string, string>) };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const requestFn = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = requestFn(url, { ...opts, method, headers, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ statusCode: res.statusCode ?? 0, body: parsed });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
