import { MessageChannel } from 'node:worker_threads';
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
            expect([...structuredClone(pm)]).toEqual(expected);
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

  it.each<[string, number]>([
    ['empty', 0],
    ['one entry', 1],
    ['many entries across buckets, after several versions', 3000],
  ])('structuredClone keeps every entry in key order (%s)', (_n, count) => {
    let pm = PersistentMap.empty<{ n: number }>();
    for (let i = count - 1; i >= 0; i -= 500) {
      const batch = new Map<string, { n: number } | undefined>();
      for (let j = i; j > i - 500 && j >= 0; j--) batch.set(`k${String(j).padStart(5, '0')}`, { n: j });
      pm = pm.withChanges(batch);
    }
    if (count > 1) pm = pm.withChanges(new Map([['k00000', undefined]]));
    const expected = [...pm];
    const clone = structuredClone(pm);
    expect(clone).toBeInstanceOf(Map);
    expect(clone.size).toBe(pm.size);
    expect([...clone]).toEqual(expected);
    for (const [k, v] of expected) {
      expect(Map.prototype.get.call(pm, k)).toBe(v);
      expect(Map.prototype.has.call(pm, k)).toBe(true);
    }
    expect(Map.prototype.has.call(pm, 'k00000')).toBe(count === 1);
    expect(Map.prototype.get.call(pm, 'absent')).toBeUndefined();
  });

  it('a routing table posted through a MessageChannel arrives whole', async () => {
    const pm = PersistentMap.from([
      ['ns:b', { host: 'b.test' }],
      ['ns:a', { host: 'a.test' }],
    ]).withChanges(new Map([['ns:c', { host: 'c.test' }]]));
    const { port1, port2 } = new MessageChannel();
    try {
      const received = new Promise<{ routes: Map<string, { host: string }> }>((resolve) => {
        port2.once('message', resolve);
      });
      port1.postMessage({ routes: pm });
      const table = await received;
      expect([...table.routes]).toEqual([
        ['ns:a', { host: 'a.test' }],
        ['ns:b', { host: 'b.test' }],
        ['ns:c', { host: 'c.test' }],
      ]);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('an old version keeps its base Map entries after newer versions are made', () => {
    const v1 = PersistentMap.from([['a', 1]]);
    const v2 = v1.withChanges(
      new Map([
        ['a', 2],
        ['b', 3],
      ]),
    );
    const v3 = v2.withChanges(new Map([['a', undefined]]));
    expect([...structuredClone(v1)]).toEqual([['a', 1]]);
    expect([...structuredClone(v2)]).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect([...structuredClone(v3)]).toEqual([['b', 3]]);
  });
});
