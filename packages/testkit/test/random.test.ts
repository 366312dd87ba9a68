import { pick, prng } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';

describe('prng (seeded mulberry32)', () => {
  // The seeds in other packages' tests and benchmarks name these exact sequences: pin them.
  it.each([
    { name: 'seed 1', seed: 1, first: [0.6270739405881613, 0.002735721180215478, 0.5274470399599522] },
    { name: 'seed 2^32 + 1 wraps to seed 1', seed: 2 ** 32 + 1, first: [0.6270739405881613] },
  ])('$name gives the pinned sequence', ({ seed, first }) => {
    const rand = prng(seed);
    expect(first.map(() => rand())).toEqual(first);
  });

  it('repeats for the same seed, differs across seeds and stays in [0, 1)', () => {
    const draw = (seed: number) => {
      const rand = prng(seed);
      return Array.from({ length: 1000 }, () => rand());
    };
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(990);
  });
});

describe('pick', () => {
  it('takes the item at floor(rand() * length), one draw per call', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const a = prng(9);
    const b = prng(9);
    for (let i = 0; i < 200; i++) expect(pick(a, items)).toBe(items[Math.floor(b() * items.length)]);
  });

  it.each([
    { name: 'just below 1 picks the last', value: 0.999999, want: 'c' },
    { name: '0 picks the first', value: 0, want: 'a' },
  ])('$name', ({ value, want }) => {
    expect(pick(() => value, ['a', 'b', 'c'])).toBe(want);
  });

  it('throws on an empty list', () => {
    expect(() => pick(prng(1), [])).toThrow('pick: items is empty');
  });
});
