import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when an `haproxy` binary is on the PATH. */
export function haproxyAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs the real `haproxy -c` on a configuration file.
 * @returns whether HAProxy accepts it, and everything it printed
 */
export function checkHaproxyConfig(configPath: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile('haproxy', ['-c', '-f', configPath], (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A HAProxy started by {@link startHaproxy}. */
export interface RunningHaproxy {
  pid: number;
  stop(): Promise<void>;
  /** Everything HAProxy printed so far. */
  output(): string;
}

/**
 * Starts a foreground HAProxy (`haproxy -db -f <configPath>`) and waits until it accepts
 * connections on `waitForPort` (127.0.0.1). Stops with SIGTERM, then SIGKILL after 5 s.
 * @throws Error with HAProxy's output when it exits or does not listen within 10 s
 */
export async function startHaproxy(options: {
  configPath: string;
  waitForPort: number;
  cwd?: string;
}): Promise<RunningHaproxy> {
  let output = '';
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', options.configPath], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`haproxy exited at start:\n${output}`);
    if (await canConnect(options.waitForPort)) {
      return { pid: child.pid ?? 0, stop, output: () => output };
    }
    await sleep(25);
  }
  await stop();
  throw new Error(`haproxy did not listen on 127.0.0.1:${options.waitForPort} within 10 s:\n${output}`);
}
