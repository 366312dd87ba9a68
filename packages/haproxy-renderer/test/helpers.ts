/** Shared test helpers: render into a temporary directory and run the real `haproxy -c`. */
import { join } from 'node:path';
import type { RoutingTable } from '@switchyard/route-model';
import { checkHaproxyConfig, makeTempDir } from '@switchyard/testkit';
import {
  type RenderOptions,
  type RenderResult,
  renderHaproxyConfig,
  writeRenderedFiles,
} from '../src/index.ts';
import { DEFAULT_PEM } from './fixtures/fourteen.ts';

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
