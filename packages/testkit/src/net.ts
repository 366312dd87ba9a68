import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Asks the kernel for a free TCP port on `host` by binding port 0 and closing again.
 * @param host - the address to bind, default 127.0.0.1
 * @returns a port that was free a moment ago
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory and a way to remove it. */
export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

/**
 * Creates a fresh directory under the OS temp dir.
 * @param prefix - a readable prefix for the directory name
 */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
