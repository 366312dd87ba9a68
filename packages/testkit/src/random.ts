/** Seeded randomness for tests and benchmarks: the same seed gives the same sequence on every run. */

/**
 * A deterministic pseudo-random generator (mulberry32).
 *
 * Tests and benchmarks use it instead of `Math.random` so that generated inputs are reproducible
 * from the seed alone; it is not for anything that needs real randomness.
 *
 * @param seed - any number; it is reduced to an unsigned 32-bit integer.
 * @returns a function giving the next number of the sequence, in `[0, 1)`.
 * @example
 * ```ts
 * const rand = prng(7);
 * const index = Math.floor(rand() * items.length);
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One item of a non-empty list, chosen with `rand` (one call, like `items[Math.floor(rand() * n)]`).
 *
 * @param rand - a generator such as {@link prng}'s
 * @param items - the list to choose from
 * @returns the chosen item
 * @throws Error when `items` is empty (there is nothing to choose)
 */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick: items is empty');
  return items[Math.floor(rand() * items.length)] as T;
}
