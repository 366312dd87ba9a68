import { describe, expect, it } from 'vitest';
import { runSoak } from '../bench/soak-core.ts';

describe('hot update under load (short version of bench/soak.ts)', () => {
  it('5 s of requests while routes change every 100 ms: zero failures, WebSocket survives', async () => {
    const r = await runSoak({ durationMs: 5_000, intervalMs: 100, concurrency: 8 });
    expect(r.failureSamples).toEqual([]);
    expect(r.failures).toBe(0);
    expect(r.updates).toBeGreaterThanOrEqual(20);
    expect(r.requests).toBeGreaterThan(100);
    expect(r.websocketEchoedAfterLastUpdate).toBe(true);
  }, 60_000);
});
