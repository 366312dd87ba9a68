/**
 * OpenShift's `CoalescingSerializingRateLimiter` (reference §5.1): leading edge plus one
 * coalesced trailing run, never overlapping. The first change after an idle period runs at
 * once; changes within `intervalMs` of the last start merge into one run at
 * `lastStart + intervalMs`; a run that takes longer than the interval is followed at once by
 * another run when changes arrived meanwhile.
 */

/** Clock and timer functions, injectable so the schedule can be tested without waiting. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: CoalescerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Options of {@link createCoalescer}. */
export interface CoalescerOptions {
  /** Minimum time between the starts of two runs, in ms (`RELOAD_INTERVAL`). */
  readonly intervalMs: number;
  /** The work: applies the latest state. Errors are passed to `onError`; the next change retries. */
  readonly run: () => Promise<void>;
  /** Called with an error thrown by `run`. @default ignore */
  readonly onError?: (error: unknown) => void;
  /** @default performance.now and the global timers */
  readonly clock?: CoalescerClock;
}

/** A running coalescer. */
export interface Coalescer {
  /** Records that the state changed; a run follows according to the schedule. */
  registerChange(): void;
  /** Resolves when no run is in progress or pending. */
  idle(): Promise<void>;
  /** Cancels a pending run and resolves once a running one has finished. */
  stop(): Promise<void>;
  /** Runs started so far. */
  readonly runs: number;
  /** True while a run is in progress or scheduled. */
  readonly busy: boolean;
}

/**
 * Creates a coalescing, serialising rate limiter.
 * @param options - interval and work
 * @returns the coalescer
 * @example
 * ```ts
 * const c = createCoalescer({ intervalMs: 5000, run: () => reloadHaproxy() });
 * c.registerChange(); // runs at once
 * c.registerChange(); // merged into one run 5 s after the first started
 * ```
 */
export function createCoalescer(options: CoalescerOptions): Coalescer {
  const clock = options.clock ?? SYSTEM_CLOCK;
  let lastStart = Number.NEGATIVE_INFINITY;
  let pending = false;
  let running: Promise<void> | undefined;
  let timer: unknown;
  let stopped = false;
  let runs = 0;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (running === undefined && !pending) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const start = (): void => {
    timer = undefined;
    pending = false;
    lastStart = clock.now();
    runs += 1;
    running = (async () => {
      try {
        await options.run();
      } catch (error) {
        options.onError?.(error);
      }
    })().then(() => {
      running = undefined;
      // Changes that arrived during the run are handled now (at once if the run was slow).
      if (pending && !stopped) schedule();
      settleIdle();
    });
  };

  const schedule = (): void => {
    if (stopped || running !== undefined || timer !== undefined) return;
    const since = clock.now() - lastStart;
    if (since >= options.intervalMs) start();
    else timer = clock.setTimeout(start, options.intervalMs - since);
  };

  return {
    registerChange(): void {
      if (stopped) return;
      pending = true;
      schedule();
    },
    idle(): Promise<void> {
      if (running === undefined && !pending) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      pending = false;
      if (running !== undefined) await running;
      settleIdle();
    },
    get runs(): number {
      return runs;
    },
    get busy(): boolean {
      return running !== undefined || pending || timer !== undefined;
    },
  };
}
