/**
 * Changes without a reload: `planUpdate` compares two renders and lists the runtime API
 * commands that bring a running HAProxy from one to the other (server add/remove/weight, whole
 * map swaps), or says why a reload is needed; `RuntimeApi` runs them over the stats socket.
 */
import { HaproxyRendererError } from './errors.ts';
import { sendSocketCommand } from './internal/socket.ts';
import type { RenderResult } from './render.ts';

/** One runtime step. */
export type RuntimeCommand =
  /** A single CLI command; `expect` matches a successful answer. */
  | {
      readonly type: 'command';
      readonly command: string;
      readonly expect: RegExp;
      /** When true, a failure is reported but does not make the update fail (e.g. a deferred `del server`). */
      readonly optional?: boolean;
    }
  /** Atomically replace a whole map: `prepare map`, `add map @ver` (payload), `commit map @ver`. */
  | { readonly type: 'replace-map'; readonly path: string; readonly content: string };

/** What {@link planUpdate} decided. */
export interface UpdatePlan {
  /** Whether the change needs a reload (then `commands` is empty). */
  readonly reload: boolean;
  /** Why a reload is needed, one entry per cause (empty when `reload` is false). */
  readonly reasons: readonly string[];
  /** Commands to run, in order, when no reload is needed. */
  readonly commands: readonly RuntimeCommand[];
  /** Differences left between the running state and the files after the commands (harmless, applied at the next reload). */
  readonly drift: readonly string[];
}

const EMPTY = /^\s*$/;
const OK_ADD = /New server registered/;
const OK_DEL = /Server deleted/;

function serverLineConfig(config: string): string {
  // Route backends' server lines are what runtime commands change; the two unix-socket servers
  // of be_sni and be_no_sni are fixed and stay part of the comparison.
  return config
    .split('\n')
    .filter(
      (l) =>
        !(
          l.startsWith('  server ') &&
          !l.startsWith('  server fe_sni ') &&
          !l.startsWith('  server fe_no_sni ')
        ),
    )
    .join('\n');
}

/**
 * Plans how to go from the running render `prev` to `next`.
 *
 * A reload is needed when a backend is created or removed, when anything other than server lines
 * and map contents changes (backend settings, certificates, global options), or when a server
 * must be added to a backend whose servers carry static cookies (`add server` cannot set one;
 * render with `dynamicServers: true` to avoid that). Otherwise the plan holds `del server`
 * (after `state maint`), `add server` (+ `enable health`), `set server … weight` and whole-map
 * replacements.
 *
 * @param prev - the render HAProxy runs
 * @param next - the render to go to
 * @returns the plan
 * @example
 * ```ts
 * const plan = planUpdate(running, next)
 * if (plan.reload) await proc.apply(next); else await api.execute(plan.commands)
 * ```
 */
export function planUpdate(prev: RenderResult, next: RenderResult): UpdatePlan {
  const reasons: string[] = [];
  const drift: string[] = [];
  const commands: RuntimeCommand[] = [];
  if (prev.workingDir !== next.workingDir) reasons.push('workingDir changed');
  if (prev.layout !== next.layout) reasons.push('layout changed');
  const prevBackends = new Map(prev.backends.map((b) => [b.name, b]));
  const nextBackends = new Map(next.backends.map((b) => [b.name, b]));
  for (const name of nextBackends.keys())
    if (!prevBackends.has(name)) reasons.push(`backend ${name} created`);
  for (const name of prevBackends.keys())
    if (!nextBackends.has(name)) reasons.push(`backend ${name} removed`);
  if (reasons.length === 0) {
    for (const [name, b] of nextBackends) {
      const a = prevBackends.get(name);
      if (a !== undefined && a.settings !== b.settings) reasons.push(`backend ${name} settings changed`);
    }
  }
  const prevConfig = prev.files['haproxy.config'] ?? '';
  const nextConfig = next.files['haproxy.config'] ?? '';
  if (reasons.length === 0 && serverLineConfig(prevConfig) !== serverLineConfig(nextConfig)) {
    reasons.push('configuration outside server lines changed');
  }
  const maps = new Set(next.mapFiles);
  for (const path of new Set([...Object.keys(prev.files), ...Object.keys(next.files)])) {
    if (path === 'haproxy.config' || maps.has(path)) continue;
    // A map file the configuration does not read only needs writing.
    if (path.endsWith('.map') && path !== 'cert_config.map') continue;
    if (prev.files[path] !== next.files[path]) reasons.push(`file ${path} changed`);
  }
  if (reasons.length > 0) return { reload: true, reasons, commands: [], drift: [] };

  for (const [name, b] of nextBackends) {
    const a = prevBackends.get(name);
    if (a === undefined) continue;
    const before = new Map(a.servers.map((s) => [s.name, s]));
    const after = new Map(b.servers.map((s) => [s.name, s]));
    for (const [sname, s] of before) {
      if (after.has(sname)) continue;
      commands.push({ type: 'command', command: `set server ${name}/${sname} state maint`, expect: EMPTY });
      // `del server` is refused while the server still has connections; it then stays in
      // maintenance (no new traffic) and disappears at the next reload.
      commands.push({
        type: 'command',
        command: `del server ${name}/${sname}`,
        expect: OK_DEL,
        optional: true,
      });
      void s;
    }
    for (const [sname, s] of after) {
      const old = before.get(sname);
      if (old === undefined) {
        if (s.staticCookie) {
          return {
            reload: true,
            reasons: [`server ${name}/${sname} added to a backend with static cookies`],
            commands: [],
            drift: [],
          };
        }
        const args = [`weight ${s.weight}`, ...joinArgs(s.runtimeArgs)].join(' ');
        commands.push({
          type: 'command',
          command: `add server ${name}/${sname} ${s.address} ${args}`,
          expect: OK_ADD,
        });
        // Dynamic servers start in maintenance.
        commands.push({ type: 'command', command: `set server ${name}/${sname} state ready`, expect: EMPTY });
        if (s.check)
          commands.push({ type: 'command', command: `enable health ${name}/${sname}`, expect: EMPTY });
        continue;
      }
      if (old.address !== s.address) {
        return {
          reload: true,
          reasons: [`server ${name}/${sname} changed address`],
          commands: [],
          drift: [],
        };
      }
      const oldArgs = old.runtimeArgs.join(' ');
      const newArgs = s.runtimeArgs.join(' ');
      if (withoutCheck(oldArgs) !== withoutCheck(newArgs)) {
        return {
          reload: true,
          reasons: [`server ${name}/${sname} options changed`],
          commands: [],
          drift: [],
        };
      }
      if (oldArgs !== newArgs)
        drift.push(`server ${name}/${sname}: health check ${s.check ? 'on' : 'off'} in the file only`);
      if (old.weight !== s.weight) {
        commands.push({
          type: 'command',
          command: `set server ${name}/${sname} weight ${s.weight}`,
          expect: EMPTY,
        });
      }
    }
  }
  for (const path of next.mapFiles) {
    const content = next.files[path] ?? '';
    if (prev.files[path] !== content)
      commands.push({ type: 'replace-map', path: `${next.workingDir}/${path}`, content });
  }
  return { reload: false, reasons: [], commands, drift };
}

function joinArgs(args: readonly string[]): string[] {
  return args.length === 0 ? [] : [args.join(' ')];
}

function withoutCheck(args: string): string {
  return args
    .replace(/\bcheck inter \S+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Result of {@link RuntimeApi.execute}. */
export interface RuntimeResult {
  /** Whether every non-optional command succeeded. */
  readonly ok: boolean;
  /** Commands that failed, with HAProxy's answer. */
  readonly failures: readonly {
    readonly command: string;
    readonly answer: string;
    readonly optional: boolean;
  }[];
  /** How many commands were sent. */
  readonly sent: number;
}

/** Options of {@link RuntimeApi}. */
export interface RuntimeApiOptions {
  /** The stats socket (`level admin`), e.g. `<workingDir>/run/haproxy.sock`. */
  socketPath: string;
  /** Per-command timeout. @default 10000 */
  timeoutMs?: number;
  /** Largest `add map` payload per command, in bytes (HAProxy reads a command into one buffer). @default 16000 */
  maxPayloadBytes?: number;
}

/**
 * A client of HAProxy's runtime API over the stats socket.
 *
 * @example
 * ```ts
 * const api = new RuntimeApi({ socketPath: proc.statsSocket })
 * const result = await api.execute(planUpdate(prev, next).commands)
 * ```
 */
export class RuntimeApi {
  readonly #path: string;
  readonly #timeout: number;
  readonly #maxPayload: number;

  /** @param options - socket path and limits */
  constructor(options: RuntimeApiOptions) {
    this.#path = options.socketPath;
    this.#timeout = options.timeoutMs ?? 10_000;
    this.#maxPayload = options.maxPayloadBytes ?? 16_000;
  }

  /**
   * Sends one command and returns HAProxy's answer.
   * @param command - a runtime API command (a payload follows `<<\n`)
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API` when the socket fails
   */
  async command(command: string): Promise<string> {
    try {
      return await sendSocketCommand(this.#path, command, this.#timeout);
    } catch (e) {
      throw new HaproxyRendererError(
        'ERR_HAPROXY_RENDERER_RUNTIME_API',
        `runtime API ${JSON.stringify(command.split('\n')[0])}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /**
   * `show info` as a record (`Pid`, `Uptime_sec`, ...).
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API`
   */
  async showInfo(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.command('show info')).split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  }

  /**
   * Server names and states of a backend (`show servers state`): name → operational state
   * (2 = running, 0 = stopped) and admin state (bit 0x01 = maintenance).
   * @param backend - the backend name
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API`
   */
  async servers(
    backend: string,
  ): Promise<Map<string, { address: string; weight: number; maintenance: boolean }>> {
    const out = new Map<string, { address: string; weight: number; maintenance: boolean }>();
    const text = await this.command(`show servers state ${backend}`);
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '' || /^\d+$/.test(line.trim())) continue;
      const f = line.split(' ');
      // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ...
      const name = f[3];
      if (name === undefined) continue;
      out.set(name, {
        address: `${f[4]}:${f[18] ?? ''}`,
        weight: Number(f[7]),
        maintenance: (Number(f[6]) & 0x01) !== 0 || (Number(f[6]) & 0x20) !== 0,
      });
    }
    return out;
  }

  /**
   * Runs commands in order. Stops at the first failed non-optional command.
   * @param commands - from {@link planUpdate}
   * @returns what succeeded and what failed
   * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_RUNTIME_API` when the socket fails
   */
  async execute(commands: readonly RuntimeCommand[]): Promise<RuntimeResult> {
    const failures: { command: string; answer: string; optional: boolean }[] = [];
    let sent = 0;
    for (const c of commands) {
      if (c.type === 'command') {
        sent++;
        const answer = await this.command(c.command);
        if (!c.expect.test(answer)) {
          failures.push({ command: c.command, answer: answer.trim(), optional: c.optional === true });
          if (c.optional !== true) return { ok: false, failures, sent };
        }
        continue;
      }
      const prepared = await this.command(`prepare map ${c.path}`);
      sent++;
      const m = /New version created: (\d+)/.exec(prepared);
      if (m === null) {
        failures.push({ command: `prepare map ${c.path}`, answer: prepared.trim(), optional: false });
        return { ok: false, failures, sent };
      }
      const ver = m[1] as string;
      const lines = c.content.split('\n').filter((l) => l !== '');
      let chunk: string[] = [];
      let size = 0;
      const flush = async (): Promise<boolean> => {
        if (chunk.length === 0) return true;
        sent++;
        // A payload ends with an empty line.
        const answer = await this.command(`add map @${ver} ${c.path} <<\n${chunk.join('\n')}\n\n`);
        chunk = [];
        size = 0;
        if (!EMPTY.test(answer)) {
          failures.push({ command: `add map @${ver} ${c.path}`, answer: answer.trim(), optional: false });
          return false;
        }
        return true;
      };
      for (const l of lines) {
        if (size + l.length + 1 > this.#maxPayload && !(await flush())) return { ok: false, failures, sent };
        chunk.push(l);
        size += Buffer.byteLength(l) + 1;
      }
      if (!(await flush())) return { ok: false, failures, sent };
      sent++;
      const committed = await this.command(`commit map @${ver} ${c.path}`);
      if (!EMPTY.test(committed)) {
        failures.push({ command: `commit map @${ver} ${c.path}`, answer: committed.trim(), optional: false });
        return { ok: false, failures, sent };
      }
    }
    return { ok: true, failures, sent };
  }
}
