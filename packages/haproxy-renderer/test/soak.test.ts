import { describe, expect, it } from 'vitest';
import { runSoak } from '../bench/soak.ts';

describe('reload under load (short version of bench/soak.ts)', () => {
  it('5 s of requests while the route set changes: zero failures, WebSocket survives every reload', async () => {
    const r = await runSoak({ durationMs: 5_000, changeEveryMs: 500, concurrency: 8, layout: 'indexed' });
    expect(r.failureSamples).toEqual([]);
    expect(r.failures).toBe(0);
    expect(r.requests).toBeGreaterThan(100);
    expect(r.reloads).toBeGreaterThanOrEqual(3);
    expect(r.runtimeUpdates).toBeGreaterThanOrEqual(1);
    expect(r.websocketEchoedAfterLastChange).toBe(true);
  }, 60_000);
});
