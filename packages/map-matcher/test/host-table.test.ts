import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostTable } from '../src/internal/host-table.ts';

// The route index trusts HostTable to behave exactly like a Map keyed by byte strings, through
// growth, deletions (backward shifts within probe runs) and arena rebuilds.
const key = fc.string({
  unit: fc.constantFrom('a', 'b', '.', '-', '\u00e9', '\u00ff', '\u0000'),
  maxLength: 9,
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);

describe('HostTable', () => {
  it('behaves like a Map under random sets and deletes (ranges probed inside longer strings)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.array(key, { maxLength: 30 }), (ops, probes) => {
        const t = new HostTable<number, string>();
        const m = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            t.set(o.key, o.value);
            t.setHot(o.key, `hot:${o.value}`);
            m.set(o.key, o.value);
          } else {
            expect(t.delete(o.key)).toBe(m.delete(o.key));
          }
          expect(t.size).toBe(m.size);
        }
        for (const k of [...m.keys(), ...probes]) {
          const id = t.find(`x/${k}:1`, 2, 2 + k.length);
          expect(id === -1 ? undefined : t.at(id)).toBe(m.get(k));
          expect(id === -1 ? undefined : t.hot(id)).toBe(m.has(k) ? `hot:${m.get(k)}` : undefined);
          expect(t.get(k)).toBe(m.get(k));
        }
        expect(new Map(t.entries())).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    { name: 'grows past many rebuilds and shrinks to empty', n: 5000 },
    { name: 'small table', n: 40 },
  ])('$name', ({ n }) => {
    const t = new HostTable<number>();
    for (let i = 0; i < n; i++) t.set(`host-${i}.example.com`, i);
    for (let i = 0; i < n; i += 2) expect(t.delete(`host-${i}.example.com`)).toBe(true);
    for (let i = 0; i < n; i++) expect(t.get(`host-${i}.example.com`)).toBe(i % 2 === 0 ? undefined : i);
    for (let i = 1; i < n; i += 2) expect(t.delete(`host-${i}.example.com`)).toBe(true);
    expect(t.size).toBe(0);
    expect(t.get('host-1.example.com')).toBeUndefined();
    expect(t.find('', 0, 0)).toBe(-1);
  });

  it('keeps fast answers (root, segment and prefix paths) through moves, deletes and rebuilds', () => {
    const t = new HostTable<number>();
    const n = 3000;
    const host = (i: number): string => `h${i}.example.com`;
    for (let i = 0; i < n; i++) {
      t.set(host(i), i);
      t.setFast(host(i), {
        root: i % 3 === 0 ? undefined : { rank: 100, value: `root${i}` },
        paths: [
          { path: '/api', rank: 50, value: `api${i}` },
          { path: '/api/v1/', rank: 60, value: `v1${i}` },
        ],
      });
    }
    for (let i = 0; i < n; i += 2) t.delete(host(i));
    const answer = (input: string): string | undefined => {
      const slash = input.indexOf('/');
      const pos = t.find(input, 0, slash === -1 ? input.length : slash);
      if (pos === -1) {
        expect(t.findAnswer(input, 0, slash === -1 ? input.length : slash, slash)).toBe(-3);
        return 'no host';
      }
      const m = t.fastMatch(pos, input, slash);
      // findAnswer (one probe, root answer preloaded by slot) must agree with find + fastMatch.
      const f = t.findAnswer(input, 0, slash === -1 ? input.length : slash, slash);
      expect([f, t.foundAt]).toEqual([m, pos]);
      if (m >= 0) expect(t.answer).toBe(t.answerAt(m));
      return m < 0 ? undefined : t.answerAt(m);
    };
    for (let i = 1; i < n; i += 2) {
      const root = i % 3 === 0 ? undefined : `root${i}`;
      expect([i, answer(host(i))]).toEqual([i, root]);
      expect(answer(`${host(i)}/apix`)).toBe(root);
      expect(answer(`${host(i)}/api`)).toBe(`api${i}`);
      expect(answer(`${host(i)}/api/v1/x`)).toBe(`api${i}`);
      expect(answer(`${host(i)}/ap`)).toBe(root);
      expect(t.at(t.find(host(i), 0, host(i).length))).toBe(i);
    }
    expect(answer(`${host(0)}/api`)).toBe('no host');
    t.setFast(host(1), undefined);
    expect(t.fastMatch(t.find(host(1), 0, host(1).length), host(1), -1)).toBe(-2);
    t.setFast(host(3), { root: undefined, paths: [{ path: '/a/', rank: 1, value: 'a' }] });
    expect(answer(`${host(3)}/a/b`)).toBe('a');
    expect(answer(`${host(3)}/a`)).toBeUndefined();
  });
});
