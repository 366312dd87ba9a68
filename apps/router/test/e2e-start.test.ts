/**
 * `pnpm start` (the README's first command) runs the router on examples/ with demo backends and
 * prints curl commands; each printed command, run as printed with the real curl, reaches its
 * demo backend.
 */
import { execFile, spawn } from 'node:child_process';
import { freePort } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { REPO_DIR, sleep } from './helpers/router-process.ts';

function run(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd: REPO_DIR, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('pnpm start', () => {
  it('prints curl commands for HTTP, edge, passthrough and re-encrypt routes, and each succeeds', async () => {
    const env = {
      ...process.env,
      ROUTER_SERVICE_HTTP_PORT: String(await freePort()),
      ROUTER_SERVICE_HTTPS_PORT: String(await freePort()),
      STATS_PORT: String(await freePort()),
      SWITCHYARD_LISTEN_ADDRESS: '127.0.0.1',
      SWITCHYARD_LOG_FORMAT: 'json',
    };
    // Its own process group, so that pnpm, tsx and node are all stopped together.
    const child = spawn('pnpm', ['start'], {
      cwd: REPO_DIR,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 1200 && !output.includes('Edit the manifests and save'); i += 1) await sleep(50);
      expect(output).toContain('Try it (demo backends are running):');
      const lines = output.split('\n');
      const commands: { kind: string; command: string }[] = [];
      lines.forEach((line, index) => {
        const kind = /^ {2}# (\S+) \(/.exec(line)?.[1];
        const next = lines[index + 1]?.trim();
        if (kind !== undefined && next?.startsWith('curl ')) commands.push({ kind, command: next });
      });
      expect(commands.map((c) => c.kind)).toEqual(['HTTP', 'edge', 'passthrough', 're-encrypt']);
      for (const { kind, command } of commands) {
        const result = await run(command);
        expect(result.code, `${kind}: ${command}\n${result.stderr}`).toBe(0);
        const body = JSON.parse(result.stdout) as { backend: string; tls: boolean };
        expect(body.backend, kind).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
        expect(body.tls, kind).toBe(kind === 'passthrough' || kind === 're-encrypt');
      }
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  }, 90_000);
});
