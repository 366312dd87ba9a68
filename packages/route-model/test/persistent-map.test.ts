import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap } from '../src/index.ts';

describe('PersistentMap', () => {
  it('behaves like a sorted Map under any sequence of changes, sharing old versions unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.option(fc.integer(), { nil: undefined })), {
            maxLength: 30,
          }),
          { maxLength: 10 },
        ),
        (batches) => {
          let pm = PersistentMap.empty<number>();
          const ref = new Map<string, number>();
          for (const batch of batches) {
            const before = pm;
            const beforeEntries = [...before];
            const changes = new Map<string, number | undefined>(batch);
            pm = pm.withChanges(changes);
            for (const [k, v] of changes) {
              if (v === undefined) ref.delete(k);
              else ref.set(k, v);
            }
            expect([...before]).toEqual(beforeEntries);
            const expected = [...ref].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            expect([...pm]).toEqual(expected);
            expect(pm.size).toBe(ref.size);
            for (const [k, v] of ref) {
              expect(pm.get(k)).toBe(v);
              expect(pm.has(k)).toBe(true);
            }
            const changed = new Set(before.changedKeys(pm));
            for (const k of new Set([...before.keys(), ...pm.keys()])) {
              expect(changed.has(k)).toBe(before.get(k) !== pm.get(k) || before.has(k) !== pm.has(k));
            }
          }
        },
      ),
    );
  });

  it('is a Map for instanceof checks and copies, and refuses mutation', () => {
    const pm = PersistentMap.from([
      ['b', 2],
      ['a', 1],
    ]);
    expect(pm instanceof Map).toBe(true);
    expect(new Map(pm)).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(() => pm.set('c', 3)).toThrow(TypeError);
    expect(() => pm.delete('a')).toThrow(TypeError);
    expect(() => pm.clear()).toThrow(TypeError);
    const seen: string[] = [];
    pm.forEach((v, k) => {
      seen.push(`${k}=${v}`);
    });
    expect(seen).toEqual(['a=1', 'b=2']);
    expect(pm.toJSON()).toEqual({ a: 1, b: 2 });
    expect(pm.withChanges(new Map([['a', 1]]))).toBe(pm);
  });
});
