import { describe, expect, it } from 'vitest';
import { type CoalescerClock, createCoalescer } from '../src/coalescer.ts';

/** A manual clock: time moves only when the test says so. */
function manualClock(): CoalescerClock & { advance(ms: number): Promise<void> } {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      nextId += 1;
      timers.push({ at: now + ms, fn, id: nextId });
      return nextId;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = until;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function recorder(clock: CoalescerClock, durationMs = 0) {
  const starts: number[] = [];
  let active = 0;
  let overlapped = false;
  const gates: (() => void)[] = [];
  return {
    starts,
    get overlapped() {
      return overlapped;
    },
    finishRun() {
      gates.shift()?.();
    },
    run: async () => {
      starts.push(clock.now());
      active += 1;
      if (active > 1) overlapped = true;
      if (durationMs > 0) await new Promise<void>((resolve) => gates.push(resolve));
      active -= 1;
    },
  };
}

describe('createCoalescer (OpenShift CoalescingSerializingRateLimiter)', () => {
  it('runs the first change after an idle period at once', async () => {
    const clock = manualClock();
    const r = recorder(clock);
    const c = createCoalescer({ intervalMs: 5000, run: r.run, clock });
    c.registerChange();
    await clock.advance(0);
    expect(r.starts).toEqual([1_000_000]);
  });

  it('merges changes within the interval into one run at lastStart + interval', async () => {
    const clock = manualClock();
    const r = recorder(clock);
    const c = createCoalescer({ intervalMs: 5000, run: r.run, clock });
    c.registerChange();
    await clock.advance(1000);
    c.registerChange();
    await clock.advance(1000);
    c.registerChange();
    c.registerChange();
    await clock.advance(10_000);
    expect(r.starts).toEqual([1_000_000, 1_005_000]);
    expect(c.runs).toBe(2);
  });

  it('never overlaps runs, and a slow run is followed at once when changes arrived meanwhile', async () => {
    const clock = manualClock();
    const r = recorder(clock, 1);
    const c = createCoalescer({ intervalMs: 1000, run: r.run, clock });
    c.registerChange();
    await clock.advance(100);
    c.registerChange(); // arrives while the first run is still going
    await clock.advance(4900); // the run takes 5 s, longer than the interval
    expect(r.starts).toEqual([1_000_000]);
    r.finishRun();
    await clock.advance(0);
    expect(r.starts).toEqual([1_000_000, 1_005_000]);
    r.finishRun();
    await clock.advance(0);
    expect(r.overlapped).toBe(false);
    await c.idle();
  });

  it('runs at once again after the interval has passed', async () => {
    const clock = manualClock();
    const r = recorder(clock);
    const c = createCoalescer({ intervalMs: 5000, run: r.run, clock });
    c.registerChange();
    await clock.advance(7000);
    c.registerChange();
    await clock.advance(0);
    expect(r.starts).toEqual([1_000_000, 1_007_000]);
  });

  it('reports a failing run and retries on the next change', async () => {
    const clock = manualClock();
    const errors: unknown[] = [];
    let calls = 0;
    const c = createCoalescer({
      intervalMs: 1000,
      clock,
      onError: (e) => errors.push(e),
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('reload failed');
      },
    });
    c.registerChange();
    await clock.advance(2000);
    c.registerChange();
    await clock.advance(0);
    expect(calls).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['reload failed']);
  });

  it('stop() cancels a pending run', async () => {
    const clock = manualClock();
    const r = recorder(clock);
    const c = createCoalescer({ intervalMs: 5000, run: r.run, clock });
    c.registerChange();
    await clock.advance(10);
    c.registerChange();
    await c.stop();
    await clock.advance(10_000);
    c.registerChange();
    await clock.advance(0);
    expect(r.starts).toEqual([1_000_000]);
  });

  it('busy is true while a run is scheduled or in progress', async () => {
    const clock = manualClock();
    const r = recorder(clock, 1);
    const c = createCoalescer({ intervalMs: 1000, run: r.run, clock });
    expect(c.busy).toBe(false);
    c.registerChange();
    expect(c.busy).toBe(true); // running
    r.finishRun();
    await clock.advance(0);
    expect(c.busy).toBe(false);
    c.registerChange(); // within the interval: scheduled
    expect(c.busy).toBe(true);
    await clock.advance(1000);
    r.finishRun();
    await clock.advance(0);
    expect(c.busy).toBe(false);
  });
});
