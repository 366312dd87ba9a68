import { describe, expect, it } from 'vitest';
import {
  checkHeaderValue,
  isHaproxyTime,
  isHstsValue,
  isIpOrCidr,
  isRouteHost,
  quote,
  sanitizeRewriteTarget,
} from '../src/internal/validate.ts';
import { isHaproxyRendererError, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM } from './fixtures/fourteen.ts';
import { table } from './fixtures/routes.ts';

describe('value grammars', () => {
  it.each([
    ['/', '/\\1'],
    ['/v2', '/v2\\1'],
    ['/a%b', '/a%%b\\1'],
    ['/a%%b', '/a%%b\\1'],
    ['/a#frag', '/a'],
    ['/a\\#b', '/a#b\\1'],
    ['/say"hi"', '/sayhi\\1'],
    ["/it's", '/its\\1'],
    ["/it\\'s", "/it'\\''s\\1"],
    ['/back\\slash', '/backslash\\1'],
    ['/double\\\\slash', '/double\\slash\\1'],
  ])('sanitizeRewriteTarget(%j) = %j (OpenShift rewritetarget.SanitizeInput)', (input, expected) => {
    expect(sanitizeRewriteTarget(input)).toBe(expected);
  });

  it.each([
    ['5s', true],
    ['2147483647ms', true],
    ['100d', true],
    ['0', false],
    ['01s', false],
    ['1.5s', false],
    ['1d12h', false],
    ['5s\nbind :1', false],
  ])('isHaproxyTime(%j) = %s', (v, ok) => expect(isHaproxyTime(v)).toBe(ok));

  it.each([
    ['literal text with spaces, quotes \' " and # and \\', undefined],
    ['%[req.hdr(host),lower]', undefined],
    ['%{+Q}[req.hdr(User-Agent),base64]', undefined],
    ['100%%', undefined],
    ['%[src]', 'rejected'],
    ['%[', 'rejected'],
    ['50%', 'rejected'],
    ['a\nb', 'rejected'],
  ])('checkHeaderValue(%j)', (v, result) => {
    expect(checkHeaderValue(v) === undefined ? undefined : 'rejected').toBe(result);
  });

  it.each([
    ['max-age=31536000', true],
    ['max-age="5"; includeSubDomains; preload', true],
    ["max-age=5'", false],
    ['max-age=5\n', false],
    ['includeSubDomains', false],
  ])('isHstsValue(%j) = %s', (v, ok) => expect(isHstsValue(v)).toBe(ok));

  it.each([
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/129', false],
    ['10.0.0.0/33', false],
    ['1.2.3.4 5.6.7.8', false],
  ])('isIpOrCidr(%j) = %s', (v, ok) => expect(isIpOrCidr(v)).toBe(ok));

  it.each([
    ['www.example.com', true],
    ['*.example.com', true],
    ['', true],
    ['Example.com', false],
    ['a..b', false],
    ['a b', false],
    ['-a.com', false],
  ])('isRouteHost(%j) = %s', (v, ok) => expect(isRouteHost(v)).toBe(ok));

  it('quote() closes, escapes and reopens a single quote', () => {
    expect(quote("it's")).toBe("'it'\\''s'");
  });
});

describe('render options are checked', () => {
  it.each([
    ['relative workingDir', { workingDir: 'relative' }],
    ['workingDir with a space', { workingDir: '/tmp/a b' }],
    ['socket path too long', { workingDir: `/${'x'.repeat(100)}` }],
    ['bad port', { httpPort: 70000 }],
    ['bad timeout', { timeouts: { client: '30 s' } }],
    ['bad cipher list', { ciphers: 'A B' }],
    ['no default certificate', { defaultCertificate: undefined }],
    ['invalid default certificate', { defaultCertificate: 'not a pem' }],
  ])('%s -> ERR_HAPROXY_RENDERER_INVALID_OPTION', (_name, patch) => {
    const options = { workingDir: '/w', defaultCertificate: DEFAULT_PEM, ...patch } as never;
    let error: unknown;
    try {
      renderHaproxyConfig(table([]), options);
    } catch (e) {
      error = e;
    }
    expect(isHaproxyRendererError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ERR_HAPROXY_RENDERER_INVALID_OPTION');
  });
});
