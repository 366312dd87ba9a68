// Test-side TLS byte helpers, written independently of src/ so the tests do not check the
// parser against itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  file: string;
  client: string;
  command: string;
  expected: { serverName: string | null; alpnProtocols: string[]; offersTls13: boolean };
  bytes: Buffer;
}

const fixturesDir = join(import.meta.dirname, '..', 'fixtures');

/** The committed captures with the expectations written by the capture script. */
export function loadFixtures(): Fixture[] {
  const manifest = JSON.parse(readFileSync(join(fixturesDir, 'fixtures.json'), 'utf8')) as {
    fixtures: Omit<Fixture, 'bytes'>[];
  };
  return manifest.fixtures.map((f) => ({ ...f, bytes: readFileSync(join(fixturesDir, f.file)) }));
}

/** Concatenated handshake fragments of all handshake records in `stream`. */
export function handshakeBytes(stream: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos + 5 <= stream.length) {
    const len = ((stream[pos + 3] ?? 0) << 8) | (stream[pos + 4] ?? 0);
    parts.push(Buffer.from(stream.subarray(pos + 5, Math.min(pos + 5 + len, stream.length))));
    pos += 5 + len;
  }
  return Buffer.concat(parts);
}

/** Re-splits the handshake carried by `stream` into records of at most `size` bytes. */
export function refragment(stream: Uint8Array, size: number): Buffer {
  const hs = handshakeBytes(stream);
  const out: Buffer[] = [];
  for (let i = 0; i < hs.length; i += size) {
    const frag = hs.subarray(i, Math.min(i + size, hs.length));
    const header = Buffer.from([0x16, stream[1] ?? 3, stream[2] ?? 1, frag.length >> 8, frag.length & 0xff]);
    out.push(header, frag);
  }
  return Buffer.concat(out);
}

function u16(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** Wraps `data` in a 16-bit length prefix. */
export function vec16(data: Uint8Array): Buffer {
  return Buffer.concat([u16(data.length), data]);
}

/** Wraps `data` in an 8-bit length prefix. */
export function vec8(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([data.length]), data]);
}

/** One extension: type and raw body. */
export function ext(type: number, body: Uint8Array): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

/** A well-formed server_name extension body for `name`. */
export function serverNameBody(name: string): Buffer {
  return vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(name, 'latin1'))]));
}

/** A well-formed ALPN extension body. */
export function alpnBody(protocols: string[]): Buffer {
  return vec16(Buffer.concat(protocols.map((p) => vec8(Buffer.from(p, 'latin1')))));
}

/** A well-formed supported_versions body. */
export function versionsBody(versions: number[]): Buffer {
  return vec8(Buffer.concat(versions.map(u16)));
}

export interface HelloParts {
  legacyVersion?: number;
  sessionId?: Uint8Array;
  cipherSuites?: number[];
  /** Raw cipher_suites vector (length prefix included), replacing `cipherSuites`. */
  rawCipherSuites?: Uint8Array;
  compression?: number[];
  /** Raw extensions block contents (concatenated `ext()` results); undefined = no block at all. */
  extensions?: Uint8Array;
  /** Raw bytes replacing the computed extensions length field. */
  extensionsLengthOverride?: number;
}

/** ClientHello handshake message (header included). */
export function helloMessage(parts: HelloParts): Buffer {
  const body = Buffer.concat([
    u16(parts.legacyVersion ?? 0x0303),
    Buffer.alloc(32, 0x42),
    vec8(parts.sessionId ?? Buffer.alloc(32, 0x11)),
    parts.rawCipherSuites ?? vec16(Buffer.concat((parts.cipherSuites ?? [0x1301, 0x1302, 0xc02f]).map(u16))),
    vec8(Buffer.from(parts.compression ?? [0])),
    parts.extensions === undefined
      ? Buffer.alloc(0)
      : Buffer.concat([u16(parts.extensionsLengthOverride ?? parts.extensions.length), parts.extensions]),
  ]);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** `message` in one TLS handshake record (or records of `size` when given). */
export function record(message: Uint8Array, size = 16_384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < message.length; i += size) {
    const frag = message.subarray(i, Math.min(i + size, message.length));
    out.push(Buffer.from([0x16, 3, 1, frag.length >> 8, frag.length & 0xff]), Buffer.from(frag));
  }
  return Buffer.concat(out);
}
