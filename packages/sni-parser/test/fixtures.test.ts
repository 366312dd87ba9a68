import { prng } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { type ClientHelloResult, isGreaseValue, parseClientHello } from '../src/index.ts';
import { handshakeBytes, loadFixtures, refragment } from './helpers/tls-bytes.ts';

const fixtures = loadFixtures();
const named = fixtures.map((f) => [f.file, f] as const);

function complete(r: ClientHelloResult) {
  if (r.status !== 'complete') throw new Error(`expected complete, got ${JSON.stringify(r)}`);
  return r;
}

/** Feeds `bytes` in the given chunk sizes, as successive TCP reads; returns every result. */
function feed(bytes: Uint8Array, cuts: number[]): ClientHelloResult[] {
  const results: ClientHelloResult[] = [];
  for (const cut of cuts) results.push(parseClientHello(bytes.subarray(0, cut)));
  return results;
}

describe('captured ClientHellos', () => {
  it('has every client the issue asks for', () => {
    const files = fixtures.map((f) => f.file);
    for (const name of [
      'openssl-tls12-sni.bin',
      'openssl-tls12-no-sni.bin',
      'openssl-tls13-sni.bin',
      'openssl-tls13-no-sni.bin',
      'openssl-alpn.bin',
      'curl.bin',
      'node-tls.bin',
      'chromium.bin',
    ]) {
      expect(files).toContain(name);
    }
  });

  it.each(named)('%s: whole capture matches how the client was invoked', (_name, f) => {
    const r = complete(parseClientHello(f.bytes));
    expect(r.consumed).toBe(f.bytes.length);
    expect(r.hello.serverName ?? null).toBe(f.expected.serverName);
    expect(r.hello.alpnProtocols).toEqual(f.expected.alpnProtocols);
    expect(r.hello.supportedVersions.includes(0x0304)).toBe(f.expected.offersTls13);
    expect(r.hello.legacyVersion).toBe(0x0303);
    expect(r.hello.handshakeLength).toBe(handshakeBytes(f.bytes).length);
    expect(r.hello.cipherSuites.length).toBeGreaterThan(0);
    expect(r.hello.extensionTypes.includes(0)).toBe(f.expected.serverName !== null);
    expect(r.hello.extensionTypes.includes(16)).toBe(f.expected.alpnProtocols.length > 0);
  });

  it('chromium: post-quantum sized hello, GREASE kept and flagged, ECH extension seen', () => {
    const f = fixtures.find((x) => x.file === 'chromium.bin');
    if (f === undefined) throw new Error('chromium fixture missing');
    const { hello } = complete(parseClientHello(f.bytes));
    expect(hello.handshakeLength).toBeGreaterThan(1500);
    expect(hello.hasGrease).toBe(true);
    expect(hello.hasEncryptedClientHello).toBe(true);
    const greaseExt = hello.extensionTypes.filter(isGreaseValue);
    expect(greaseExt.length).toBeGreaterThan(0);
    expect(hello.cipherSuites.some(isGreaseValue)).toBe(true);
    // GREASE is never mistaken for a real version: the real ones are still there.
    const realVersions = hello.supportedVersions.filter((v) => !isGreaseValue(v));
    expect(realVersions).toContain(0x0304);
    expect(realVersions.every((v) => v >= 0x0301 && v <= 0x0304)).toBe(true);
  });

  it.each(named)('%s: no GREASE or ECH reported for non-browser clients unless present', (_name, f) => {
    const { hello } = complete(parseClientHello(f.bytes));
    const anyGrease = [...hello.cipherSuites, ...hello.extensionTypes, ...hello.supportedVersions].some(
      isGreaseValue,
    );
    expect(hello.hasGrease).toBe(anyGrease);
    expect(hello.hasEncryptedClientHello).toBe(hello.extensionTypes.includes(0xfe0d));
  });

  it.each(named)('%s: byte by byte, every strict prefix is incomplete', (_name, f) => {
    const whole = parseClientHello(f.bytes);
    for (let i = 0; i < f.bytes.length; i++) {
      const r = parseClientHello(f.bytes.subarray(0, i));
      expect(r.status).toBe('incomplete');
      if (r.status === 'incomplete') expect(i + r.needed).toBeLessThanOrEqual(f.bytes.length);
    }
    expect(parseClientHello(Uint8Array.from(f.bytes))).toEqual(whole);
  });

  it.each(named)('%s: random splits into TCP reads give the same result', (_name, f) => {
    const whole = parseClientHello(f.bytes);
    const rand = prng(f.bytes.length);
    for (let round = 0; round < 50; round++) {
      const cuts: number[] = [];
      let at = 0;
      while (at < f.bytes.length) {
        at = Math.min(f.bytes.length, at + 1 + Math.floor(rand() * 400));
        cuts.push(at);
      }
      const results = feed(f.bytes, cuts);
      expect(results.at(-1)).toEqual(whole);
      for (const r of results.slice(0, -1)) expect(r.status).toBe('incomplete');
    }
  });

  it.each(named)('%s: trailing bytes after the hello do not change the result', (_name, f) => {
    const whole = parseClientHello(f.bytes);
    const withTail = Buffer.concat([f.bytes, Buffer.from('\x17\x03\x03\x00\x05hello')]);
    expect(parseClientHello(withTail)).toEqual(whole);
  });

  it.each(named)('%s: a view into a larger buffer is never read past its end', (_name, f) => {
    const backing = Buffer.concat([Buffer.from([9, 9, 9]), f.bytes]);
    const view = backing.subarray(3, 3 + f.bytes.length - 1);
    expect(parseClientHello(view).status).toBe('incomplete');
    expect(parseClientHello(backing.subarray(3))).toEqual(parseClientHello(f.bytes));
  });

  const sizes = [1, 7, 64, 512];
  const fragmented = fixtures.flatMap((f) =>
    sizes.map((size) => [`${f.file} in ${size}-byte records`, f, size] as const),
  );
  it.each(fragmented)('%s: same hello as the original', (_name, f, size) => {
    const original = complete(parseClientHello(f.bytes));
    const split = refragment(f.bytes, size);
    const r = complete(parseClientHello(split));
    const records = Math.ceil(original.hello.handshakeLength / size);
    expect(r.hello).toEqual({ ...original.hello, records });
    expect(r.consumed).toBe(split.length);
    // And the fragmented stream itself, read in odd TCP chunks.
    const rand = prng(size);
    const cuts: number[] = [];
    let at = 0;
    while (at < split.length) {
      at = Math.min(split.length, at + 1 + Math.floor(rand() * 97));
      cuts.push(at);
    }
    const results = feed(split, cuts);
    expect(results.at(-1)).toEqual(r);
    for (const x of results.slice(0, -1)) expect(x.status).toBe('incomplete');
  });
});
