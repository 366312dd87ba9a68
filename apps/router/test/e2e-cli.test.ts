/**
 * The `switchyard` command's start-up failures: each names the setting and exits with the
 * documented code; `--help` lists every setting.
 */
import { spawn } from 'node:child_process';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/settings.ts';
import { APP_DIR, CLI, startRouterProcess } from './helpers/router-process.ts';

function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, ...args], {
      cwd: APP_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('switchyard command line', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('switchyard-cli-');
  });
  afterAll(async () => dir.cleanup());

  it('--help documents every flag and environment variable, and exits 0', async () => {
    const { code, out } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const spec of SETTINGS) {
      expect(out).toContain(`--${spec.flag}`);
      for (const env of spec.env) expect(out).toContain(env);
    }
  });

  it.each([
    [
      'an invalid port',
      ['--routes', '.', '--http-port', 'eighty'],
      {},
      2,
      /switchyard: Invalid setting --http-port: expected a port number/,
    ],
    [
      'an invalid env value',
      ['--routes', '.'],
      { RELOAD_INTERVAL: '10ms' },
      2,
      /RELOAD_INTERVAL \(--reload-interval\)/,
    ],
    [
      'a missing routes path',
      ['--routes', '/nonexistent/switchyard-routes'],
      {},
      2,
      /--routes \/nonexistent\/switchyard-routes: ENOENT/,
    ],
    [
      'no haproxy binary',
      ['--routes', '.', '--engine', 'haproxy', '--haproxy-binary', '/nonexistent/haproxy'],
      {},
      3,
      /--engine haproxy needs HAProxy 2\.5 or newer, but "\/nonexistent\/haproxy" cannot be run \(not found\)/,
    ],
    [
      '--in-cluster outside a pod',
      ['--in-cluster'],
      { KUBERNETES_SERVICE_HOST: '' },
      2,
      /switchyard: --in-cluster: .*KUBERNETES_SERVICE_HOST/,
    ],
    [
      'an unreadable kubeconfig',
      ['--kubeconfig', '/nonexistent/kubeconfig'],
      {},
      2,
      /switchyard: --kubeconfig \/nonexistent\/kubeconfig: /,
    ],
    [
      'mutual TLS with an unreadable CA file',
      ['--routes', '.'],
      { ROUTER_MUTUAL_TLS_AUTH: 'required', ROUTER_MUTUAL_TLS_AUTH_CA: '/nonexistent/ca.pem' },
      2,
      /switchyard: Invalid setting --mutual-tls-ca \(ROUTER_MUTUAL_TLS_AUTH_CA\): cannot read \/nonexistent\/ca\.pem/,
    ],
    [
      'an unreadable default certificate',
      ['--routes', '.', '--default-certificate', '/nonexistent/cert.pem'],
      {},
      2,
      /Invalid setting --default-certificate \(DEFAULT_CERTIFICATE_PATH\): cannot read/,
    ],
  ])(
    'fails at start for %s, naming the setting, with the documented exit code',
    async (_name, args, env, exitCode, message) => {
      const ports = args.includes('--http-port')
        ? []
        : ['--stats-port', '0', '--http-port', '0', '--https-port', '0'];
      const { code, out } = await runCli([...args, ...ports], env);
      expect(out).toMatch(message);
      expect(code).toBe(exitCode);
    },
  );

  it('warns about OpenShift settings it does not implement, naming each, and keeps running', async () => {
    const proc = await startRouterProcess(['--routes', dir.path], {
      env: { ROUTER_CAPTURE_HTTP_COOKIE: 'session:64', ROUTER_UNIQUE_ID_FORMAT: '%{+X}o' },
    });
    try {
      const line = await proc.waitForLog((l) => Array.isArray(l.ignoredEnv));
      expect(line.level).toBe(40); // pino's warn
      expect(line.ignoredEnv).toEqual(['ROUTER_CAPTURE_HTTP_COOKIE', 'ROUTER_UNIQUE_ID_FORMAT']);
      expect(line.msg).toContain('ROUTER_CAPTURE_HTTP_COOKIE, ROUTER_UNIQUE_ID_FORMAT');
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('fails with exit code 4 when a port is taken', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const { code, out } = await runCli([
        '--routes',
        dir.path,
        '--listen-address',
        '127.0.0.1',
        '--stats-port',
        String(port),
      ]);
      expect(out).toMatch(/Cannot listen on 127\.0\.0\.1:\d+ for \/healthz and \/metrics \(--stats-port\)/);
      expect(code).toBe(4);
    } finally {
      server.close();
    }
  });
});
