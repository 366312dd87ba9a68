import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordCursor, parseFromCursor } from '../src/client-hello.ts';
import { type ClientHelloResult, DEFAULT_MAX_BYTES, parseClientHello } from '../src/index.ts';
import { handshakeBytes, loadFixtures, refragment } from './helpers/tls-bytes.ts';

const fixtures = loadFixtures();
const seeds: Buffer[] = fixtures.flatMap((f) => [f.bytes, refragment(f.bytes, 64), refragment(f.bytes, 7)]);

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return (
    Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(Buffer.from(needle)) !== -1
  );
}

function u16(v: number): Buffer {
  return Buffer.from([v >> 8, v & 0xff]);
}

/** Checks that everything a `complete` result reports was really in the input. */
function assertInsideInput(input: Uint8Array, r: ClientHelloResult): void {
  if (r.status === 'incomplete') {
    expect(r.needed).toBeGreaterThanOrEqual(1);
    return;
  }
  if (r.status === 'invalid') {
    expect(typeof r.code).toBe('string');
    return;
  }
  if (r.status !== 'complete') return;
  expect(r.consumed).toBeGreaterThan(0);
  expect(r.consumed).toBeLessThanOrEqual(input.length);
  const hs = handshakeBytes(input.subarray(0, r.consumed));
  expect(r.hello.handshakeLength).toBeLessThanOrEqual(hs.length);
  const msg = hs.subarray(0, r.hello.handshakeLength);
  if (r.hello.serverName !== undefined)
    expect(contains(msg, Buffer.from(r.hello.serverName, 'latin1'))).toBe(true);
  for (const p of r.hello.alpnProtocols) expect(contains(msg, Buffer.from(p, 'latin1'))).toBe(true);
  for (const v of [...r.hello.cipherSuites, ...r.hello.extensionTypes, ...r.hello.supportedVersions]) {
    expect(contains(msg, u16(v))).toBe(true);
  }
  // The answer depends only on the consumed bytes.
  expect(parseClientHello(input.subarray(0, r.consumed))).toEqual(r);
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'add16'; at: number; delta: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // Length fields are big-endian 16-bit words: nudge one up or down.
  fc.record({ kind: fc.constant('add16' as const), at: fc.nat(), delta: fc.integer({ min: -8, max: 8 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'add16': {
        if (at + 1 >= b.length) break;
        const v = (b.readUInt16BE(at) + m.delta + 0x10000) & 0xffff;
        b.writeUInt16BE(v, at);
        break;
      }
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
    }
  }
  return b;
}

const mutatedHello = fc
  .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([i, ms]) => mutate(seeds[i] as Buffer, ms));

const tlsLooking = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 600 }))
  .map(([minor, rest]) => Buffer.concat([Buffer.from([0x16, 3, minor]), rest]));

describe('parseClientHello properties', () => {
  it('never throws on random bytes, and complete results lie inside the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2500 }), tlsLooking), (bytes) => {
        assertInsideInput(bytes, parseClientHello(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutated real hellos, and complete results lie inside the input', () => {
    fc.assert(
      fc.property(mutatedHello, (bytes) => {
        assertInsideInput(bytes, parseClientHello(bytes));
      }),
      { numRuns: 4000 },
    );
  });

  it('mutations of the fixed fields and lengths produce invalid or incomplete, never a wrong complete', () => {
    // A mutation that leaves the hello well formed must still report what is in the bytes; the
    // check above covers that. Here: most mutations of real hellos must be caught.
    let caught = 0;
    let runs = 0;
    fc.assert(
      fc.property(mutatedHello, (bytes) => {
        runs++;
        if (parseClientHello(bytes).status !== 'complete') caught++;
      }),
      { numRuns: 1000 },
    );
    expect(caught).toBeGreaterThan(runs / 2);
  });

  it('a final answer on a prefix never changes with more bytes, and needed is a lower bound', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedHello, fc.constantFrom(...seeds)), fc.nat(), (bytes, cutSeed) => {
        const cut = bytes.length === 0 ? 0 : cutSeed % (bytes.length + 1);
        const prefix = parseClientHello(bytes.subarray(0, cut));
        const full = parseClientHello(bytes);
        if (prefix.status !== 'incomplete') {
          expect(full).toEqual(prefix);
        } else {
          for (let extra = 0; extra < prefix.needed && cut + extra <= bytes.length; extra++) {
            expect(parseClientHello(bytes.subarray(0, cut + extra)).status).toBe('incomplete');
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('resuming with a record cursor over appended chunks gives the same answers as parsing afresh', () => {
    const streams = fc.oneof(
      mutatedHello,
      fc.constantFrom(...seeds),
      fc.constantFrom(...fixtures.map((f) => refragment(f.bytes, 1))),
    );
    fc.assert(
      fc.property(
        streams,
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
        (bytes, sizes) => {
          const cursor = createRecordCursor();
          let at = 0;
          let i = 0;
          while (at < bytes.length) {
            at = Math.min(bytes.length, at + (sizes[i++ % sizes.length] as number));
            const prefix = bytes.subarray(0, at);
            const resumed = parseFromCursor(prefix, DEFAULT_MAX_BYTES, cursor);
            expect(resumed).toEqual(parseClientHello(prefix));
            if (resumed.status !== 'incomplete') break;
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});
