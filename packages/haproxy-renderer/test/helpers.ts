/** Shared test helpers: render into a temporary directory and run the real `haproxy -c`. */
import { join } from 'node:path';
import type { RoutingTable } from '@switchyard/route-model';
import { checkHaproxyConfig, freePort, makeTempDir, type TempDir } from '@switchyard/testkit';
import {
  HaproxyProcess,
  type MapLayout,
  type RenderOptions,
  type RenderResult,
  renderHaproxyConfig,
  writeRenderedFiles,
} from '../src/index.ts';
import { DEFAULT_PEM } from './fixtures/fourteen.ts';
import { table } from './fixtures/routes.ts';

export interface CheckedRender {
  result: RenderResult;
  check: { ok: boolean; output: string };
  dir: string;
  cleanup(): Promise<void>;
}

/** Renders into a fresh directory, writes the files and runs `haproxy -c` on them. */
export async function renderAndCheck(
  table: RoutingTable,
  options: Partial<RenderOptions> = {},
): Promise<CheckedRender> {
  const tmp = await makeTempDir('hr');
  const result = renderHaproxyConfig(table, {
    defaultCertificate: DEFAULT_PEM,
    bindAddress: '127.0.0.1',
    httpPort: 1,
    httpsPort: 2,
    ...options,
    workingDir: tmp.path,
  });
  await writeRenderedFiles(tmp.path, result);
  const check = await checkHaproxyConfig(join(tmp.path, 'haproxy.config'));
  return { result, check, dir: tmp.path, cleanup: tmp.cleanup };
}

import { request } from 'node:http';

/** A plain HTTP GET to 127.0.0.1:port with a Host header; resolves status, headers and body. */
export function get(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout GET ${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The echo backend that answered (`x-backend`), or `status:<code>`. */
export async function whoAnswers(port: number, host: string, path: string): Promise<string> {
  const r = await get(port, host, path);
  const b = r.headers['x-backend'];
  return r.status === 200 && typeof b === 'string' ? b : `status:${r.status}`;
}

/**
 * Options for a HAProxy that really serves: on 127.0.0.1 with two free ports, the default
 * certificate and 2000 connections; `extra` adds or overrides fields.
 */
export async function liveOptions(
  workingDir: string,
  extra: Partial<RenderOptions> = {},
): Promise<RenderOptions> {
  return {
    workingDir,
    defaultCertificate: DEFAULT_PEM,
    bindAddress: '127.0.0.1',
    httpPort: await freePort(),
    httpsPort: await freePort(),
    maxConnections: 2000,
    ...extra,
  };
}

/** One running HAProxy of a differential test, with the map layout it renders. */
export interface LayoutEngine {
  layout: MapLayout;
  dir: TempDir;
  proc: HaproxyProcess;
  options: RenderOptions;
}

/**
 * Starts one HAProxy per map layout (openshift, then indexed) on an empty table, each in its
 * own `<dirPrefix>-<layout>` directory. Each is pushed to `into` as soon as it runs, so that
 * {@link stopLayoutEngines} in `afterAll` stops it even if a later one fails to start.
 */
export async function startLayoutEngines(dirPrefix: string, into: LayoutEngine[]): Promise<void> {
  for (const layout of ['openshift', 'indexed'] as const) {
    const dir = await makeTempDir(`${dirPrefix}-${layout}`);
    const options = await liveOptions(dir.path, { layout });
    const proc = new HaproxyProcess({ workingDir: dir.path, stopTimeoutMs: 2_000 });
    await proc.start(renderHaproxyConfig(table([]), options));
    into.push({ layout, dir, proc, options });
  }
}

/** Stops the HAProxies of {@link startLayoutEngines} and removes their directories. */
export async function stopLayoutEngines(engines: readonly LayoutEngine[]): Promise<void> {
  for (const e of engines) {
    await e.proc.stop({ timeoutMs: 2_000 });
    await e.dir.cleanup();
  }
}
