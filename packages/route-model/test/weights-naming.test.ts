import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backendName, calculateServiceWeights, routingKeyName, serviceUnitWeight } from '../src/index.ts';

describe('routingKeyName (router_test: route keys)', () => {
  it.each([
    ['ns1', 'route1', 'fff122aff563dd80a54a14181ab7c993'],
    ['default', 'example-route', 'c851b182c0b06a74bd60006a559fb1bd'],
  ])('%s:%s → %s (md5 of " ns:name", leading space kept)', (ns, name, want) => {
    expect(routingKeyName(ns, name)).toBe(want);
  });
});

describe('backendName (util_test: GenerateBackendNamePrefix)', () => {
  it.each([
    ['none', 'be_http:ns:r'],
    ['', 'be_http:ns:r'],
    ['unknown', 'be_http:ns:r'],
    ['edge', 'be_edge_http:ns:r'],
    ['reencrypt', 'be_secure:ns:r'],
    ['passthrough', 'be_tcp:ns:r'],
  ])('termination %j → %s', (term, want) => {
    expect(backendName(term, 'ns', 'r')).toBe(want);
  });
});

describe('serviceUnitWeight (getServiceUnitWeight)', () => {
  it.each([
    ['nil defaults to 1 (not the API default 100)', undefined, 1],
    ['null defaults to 1', null, 1],
    ['0 stays 0', 0, 0],
    ['256 stays', 256, 256],
    ['above 256 clamps', 1000, 256],
    ['negative clamps to 0', -5, 0],
  ])('%s', (_n, w, want) => {
    expect(serviceUnitWeight(w)).toBe(want);
  });
});

const units = (...u: [string, number, number][]) =>
  u.map(([key, weight, endpoints]) => ({ key, weight, endpoints }));

describe('calculateServiceWeights (router_test: TestCalculateServiceWeights)', () => {
  it.each<[string, ReturnType<typeof units>, Record<string, number>]>([
    ['single service, any weight → 1', units(['a', 100, 3]), { a: 1 }],
    ['one active, one zero-weight → 1 and 0', units(['a', 50, 1], ['b', 0, 2]), { a: 1, b: 0 }],
    ['service without endpoints is left out', units(['a', 50, 1], ['b', 50, 0]), { a: 1 }],
    ['all weights zero → 0', units(['a', 0, 1], ['b', 0, 1]), { a: 0, b: 0 }],
    ['equal weights and endpoints → 256 each', units(['a', 100, 1], ['b', 100, 1]), { a: 256, b: 256 }],
    ['worked example 1: 20/2 and 10/4 → 256 and 64', units(['a', 20, 2], ['b', 10, 4]), { a: 256, b: 64 }],
    [
      'worked example 2: 3/5 and 256/1 → 1 (raised) and 256',
      units(['a', 3, 5], ['b', 256, 1]),
      { a: 1, b: 256 },
    ],
    [
      'three services 100/50/0 → 256/128/0',
      units(['a', 100, 1], ['b', 50, 1], ['c', 0, 1]),
      { a: 256, b: 128, c: 0 },
    ],
    ['90/10 with one endpoint each → 256/28', units(['a', 90, 1], ['b', 10, 1]), { a: 256, b: 28 }],
    ['1/3 float32 truncation: 1/3 and 1/1 → 85 and 256', units(['a', 1, 3], ['b', 1, 1]), { a: 85, b: 256 }],
    [
      'float32 rounding leaves the largest at 255: 1/1 and 215/11',
      units(['a', 1, 1], ['b', 215, 11]),
      { a: 13, b: 255 },
    ],
    ['no services', units(), {}],
  ])('%s', (_n, input, want) => {
    expect(Object.fromEntries(calculateServiceWeights(input))).toEqual(want);
  });

  it('keeps every weight within 0..256 and scales the largest per-endpoint weight to 256 (255 after float32 rounding) (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ weight: fc.integer({ min: 0, max: 256 }), endpoints: fc.integer({ min: 0, max: 50 }) }),
          {
            maxLength: 4,
          },
        ),
        (raw) => {
          const input = raw.map((r, i) => ({ key: `s${i}`, ...r }));
          const out = calculateServiceWeights(input);
          const withEndpoints = input.filter((u) => u.endpoints > 0);
          expect(out.size).toBe(withEndpoints.length);
          for (const w of out.values()) expect(w >= 0 && w <= 256 && Number.isInteger(w)).toBe(true);
          const active = withEndpoints.filter((u) => u.weight > 0);
          // float32 rounding can leave the largest at 255 (1/1 against 215/11 gives 255.99998), as in Go.
          if (active.length >= 2) expect(Math.max(...out.values())).toBeGreaterThanOrEqual(255);
          for (const u of withEndpoints) expect(out.get(u.key)! > 0).toBe(u.weight > 0);
        },
      ),
    );
  });
});
