import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BYTES,
  type InvalidClientHelloCode,
  isGreaseValue,
  isSniParserError,
  parseClientHello,
  SniParserError,
} from '../src/index.ts';
import {
  alpnBody,
  ext,
  helloMessage,
  record,
  serverNameBody,
  vec16,
  vec8,
  versionsBody,
} from './helpers/tls-bytes.ts';

const good = () =>
  Buffer.concat([
    ext(0, serverNameBody('Api.Example.com')),
    ext(16, alpnBody(['h2', 'http/1.1'])),
    ext(43, versionsBody([0x3a3a, 0x0304, 0x0303])),
  ]);

describe('parseClientHello on crafted input', () => {
  it('parses a well-formed hello and keeps the name as sent', () => {
    const r = parseClientHello(record(helloMessage({ extensions: good(), cipherSuites: [0x0a0a, 0x1301] })));
    expect(r.status).toBe('complete');
    if (r.status !== 'complete') return;
    expect(r.hello.serverName).toBe('Api.Example.com');
    expect(r.hello.alpnProtocols).toEqual(['h2', 'http/1.1']);
    expect(r.hello.supportedVersions).toEqual([0x3a3a, 0x0304, 0x0303]);
    expect(r.hello.cipherSuites).toEqual([0x0a0a, 0x1301]);
    expect(r.hello.extensionTypes).toEqual([0, 16, 43]);
    expect(r.hello.hasGrease).toBe(true);
    expect(r.hello.hasEncryptedClientHello).toBe(false);
    expect(r.hello.records).toBe(1);
  });

  it('accepts a TLS 1.2-style hello with no extensions block', () => {
    const r = parseClientHello(record(helloMessage({})));
    expect(r.status).toBe('complete');
    if (r.status === 'complete') {
      expect(r.hello.extensionTypes).toEqual([]);
      expect(r.hello).not.toHaveProperty('serverName');
    }
  });

  it('reports ECH presence', () => {
    const r = parseClientHello(
      record(helloMessage({ extensions: Buffer.concat([good(), ext(0xfe0d, Buffer.from([0, 1, 2]))]) })),
    );
    expect(r.status === 'complete' && r.hello.hasEncryptedClientHello).toBe(true);
  });

  it('skips non-host_name entries in server_name', () => {
    const list = vec16(
      Buffer.concat([
        Buffer.from([7]),
        vec16(Buffer.from('x')),
        Buffer.from([0]),
        vec16(Buffer.from('a.test')),
      ]),
    );
    const r = parseClientHello(record(helloMessage({ extensions: ext(0, list) })));
    expect(r.status === 'complete' && r.hello.serverName).toBe('a.test');
  });

  const notTls: Array<[string, Uint8Array]> = [
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')],
    ['SSLv2-style hello', Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15])],
    ['PROXY protocol v1', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')],
    ['handshake type byte with wrong major version', Buffer.from([0x16, 0x02, 0x00])],
    ['a lone alert record', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
  ];
  it.each(notTls)('%s is not-tls', (_name, bytes) => {
    expect(parseClientHello(bytes)).toEqual({ status: 'not-tls' });
  });

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x16])],
    ['record header only', Buffer.from([0x16, 3, 1, 0, 50])],
  ])('%s is incomplete', (_name, bytes) => {
    expect(parseClientHello(bytes).status).toBe('incomplete');
  });

  const sni = (body: Uint8Array) => record(helloMessage({ extensions: ext(0, body) }));
  const invalid: Array<[string, Uint8Array, InvalidClientHelloCode]> = [
    ['zero-length record', Buffer.from([0x16, 3, 1, 0, 0]), 'empty-record'],
    ['record over 2^14', Buffer.from([0x16, 3, 1, 0x40, 0x01, 1]), 'record-too-long'],
    ['ServerHello instead of ClientHello', Buffer.from([0x16, 3, 3, 0, 4, 2, 0, 0, 0]), 'not-client-hello'],
    [
      'application data record in the middle of the hello',
      Buffer.concat([
        record(helloMessage({ extensions: good() }).subarray(0, 30)),
        Buffer.from([0x17, 3, 3, 0, 1, 0]),
      ]),
      'unexpected-record',
    ],
    [
      'second record with the wrong version major',
      Buffer.concat([
        record(helloMessage({ extensions: good() }).subarray(0, 30)),
        Buffer.from([0x16, 2, 0]),
      ]),
      'unexpected-record',
    ],
    ['hello longer than maxBytes', Buffer.from([0x16, 3, 1, 0, 4, 1, 0x00, 0x40, 0x00]), 'too-large'],
    ['session id of 33 bytes', record(helloMessage({ sessionId: Buffer.alloc(33) })), 'malformed-hello'],
    [
      'odd cipher suites length',
      record(helloMessage({ rawCipherSuites: Buffer.from([0, 3, 0x13, 0x01, 0x13]) })),
      'malformed-hello',
    ],
    [
      'cipher suites overrun the hello',
      record(helloMessage({ rawCipherSuites: Buffer.from([0x10, 0, 0x13, 0x01]) })),
      'malformed-hello',
    ],
    ['no cipher suites', record(helloMessage({ cipherSuites: [] })), 'malformed-hello'],
    ['no compression methods', record(helloMessage({ compression: [] })), 'malformed-hello'],
    [
      'extensions length too long',
      record(helloMessage({ extensions: good(), extensionsLengthOverride: good().length + 1 })),
      'malformed-extensions',
    ],
    [
      'extensions length too short',
      record(helloMessage({ extensions: good(), extensionsLengthOverride: good().length - 1 })),
      'malformed-extensions',
    ],
    [
      'extension body overruns the block',
      record(helloMessage({ extensions: Buffer.from([0, 5, 0, 9, 1, 2]) })),
      'malformed-extensions',
    ],
    [
      'truncated extension header',
      record(helloMessage({ extensions: Buffer.from([0, 5, 0]) })),
      'malformed-extensions',
    ],
    [
      'duplicate extension',
      record(
        helloMessage({ extensions: Buffer.concat([ext(23, Buffer.alloc(0)), ext(23, Buffer.alloc(0))]) }),
      ),
      'duplicate-extension',
    ],
    [
      'duplicate GREASE extension',
      record(
        helloMessage({
          extensions: Buffer.concat([ext(0x1a1a, Buffer.alloc(0)), ext(0x1a1a, Buffer.alloc(1))]),
        }),
      ),
      'duplicate-extension',
    ],
    [
      'server_name list overruns its extension',
      sni(Buffer.concat([Buffer.from([0, 20]), Buffer.from([0]), vec16(Buffer.from('a.test'))])),
      'malformed-server-name',
    ],
    [
      'server_name list shorter than its extension',
      sni(Buffer.concat([serverNameBody('a.test'), Buffer.from([0])])),
      'malformed-server-name',
    ],
    [
      'server_name host overruns the list',
      sni(vec16(Buffer.concat([Buffer.from([0, 0, 30]), Buffer.from('a.test')]))),
      'malformed-server-name',
    ],
    ['server_name empty extension', sni(Buffer.alloc(0)), 'malformed-server-name'],
    ['server_name empty host', sni(vec16(Buffer.from([0, 0, 0]))), 'malformed-server-name'],
    [
      'server_name two host names',
      sni(
        vec16(
          Buffer.concat([
            Buffer.from([0]),
            vec16(Buffer.from('a.test')),
            Buffer.from([0]),
            vec16(Buffer.from('b.test')),
          ]),
        ),
      ),
      'malformed-server-name',
    ],
    ['server_name with NUL byte', sni(serverNameBody('a.test\0evil.test')), 'malformed-server-name'],
    ['server_name with a space', sni(serverNameBody('a .test')), 'malformed-server-name'],
    ['server_name with a non-ASCII byte', sni(serverNameBody('caf\xe9.test')), 'malformed-server-name'],
    [
      'ALPN list overruns',
      record(helloMessage({ extensions: ext(16, Buffer.from([0, 9, 2, 0x68, 0x32])) })),
      'malformed-alpn',
    ],
    [
      'ALPN empty protocol',
      record(helloMessage({ extensions: ext(16, vec16(Buffer.from([0]))) })),
      'malformed-alpn',
    ],
    [
      'ALPN name overruns the list',
      record(helloMessage({ extensions: ext(16, vec16(Buffer.from([5, 0x68, 0x32]))) })),
      'malformed-alpn',
    ],
    [
      'ALPN empty list',
      record(helloMessage({ extensions: ext(16, vec16(Buffer.alloc(0))) })),
      'malformed-alpn',
    ],
    [
      'supported_versions odd length',
      record(helloMessage({ extensions: ext(43, vec8(Buffer.from([3, 4, 3]))) })),
      'malformed-supported-versions',
    ],
    [
      'supported_versions empty',
      record(helloMessage({ extensions: ext(43, vec8(Buffer.alloc(0))) })),
      'malformed-supported-versions',
    ],
    [
      'supported_versions length mismatch',
      record(helloMessage({ extensions: ext(43, Buffer.from([4, 3, 4])) })),
      'malformed-supported-versions',
    ],
  ];
  it.each(invalid)('%s is invalid', (_name, bytes, code) => {
    const r = parseClientHello(bytes, { maxBytes: 1024 });
    expect(r).toMatchObject({ status: 'invalid', code });
    if (r.status === 'invalid') expect(r.message.length).toBeGreaterThan(0);
  });

  it('reports too-large as soon as the length is known, before the body arrives', () => {
    const head = Buffer.from([0x16, 3, 1, 0x40, 0x00, 1, 0x00, 0x40, 0x01]);
    expect(parseClientHello(head)).toMatchObject({ status: 'invalid', code: 'too-large' });
    expect(parseClientHello(head, { maxBytes: 0x4005 }).status).toBe('incomplete');
  });

  it('default maxBytes is 16 KiB of handshake, spread over records', () => {
    const big = helloMessage({
      extensions: ext(21, Buffer.alloc(DEFAULT_MAX_BYTES - 4 - 2 - 32 - 33 - 8 - 2 - 2 - 4)),
    });
    expect(big.length).toBe(DEFAULT_MAX_BYTES);
    expect(parseClientHello(record(big, 4096)).status).toBe('complete');
    const bigger = helloMessage({
      extensions: ext(21, Buffer.alloc(DEFAULT_MAX_BYTES - 4 - 2 - 32 - 33 - 8 - 2 - 2 - 4 + 1)),
    });
    expect(parseClientHello(record(bigger, 4096))).toMatchObject({ status: 'invalid', code: 'too-large' });
  });

  it('duplicate detection keeps no state between parses, across the generation wrap-around', () => {
    const once = record(
      helloMessage({ extensions: Buffer.concat([ext(23, Buffer.alloc(0)), ext(0x7a7a, Buffer.alloc(0))]) }),
    );
    const twice = record(
      helloMessage({ extensions: Buffer.concat([ext(23, Buffer.alloc(0)), ext(23, Buffer.alloc(0))]) }),
    );
    for (let i = 0; i < 70_000; i++) {
      const r = parseClientHello(once);
      if (r.status !== 'complete') throw new Error(`parse ${i}: ${JSON.stringify(r)}`);
    }
    expect(parseClientHello(twice)).toMatchObject({ status: 'invalid', code: 'duplicate-extension' });
    expect(parseClientHello(once).status).toBe('complete');
  });

  it('a hello reassembled from records keeps its fields after later parses reuse the scratch space', () => {
    const a = record(
      helloMessage({
        extensions: Buffer.concat([ext(0, serverNameBody('first.test')), ext(16, alpnBody(['spdy/3']))]),
      }),
      16,
    );
    const b = record(
      helloMessage({
        extensions: Buffer.concat([ext(0, serverNameBody('other.test')), ext(16, alpnBody(['acme']))]),
      }),
      16,
    );
    const ra = parseClientHello(a);
    const snapshot = structuredClone(ra);
    parseClientHello(b);
    expect(ra).toEqual(snapshot);
    expect(ra).toMatchObject({
      status: 'complete',
      hello: { serverName: 'first.test', alpnProtocols: ['spdy/3'] },
    });
  });

  it('a hello above 16 KiB parses when maxBytes allows it', () => {
    const big = helloMessage({
      extensions: Buffer.concat([ext(0, serverNameBody('big.test')), ext(21, Buffer.alloc(20_000))]),
    });
    expect(parseClientHello(record(big, 4096))).toMatchObject({ status: 'invalid', code: 'too-large' });
    expect(parseClientHello(record(big, 4096), { maxBytes: 32_768 })).toMatchObject({
      status: 'complete',
      hello: { serverName: 'big.test', records: Math.ceil(big.length / 4096) },
    });
  });

  it('a server_name list that overruns its extension is invalid, where npm sni returns a wrong name', () => {
    const sni = createRequire(import.meta.url)('sni') as (b: Buffer) => string | null;
    // The list claims 5 bytes but its extension holds 3; the "name" would be the next
    // extension's type bytes ('hi').
    const bytes = record(
      helloMessage({
        extensions: Buffer.concat([ext(0, Buffer.from([0, 5, 0, 0, 2])), ext(0x6869, Buffer.alloc(0))]),
      }),
    );
    expect(sni(bytes)).toBe('hi');
    expect(parseClientHello(bytes)).toMatchObject({ status: 'invalid', code: 'malformed-server-name' });
  });

  it.each([
    ['1-char', 'a'],
    ['64-char', `${'a'.repeat(59)}.test`],
    ['65-char', `${'b'.repeat(60)}.test`],
    ['253-char', `${'c.'.repeat(124)}x.com`],
  ])('decodes a %s server name and ALPN id exactly', (_name, host) => {
    const alpn = [host.slice(0, 255), 'h2', 'x'];
    const r = parseClientHello(
      record(
        helloMessage({ extensions: Buffer.concat([ext(0, serverNameBody(host)), ext(16, alpnBody(alpn))]) }),
      ),
    );
    expect(r).toMatchObject({ status: 'complete', hello: { serverName: host, alpnProtocols: alpn } });
  });

  it('consumes through the end of the record holding the last hello byte', () => {
    const msg = helloMessage({ extensions: good() });
    const rec = record(msg);
    // A second record follows: not part of the hello, not consumed.
    const r = parseClientHello(Buffer.concat([rec, Buffer.from([0x14, 3, 3, 0, 1, 1])]));
    expect(r).toMatchObject({ status: 'complete', consumed: rec.length });
  });

  it.each([
    ['zero', 0],
    ['fractional', 100.5],
    ['negative', -1],
    ['NaN', Number.NaN],
  ])('rejects maxBytes %s with ERR_SNI_INVALID_OPTION', (_name, maxBytes) => {
    let caught: unknown;
    try {
      parseClientHello(Buffer.from([0x16]), { maxBytes });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SniParserError);
    expect(isSniParserError(caught)).toBe(true);
    expect((caught as SniParserError).code).toBe('ERR_SNI_INVALID_OPTION');
    expect((caught as Error).message).toContain('options.maxBytes');
  });

  it.each([
    [0x0a0a, true],
    [0xfafa, true],
    [0x2a2a, true],
    [0x0a1a, false],
    [0x0304, false],
    [0xfe0d, false],
    [0x0000, false],
  ])('isGreaseValue(0x%s)', (v, expected) => {
    expect(isGreaseValue(v)).toBe(expected);
  });

  it('isSniParserError rejects other errors', () => {
    expect(isSniParserError(new Error('x'))).toBe(false);
    expect(isSniParserError({ code: 'ERR_SNI_SOCKET' })).toBe(false);
  });
});
