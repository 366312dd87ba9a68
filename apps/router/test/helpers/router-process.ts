/**
 * Runs the real `switchyard` process (node on the sources through tsx, with the development
 * condition so workspace packages resolve to their sources) and reads its JSON logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rename, writeFile } from 'node:fs/promises';
import { freePort } from '@switchyard/testkit';
import { stringify } from 'yaml';

export const APP_DIR: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR: string = join(APP_DIR, '..', '..');
export const CLI: string = join(APP_DIR, 'src', 'cli.ts');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RouterProcess {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly statsPort: number;
  /** Parsed JSON log lines so far. */
  readonly logs: LogLine[];
  /** Everything written to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Waits (bounded) for a log line matching the predicate. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Polls /metrics until `name` (with labels) has the value, bounded. */
  waitForMetric(series: string, value: number, timeoutMs?: number): Promise<void>;
  metric(series: string): Promise<number | undefined>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function httpGetText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts `switchyard` with the given arguments plus free ports on 127.0.0.1 and JSON logs, and
 * waits until it is ready (or has exited).
 */
export async function startRouterProcess(
  args: readonly string[],
  options: { env?: Record<string, string>; waitReady?: boolean; cwd?: string } = {},
): Promise<RouterProcess> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const statsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      CLI,
      '--listen-address',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--https-port',
      String(httpsPort),
      '--stats-port',
      String(statsPort),
      '--log-format',
      'json',
      ...args,
    ],
    {
      cwd: options.cwd ?? APP_DIR,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const logs: LogLine[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    text += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const metric = async (series: string): Promise<number | undefined> => {
    const { body } = await httpGetText(statsPort, '/metrics');
    for (const line of body.split('\n')) {
      if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
    }
    return undefined;
  };

  const proc: RouterProcess = {
    child,
    httpPort,
    httpsPort,
    statsPort,
    logs,
    output: () => text,
    exited,
    async waitForLog(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline || hasExited)
          throw new Error(`log line not found within ${timeoutMs} ms; output:\n${text.slice(-4000)}`);
        await sleep(20);
      }
    },
    metric,
    async waitForMetric(series, value, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: number | undefined;
      for (;;) {
        last = await metric(series).catch(() => undefined);
        if (last === value) return;
        if (Date.now() > deadline || hasExited)
          throw new Error(`${series} is ${last}, expected ${value}; output:\n${text.slice(-4000)}`);
        await sleep(20);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!hasExited) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };

  if (options.waitReady ?? true) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (hasExited) throw new Error(`switchyard exited before it was ready:\n${text}`);
      const ready = await httpGetText(statsPort, '/healthz/ready').catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`switchyard not ready within 60 s:\n${text}`);
      }
      await sleep(50);
    }
  }
  return proc;
}

/** Writes a file the way editors save: a temporary file renamed over the old one. */
export async function writeManifest(path: string, objects: readonly object[]): Promise<void> {
  const text = objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}
