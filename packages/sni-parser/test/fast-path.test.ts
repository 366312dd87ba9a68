// parseClientHello takes a fast path when the whole hello sits in the first record. The record
// walk without a shortcut (parseFromCursor, also used by peekClientHello) is the reference: the
// fast path must give exactly its answer, message text included, for every input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFromCursor } from '../src/client-hello.ts';
import { DEFAULT_MAX_BYTES, parseClientHello } from '../src/index.ts';
import {
  alpnBody,
  ext,
  helloMessage,
  loadFixtures,
  record,
  serverNameBody,
  vec8,
  vec16,
  versionsBody,
} from './helpers/tls-bytes.ts';

function reference(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): unknown {
  return parseFromCursor(bytes, maxBytes, undefined);
}

const empty = Buffer.alloc(0);
const hostEntry = (type: number, name: Buffer): Buffer => Buffer.concat([Buffer.from([type]), vec16(name)]);

/** One-record hellos built to hit each case the fast path accepts or hands back. */
const cases: Array<[string, Buffer]> = [
  ['no extensions block', record(helloMessage({}))],
  ['empty extensions block', record(helloMessage({ extensions: empty }))],
  [
    'server name, ALPN, versions',
    record(
      helloMessage({
        extensions: Buffer.concat([
          ext(0, serverNameBody('a.test')),
          ext(16, alpnBody(['h2', 'http/1.1', 'acme-tls/1'])),
          ext(43, versionsBody([0x0304, 0x0303])),
        ]),
      }),
    ),
  ],
  [
    'two host_name entries',
    record(
      helloMessage({
        extensions: ext(
          0,
          vec16(Buffer.concat([hostEntry(0, Buffer.from('a.test')), hostEntry(0, Buffer.from('b.test'))])),
        ),
      }),
    ),
  ],
  [
    'a non-host_name entry then a host name',
    record(
      helloMessage({
        extensions: ext(
          0,
          vec16(Buffer.concat([hostEntry(7, Buffer.from('xx')), hostEntry(0, Buffer.from('b.test'))])),
        ),
      }),
    ),
  ],
  [
    'only a non-host_name entry',
    record(helloMessage({ extensions: ext(0, vec16(hostEntry(7, Buffer.from('xx')))) })),
  ],
  ['empty host name', record(helloMessage({ extensions: ext(0, vec16(hostEntry(0, empty))) }))],
  ['host name with a space', record(helloMessage({ extensions: ext(0, serverNameBody('a b.test')) }))],
  ['host name with a DEL byte', record(helloMessage({ extensions: ext(0, serverNameBody('a\x7f.test')) }))],
  [
    'host name longer than the pooled decoder',
    record(helloMessage({ extensions: ext(0, serverNameBody(`${'x'.repeat(200)}.test`)) })),
  ],
  ['server_name extension of 1 byte', record(helloMessage({ extensions: ext(0, Buffer.from([0])) }))],
  [
    'server_name list shorter than the extension',
    record(helloMessage({ extensions: ext(0, Buffer.concat([serverNameBody('a.test'), Buffer.from([0])])) })),
  ],
  ['empty ALPN list', record(helloMessage({ extensions: ext(16, vec16(empty)) }))],
  [
    'empty ALPN protocol',
    record(
      helloMessage({ extensions: ext(16, vec16(Buffer.concat([vec8(Buffer.from('h2')), vec8(empty)]))) }),
    ),
  ],
  [
    'ALPN name overrunning its list',
    record(helloMessage({ extensions: ext(16, vec16(Buffer.from([5, 0x68, 0x32]))) })),
  ],
  [
    'supported_versions of odd length',
    record(helloMessage({ extensions: ext(43, Buffer.from([3, 3, 4, 3])) })),
  ],
  [
    'supported_versions list length mismatch',
    record(helloMessage({ extensions: ext(43, Buffer.from([4, 3, 4])) })),
  ],
  [
    'duplicate extension below 32',
    record(helloMessage({ extensions: Buffer.concat([ext(23, empty), ext(23, empty)]) })),
  ],
  [
    'duplicate extension between 32 and 63',
    record(
      helloMessage({
        extensions: Buffer.concat([ext(45, Buffer.from([1, 1])), ext(45, Buffer.from([1, 1]))]),
      }),
    ),
  ],
  [
    'duplicate GREASE extension',
    record(helloMessage({ extensions: Buffer.concat([ext(0x2a2a, empty), ext(0x2a2a, empty)]) })),
  ],
  [
    'duplicate ECH extension',
    record(helloMessage({ extensions: Buffer.concat([ext(0xfe0d, empty), ext(0xfe0d, empty)]) })),
  ],
  [
    'types 31, 32, 63 and 64 once each',
    record(
      helloMessage({
        extensions: Buffer.concat([ext(31, empty), ext(32, empty), ext(63, empty), ext(64, empty)]),
      }),
    ),
  ],
  [
    'extension overrunning the block',
    record(helloMessage({ extensions: Buffer.concat([ext(23, empty), Buffer.from([0, 5, 0, 9, 1])]) })),
  ],
  ['truncated extension header', record(helloMessage({ extensions: Buffer.from([0, 23, 0]) }))],
  [
    'extensions length one too long',
    record(helloMessage({ extensions: ext(23, empty), extensionsLengthOverride: 5 })),
  ],
  [
    'one byte where the extensions length should be',
    (() => {
      const m = helloMessage({ extensions: empty }).subarray(0, -1);
      m.writeUIntBE(m.length - 4, 1, 3);
      return record(m);
    })(),
  ],
  [
    '4 000 empty extensions, as many as one record holds',
    record(
      helloMessage({
        extensions: Buffer.concat(Array.from({ length: 4000 }, (_, i) => ext(100 + i, empty))),
      }),
    ),
  ],
  ['session id of 33 bytes', record(helloMessage({ sessionId: Buffer.alloc(33) }))],
  [
    'cipher suites filling the rest',
    record(helloMessage({ rawCipherSuites: vec16(Buffer.alloc(4)), compression: [] })),
  ],
  ['no compression methods', record(helloMessage({ compression: [] }))],
  ['odd cipher suites length', record(helloMessage({ rawCipherSuites: vec16(Buffer.alloc(3)) }))],
  ['hello shorter than its fixed fields', record(Buffer.from([1, 0, 0, 3, 3, 3, 0]))],
  [
    'record longer than the hello, trailing bytes inside it',
    (() => {
      const m = helloMessage({ extensions: ext(0, serverNameBody('a.test')) });
      return record(Buffer.concat([m, Buffer.from([0x14, 0, 0, 0])]));
    })(),
  ],
  [
    'hello longer than its record',
    (() => {
      const r = record(helloMessage({ extensions: ext(0, serverNameBody('a.test')) }));
      r.writeUInt16BE(r.readUInt16BE(3) - 3, 3);
      return r;
    })(),
  ],
];

describe('fast path for a hello inside one record', () => {
  it.each(cases)('%s: same answer as the record walk', (_name, bytes) => {
    expect(parseClientHello(bytes)).toEqual(reference(bytes));
  });

  it('a hello with 4 000 extensions lists them all, in order', () => {
    const bytes = (cases.find(([name]) => name.startsWith('4 000')) as [string, Buffer])[1];
    const r = parseClientHello(bytes);
    if (r.status !== 'complete') throw new Error(JSON.stringify(r));
    expect(r.hello.extensionTypes).toEqual(Array.from({ length: 4000 }, (_, i) => 100 + i));
  });

  it.each(loadFixtures().map((f) => [f.file, f.bytes] as const))(
    '%s: every prefix gives the same answer as the record walk',
    (_name, bytes) => {
      for (let n = 0; n <= bytes.length; n++) {
        const prefix = bytes.subarray(0, n);
        expect(parseClientHello(prefix)).toEqual(reference(prefix));
      }
    },
  );

  it.each(loadFixtures().map((f) => [f.file, f.bytes] as const))(
    '%s: the result is plain data that does not change when the input buffer is reused',
    (_name, original) => {
      const bytes = Buffer.from(original);
      const r = parseClientHello(bytes);
      const copy = structuredClone(r);
      bytes.fill(0);
      expect(r).toEqual(copy);
      expect(JSON.parse(JSON.stringify(r))).toEqual(copy);
      if (r.status === 'complete' && copy.status === 'complete') {
        // Own data properties, not getters: spreading or cloning a hello keeps every field.
        for (const key of [
          'alpnProtocols',
          'legacyVersion',
          'supportedVersions',
          'cipherSuites',
          'extensionTypes',
          'hasEncryptedClientHello',
          'hasGrease',
          'recordVersion',
          'records',
          'handshakeLength',
        ]) {
          expect(Object.getOwnPropertyDescriptor(r.hello, key)).toHaveProperty('value');
        }
        expect({ ...r.hello }).toEqual(copy.hello);
      }
    },
  );

  it('honours maxBytes exactly at the hello length', () => {
    const bytes = record(helloMessage({ extensions: ext(0, serverNameBody('a.test')) }));
    const total = bytes.length - 5;
    expect(parseClientHello(bytes, { maxBytes: total })).toEqual(reference(bytes, total));
    expect(parseClientHello(bytes, { maxBytes: total }).status).toBe('complete');
    expect(parseClientHello(bytes, { maxBytes: total - 1 })).toEqual(reference(bytes, total - 1));
    expect(parseClientHello(bytes, { maxBytes: total - 1 })).toMatchObject({
      status: 'invalid',
      code: 'too-large',
    });
  });

  it('mutated one-record hellos: same answer as the record walk (fast-check)', () => {
    const seeds = [...loadFixtures().map((f) => f.bytes), ...cases.map(([, b]) => b)];
    // Mutations aimed at the extensions: most of a hello's length fields live there.
    const mutated = fc
      .tuple(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(
          fc.record({
            from: fc.double({ min: 0, max: 1, noNaN: true }),
            value: fc.integer({ min: 0, max: 255 }),
            kind: fc.constantFrom('set', 'inc', 'dec', 'cut'),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([i, ms]) => {
        let b = Buffer.from(seeds[i] as Buffer);
        for (const m of ms) {
          if (b.length === 0) break;
          const at = Math.min(b.length - 1, Math.floor(m.from * b.length));
          if (m.kind === 'set') b[at] = m.value;
          else if (m.kind === 'inc') b[at] = ((b[at] as number) + 1) & 0xff;
          else if (m.kind === 'dec') b[at] = ((b[at] as number) + 255) & 0xff;
          else b = b.subarray(0, at);
        }
        return b;
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        expect(parseClientHello(bytes)).toEqual(reference(bytes));
      }),
      { numRuns: 5000 },
    );
  });
});
