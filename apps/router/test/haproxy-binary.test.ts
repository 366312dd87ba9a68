import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHaproxyBinary } from '../src/haproxy-binary.ts';

describe('checkHaproxyBinary', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    dir = await makeTempDir('switchyard-haproxy-bin-');
    // Stand-ins for other HAProxy builds: scripts that print what such a build prints for -v.
    for (const [name, text] of [
      ['haproxy-1.8', 'HA-Proxy version 1.8.19 2019/02/11'],
      ['haproxy-2.4', 'HAProxy version 2.4.22-0ubuntu0.22.04.3 2023/12/04 - https://haproxy.org/'],
      ['not-haproxy', 'nginx version: nginx/1.24.0'],
    ]) {
      const path = join(dir.path, name as string);
      await writeFile(path, `#!/bin/sh\necho '${text}'\n`);
      await chmod(path, 0o755);
    }
  });
  afterAll(async () => dir.cleanup());

  it('accepts the installed haproxy', async () => {
    const info = await checkHaproxyBinary('haproxy');
    expect(info.major).toBeGreaterThanOrEqual(2);
    expect(info.version).toMatch(/^\d+\.\d+/);
  });

  it.each([
    [
      'a missing binary',
      'no-such-haproxy-binary',
      'ERR_ROUTER_HAPROXY_NOT_FOUND',
      /cannot be run \(not found\).*apt-get install haproxy/,
    ],
    [
      'HAProxy 1.8',
      'haproxy-1.8',
      'ERR_ROUTER_HAPROXY_TOO_OLD',
      /is HAProxy 1\.8\.19, older than the oldest supported version 2\.5/,
    ],
    [
      'HAProxy 2.4',
      'haproxy-2.4',
      'ERR_ROUTER_HAPROXY_TOO_OLD',
      /is HAProxy 2\.4\.22-0ubuntu0\.22\.04\.3, older/,
    ],
    ['something else', 'not-haproxy', 'ERR_ROUTER_HAPROXY_NOT_FOUND', /did not print an HAProxy version/],
  ])('rejects %s', async (_name, binary, code, message) => {
    const path = binary.startsWith('no-such') ? binary : join(dir.path, binary);
    await expect(checkHaproxyBinary(path)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });
});
