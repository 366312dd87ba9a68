/**
 * `HaproxyProcess`: runs HAProxy in master-worker mode with a master CLI socket, validates every
 * configuration with `haproxy -c` before switching to it, reloads through the master CLI, and
 * keeps the running configuration (and the files on disk) when a new one is refused.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HaproxyRendererError } from './errors.ts';
import { type WritableRender, writeFileAtomic, writeRenderedFiles } from './files.ts';
import { sendSocketCommand } from './internal/socket.ts';
import type { RenderResult } from './render.ts';
import { planUpdate, RuntimeApi } from './runtime.ts';

/** Options of {@link HaproxyProcess}. */
export interface HaproxyProcessOptions {
  /** The directory the configuration was rendered for (`RenderOptions.workingDir`). */
  workingDir: string;
  /** The HAProxy binary. @default 'haproxy' */
  binary?: string;
  /** Configuration file, relative to `workingDir`. @default 'haproxy.config' */
  configFile?: string;
  /** Master CLI socket. @default '<workingDir>/run/master.sock' */
  masterSocket?: string;
  /** Stats socket (as rendered). @default '<workingDir>/run/haproxy.sock' */
  statsSocket?: string;
  /** How long start-up may take. @default 15000 */
  startTimeoutMs?: number;
  /** How long a reload may take before it is reported as failed. @default 30000 */
  reloadTimeoutMs?: number;
  /** Graceful drain on stop before a hard stop. @default 30000 */
  stopTimeoutMs?: number;
  /** Receives HAProxy's output, line by line. @default undefined */
  onLog?: (line: string) => void;
  /** Called when the master exits on its own (not through {@link HaproxyProcess.stop}). @default undefined */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A worker in `show proc`. */
export interface HaproxyWorker {
  readonly pid: number;
  /** Reloads this worker survived (0 for the current worker right after a reload). */
  readonly reloads: number;
}

/** The master CLI's `show proc`. */
export interface HaproxyProcInfo {
  readonly masterPid: number;
  /** Reloads since start. */
  readonly reloads: number;
  /** Failed reloads since the last successful one. */
  readonly failedReloads: number;
  /** Current workers. */
  readonly workers: readonly HaproxyWorker[];
  /** Workers still draining connections of earlier configurations. */
  readonly oldWorkers: readonly HaproxyWorker[];
}

/** Outcome of {@link HaproxyProcess.reload} and {@link HaproxyProcess.apply}. */
export type ReloadOutcome =
  | {
      readonly ok: true;
      readonly workerPid: number;
      readonly reloads: number;
      readonly changed: readonly string[];
    }
  | {
      readonly ok: false;
      /** `validate`: `haproxy -c` refused the files (they were restored); `reload`: HAProxy refused the reload. */
      readonly stage: 'validate' | 'reload';
      readonly output: string;
    };

/** Outcome of {@link HaproxyProcess.update}. */
export type UpdateOutcome =
  | {
      readonly ok: true;
      /** `runtime`: applied through the runtime API, no reload; `reload`: reloaded. */
      readonly mode: 'runtime' | 'reload';
      /** Why a reload was needed (empty for `runtime`). */
      readonly reasons: readonly string[];
      /** Runtime API commands sent (0 for `reload`). */
      readonly commands: number;
      /** Servers in maintenance whose deletion HAProxy deferred (they still had connections). */
      readonly deferredDeletes: readonly string[];
    }
  | (Extract<ReloadOutcome, { ok: false }> & {
      readonly mode: 'reload';
      readonly reasons: readonly string[];
    });

/**
 * Runs `haproxy -c -f <config>`.
 * @param configPath - absolute configuration path
 * @param binary - the HAProxy binary
 * @returns whether HAProxy accepts it and what it printed
 */
export function validateHaproxyConfig(
  configPath: string,
  binary = 'haproxy',
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(binary, ['-c', '-f', configPath], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') {
        resolve({
          ok: false,
          output: `cannot run ${binary}: ${code === 'ENOENT' ? 'not found' : 'permission denied'}`,
        });
        return;
      }
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Parses the master CLI's `show proc` output.
 * @param text - the command output
 * @returns the master and its workers
 */
export function parseShowProc(text: string): HaproxyProcInfo {
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  let masterPid = 0;
  let reloads = 0;
  let failedReloads = 0;
  const workers: HaproxyWorker[] = [];
  const oldWorkers: HaproxyWorker[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# workers')) section = 'workers';
    else if (line.startsWith('# old workers')) section = 'old';
    else if (line.startsWith('# ')) section = 'other';
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^(\d+)\s+(\S+)\s+(\d+)(?:\s+\[failed: (\d+)\])?/.exec(line);
    if (m === null) continue;
    const pid = Number(m[1]);
    const n = Number(m[3]);
    if (m[2] === 'master') {
      masterPid = pid;
      reloads = n;
      failedReloads = Number(m[4] ?? 0);
    } else if (m[2] === 'worker') {
      (section === 'old' ? oldWorkers : workers).push({ pid, reloads: n });
    }
  }
  return { masterPid, reloads, failedReloads, workers, oldWorkers };
}

/**
 * A HAProxy master-worker process.
 *
 * @example
 * ```ts
 * const proc = new HaproxyProcess({ workingDir: '/var/lib/sy' })
 * await proc.start(renderHaproxyConfig(table, options))
 * const outcome = await proc.apply(renderHaproxyConfig(next, options))
 * if (!outcome.ok) console.error(outcome.stage, outcome.output) // still serving the old config
 * await proc.stop()
 * ```
 */
export class HaproxyProcess {
  readonly #o: Required<Omit<HaproxyProcessOptions, 'onLog' | 'onExit'>> & {
    onLog: ((line: string) => void) | undefined;
    onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  };
  #stopping = false;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #running = false;
  #log: string[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #current: RenderResult | undefined;
  #pendingDeletes = new Set<string>();

  /** @param options - working directory, binary, sockets and timeouts */
  constructor(options: HaproxyProcessOptions) {
    const wd = options.workingDir;
    this.#o = {
      workingDir: wd,
      binary: options.binary ?? 'haproxy',
      configFile: options.configFile ?? 'haproxy.config',
      masterSocket: options.masterSocket ?? join(wd, 'run', 'master.sock'),
      statsSocket: options.statsSocket ?? join(wd, 'run', 'haproxy.sock'),
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
      reloadTimeoutMs: options.reloadTimeoutMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
      onLog: options.onLog,
      onExit: options.onExit,
    };
  }

  /** The absolute configuration path. */
  get configPath(): string {
    return join(this.#o.workingDir, this.#o.configFile);
  }

  /** The master process id, or undefined when not running. */
  get pid(): number | undefined {
    return this.#running ? this.#child?.pid : undefined;
  }

  /** Whether the master process is running. */
  get running(): boolean {
    return this.#running;
  }

  /** The stats socket path (for {@link RuntimeApi}). */
  get statsSocket(): string {
    return this.#o.statsSocket;
  }

  /** The last lines HAProxy printed (up to 200). */
  get output(): string {
    return this.#log.join('\n');
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #collect(data: Buffer): void {
    for (const line of data.toString('utf8').split('\n')) {
      if (line === '') continue;
      this.#log.push(line);
      if (this.#log.length > 200) this.#log.shift();
      this.#o.onLog?.(line);
    }
  }

  /**
   * Runs `haproxy -c` on the current configuration file.
   * @returns whether HAProxy accepts it and what it printed
   */
  validate(): Promise<{ ok: boolean; output: string }> {
    return validateHaproxyConfig(this.configPath, this.#o.binary);
  }

  /**
   * Sends one command to the master CLI (prefix `@1 ` to reach the current worker).
   * @param command - the command
   * @returns its output
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API`
   */
  async masterCommand(command: string): Promise<string> {
    try {
      return await sendSocketCommand(this.#o.masterSocket, command, 10_000);
    } catch (e) {
      throw new HaproxyRendererError(
        'ERR_HAPROXY_RENDERER_RUNTIME_API',
        `master CLI ${command}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  /**
   * The master CLI's `show proc`: master pid, reload counter, current and old workers.
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API`
   */
  async showProc(): Promise<HaproxyProcInfo> {
    return parseShowProc(await this.masterCommand('show proc'));
  }

  /**
   * Writes the files (if given), validates them, starts HAProxy and waits for its first worker.
   * @param render - files to write first (a render result), or nothing to use what is on disk
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_CONFIG_INVALID`, `ERR_HAPROXY_RENDERER_START_FAILED`,
   *   `ERR_HAPROXY_RENDERER_SPAWN_FAILED`
   */
  start(render?: WritableRender): Promise<void> {
    return this.#serial(async () => {
      if (this.#running) return;
      if (render !== undefined) await writeRenderedFiles(this.#o.workingDir, render);
      this.#current = isRenderResult(render) ? render : undefined;
      const v = await this.validate();
      if (!v.ok && v.output.startsWith(`cannot run ${this.#o.binary}:`)) {
        throw new HaproxyRendererError(
          'ERR_HAPROXY_RENDERER_SPAWN_FAILED',
          `HaproxyProcess.start: ${v.output}`,
          {
            output: v.output,
          },
        );
      }
      if (!v.ok) {
        throw new HaproxyRendererError(
          'ERR_HAPROXY_RENDERER_CONFIG_INVALID',
          `haproxy -c refused ${this.configPath}`,
          {
            output: v.output,
          },
        );
      }
      await rm(this.#o.masterSocket, { force: true });
      this.#stopping = false;
      const child = spawn(
        this.#o.binary,
        ['-W', '-db', '-S', `${this.#o.masterSocket},mode,600`, '-f', this.configPath],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.#child = child;
      child.stdout?.on('data', (d: Buffer) => this.#collect(d));
      child.stderr?.on('data', (d: Buffer) => this.#collect(d));
      let spawnError: Error | undefined;
      let exited = false;
      this.#exited = new Promise<void>((resolve) => {
        child.once('error', (e) => {
          spawnError = e;
          exited = true;
          this.#running = false;
          resolve();
        });
        child.once('exit', (code, signal) => {
          exited = true;
          const unexpected = this.#running && !this.#stopping;
          this.#running = false;
          resolve();
          if (unexpected) this.#o.onExit?.(code, signal);
        });
      });
      this.#running = true;
      const deadline = Date.now() + this.#o.startTimeoutMs;
      while (Date.now() < deadline) {
        if (exited) break;
        try {
          const proc = await this.showProc();
          if (proc.workers.length > 0 && (await this.#workerAnswers(proc.workers[0]?.pid ?? 0))) return;
        } catch {
          // Not up yet.
        }
        await sleep(25);
      }
      if (spawnError !== undefined) {
        throw new HaproxyRendererError(
          'ERR_HAPROXY_RENDERER_SPAWN_FAILED',
          `cannot run ${this.#o.binary}: ${spawnError.message}`,
          {
            cause: spawnError,
          },
        );
      }
      await this.#kill();
      throw new HaproxyRendererError(
        'ERR_HAPROXY_RENDERER_START_FAILED',
        `HAProxy did not start within ${this.#o.startTimeoutMs} ms`,
        {
          output: this.output,
        },
      );
    });
  }

  /** Whether the stats socket is served by worker `pid` (so the new configuration is live). */
  async #workerAnswers(pid: number): Promise<boolean> {
    try {
      const info = await sendSocketCommand(this.#o.statsSocket, 'show info', 5_000);
      return new RegExp(`^Pid: ${pid}$`, 'm').test(info);
    } catch {
      return false;
    }
  }

  /**
   * Validates the configuration on disk and reloads through the master CLI; waits until the new
   * worker serves. A refused configuration leaves the running one in place.
   * @returns the outcome (never throws for a refused configuration)
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_NOT_RUNNING`
   */
  reload(): Promise<ReloadOutcome> {
    return this.#serial(() => this.#reload([]));
  }

  async #reload(changed: readonly string[]): Promise<ReloadOutcome> {
    if (!this.#running) {
      throw new HaproxyRendererError(
        'ERR_HAPROXY_RENDERER_NOT_RUNNING',
        'HaproxyProcess.reload: HAProxy is not running',
      );
    }
    const v = await this.validate();
    if (!v.ok) return { ok: false, stage: 'validate', output: v.output };
    const before = await this.showProc();
    const known = new Set([...before.workers, ...before.oldWorkers].map((w) => w.pid));
    await this.masterCommand('reload');
    const deadline = Date.now() + this.#o.reloadTimeoutMs;
    while (Date.now() < deadline && this.#running) {
      await sleep(20);
      let now: HaproxyProcInfo;
      try {
        now = await this.showProc();
      } catch {
        // The master re-executes itself during a reload; its CLI is briefly unavailable.
        continue;
      }
      if (now.reloads <= before.reloads) continue;
      if (now.failedReloads > 0) return { ok: false, stage: 'reload', output: this.output };
      const fresh = now.workers.find((w) => !known.has(w.pid));
      if (fresh !== undefined && (await this.#workerAnswers(fresh.pid))) {
        return { ok: true, workerPid: fresh.pid, reloads: now.reloads, changed };
      }
    }
    return {
      ok: false,
      stage: 'reload',
      output: `reload did not complete within ${this.#o.reloadTimeoutMs} ms\n${this.output}`,
    };
  }

  /**
   * Writes a new render, validates it and reloads. If `haproxy -c` refuses it, the previous
   * files are put back and HAProxy keeps running the previous configuration.
   * @param render - the new render result
   * @returns the outcome
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_NOT_RUNNING`, `ERR_HAPROXY_RENDERER_WRITE_FAILED`
   */
  apply(render: WritableRender): Promise<ReloadOutcome> {
    return this.#serial(() => this.#apply(render));
  }

  async #apply(render: WritableRender): Promise<ReloadOutcome> {
    const previous = new Map<string, string | undefined>();
    for (const rel of Object.keys(render.files)) {
      previous.set(rel, await readFile(join(this.#o.workingDir, rel), 'utf8').catch(() => undefined));
    }
    const written = await writeRenderedFiles(this.#o.workingDir, render, { prune: false });
    const outcome = await this.#reload(written.changed);
    if (!outcome.ok) {
      // Put the previous files back: HAProxy still runs them, and a later reload must not pick
      // up half of a refused configuration.
      for (const rel of written.changed) {
        const old = previous.get(rel);
        const abs = join(this.#o.workingDir, rel);
        if (old === undefined) await rm(abs, { force: true });
        else await writeFileAtomic(abs, old, render.privateFiles.includes(rel) ? 0o600 : 0o644);
      }
    } else {
      await writeRenderedFiles(this.#o.workingDir, render, { prune: true });
      this.#current = isRenderResult(render) ? render : undefined;
      this.#pendingDeletes.clear();
    }
    return outcome;
  }

  /**
   * Goes to a new render with the least disruption: through the runtime API when only servers
   * and map contents change ({@link planUpdate}), writing the files too so that a later reload
   * loads the same state; otherwise (or if a runtime command fails) through {@link apply}.
   * @param render - the new render result
   * @returns how it was applied
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_NOT_RUNNING`, `ERR_HAPROXY_RENDERER_WRITE_FAILED`
   */
  update(render: RenderResult): Promise<UpdateOutcome> {
    // One serialised step, so the plan is made against the render that is really running.
    return this.#serial(async (): Promise<UpdateOutcome> => {
      const current = this.#current;
      const plan = current === undefined ? undefined : planUpdate(current, render);
      let reasons: readonly string[];
      if (plan === undefined || plan.reload) {
        reasons = plan?.reasons ?? ['no render known to be running'];
      } else {
        const api = new RuntimeApi({ socketPath: this.#o.statsSocket });
        // Deletions HAProxy deferred earlier: try again (the servers are in maintenance already).
        for (const srv of [...this.#pendingDeletes]) {
          const answer = await api.command(`del server ${srv}`).catch(() => '');
          if (/Server deleted/.test(answer)) this.#pendingDeletes.delete(srv);
        }
        const result = await api.execute(plan.commands);
        if (result.ok) {
          for (const f of result.failures) {
            if (f.optional && f.command.startsWith('del server ')) {
              this.#pendingDeletes.add(f.command.slice('del server '.length));
            }
          }
          await writeRenderedFiles(this.#o.workingDir, render, { prune: true });
          this.#current = render;
          return {
            ok: true,
            mode: 'runtime',
            reasons: [],
            commands: result.sent,
            deferredDeletes: [...this.#pendingDeletes],
          };
        }
        reasons = [
          `runtime API refused: ${result.failures.map((f) => `${f.command} -> ${f.answer}`).join('; ')}`,
        ];
      }
      const outcome = await this.#apply(render);
      return outcome.ok
        ? { ok: true, mode: 'reload', reasons, commands: 0, deferredDeletes: [] }
        : { ...outcome, mode: 'reload', reasons };
    });
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.#running) return;
    this.#stopping = true;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(t);
  }

  /**
   * Graceful stop: SIGUSR1 (workers stop accepting and finish their connections), then SIGTERM
   * after `timeoutMs`, then SIGKILL 5 s later.
   * @param options - `timeoutMs` overrides `stopTimeoutMs`
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.#serial(async () => {
      const child = this.#child;
      if (child === undefined || !this.#running) return;
      this.#stopping = true;
      child.kill('SIGUSR1');
      const grace = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? this.#o.stopTimeoutMs);
      const hard = setTimeout(
        () => child.kill('SIGKILL'),
        (options.timeoutMs ?? this.#o.stopTimeoutMs) + 5_000,
      );
      await this.#exited;
      clearTimeout(grace);
      clearTimeout(hard);
    });
  }
}

function isRenderResult(r: WritableRender | undefined): r is RenderResult {
  return r !== undefined && Array.isArray((r as Partial<RenderResult>).backends);
}
