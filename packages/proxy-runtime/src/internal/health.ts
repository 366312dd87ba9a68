/**
 * Active health checks as OpenShift configures them: `check inter <interval>` on the server
 * lines of routes with more than one active endpoint, HAProxy's default layer-4 check (a TCP
 * connect within `timeout check 5000ms`), `fall 3` and `rise 2`. A down server takes no new
 * requests; a sticky client is moved to another server, as with `option redispatch`.
 */
import { connect } from 'node:net';
import type { ServerState } from './backends.ts';

/** A check: resolves true when the server accepted a connection in time. */
export type HealthProbe = (server: ServerState) => Promise<boolean>;

const FALL = 3;
const RISE = 2;
const CHECK_TIMEOUT_MS = 5_000;

/** HAProxy's default check: a TCP connection opened within the check timeout. @internal */
export const tcpProbe: HealthProbe = (server) =>
  new Promise((resolve) => {
    const s = connect({ host: server.ip, port: server.port });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), CHECK_TIMEOUT_MS);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

interface CheckState {
  timer: NodeJS.Timeout;
  interval: number;
  running: boolean;
  fails: number;
  oks: number;
}

/** Runs the checks of the servers of the current table. @internal */
export class HealthChecker {
  #checks = new Map<ServerState, CheckState>();
  readonly #probe: HealthProbe;

  constructor(probe: HealthProbe = tcpProbe) {
    this.#probe = probe;
  }

  /** Starts checks for newly checked servers and stops those of servers that left or need none. */
  sync(servers: Iterable<ServerState>): void {
    const live = new Set<ServerState>();
    for (const s of servers) {
      if (s.checkInterval <= 0 || s.draining) continue;
      live.add(s);
      const c = this.#checks.get(s);
      if (c && c.interval === s.checkInterval) continue;
      if (c) clearInterval(c.timer);
      this.#start(s, c);
    }
    for (const [s, c] of this.#checks) {
      if (!live.has(s)) {
        clearInterval(c.timer);
        this.#checks.delete(s);
        s.up = true;
      }
    }
  }

  #start(s: ServerState, previous: CheckState | undefined): void {
    const state: CheckState = {
      timer: setInterval(() => this.#run(s, state), s.checkInterval),
      interval: s.checkInterval,
      running: false,
      fails: previous?.fails ?? 0,
      oks: previous?.oks ?? 0,
    };
    state.timer.unref();
    this.#checks.set(s, state);
  }

  #run(s: ServerState, c: CheckState): void {
    if (c.running) return;
    c.running = true;
    this.#probe(s).then(
      (ok) => this.#record(s, c, ok),
      () => this.#record(s, c, false),
    );
  }

  #record(s: ServerState, c: CheckState, ok: boolean): void {
    c.running = false;
    if (this.#checks.get(s) !== c) return;
    if (ok) {
      c.fails = 0;
      c.oks++;
      if (!s.up && c.oks >= RISE) s.up = true;
    } else {
      c.oks = 0;
      c.fails++;
      if (s.up && c.fails >= FALL) s.up = false;
    }
  }

  stop(): void {
    for (const c of this.#checks.values()) clearInterval(c.timer);
    this.#checks.clear();
  }
}
