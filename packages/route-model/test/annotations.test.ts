import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipHaproxyTimeoutValue, parseIpAllowlist, parseRoutePolicies } from '../src/index.ts';

describe('clipHaproxyTimeoutValue (duration_parser_test, template_helper_test)', () => {
  it.each([
    ['empty', '', ''],
    ['no unit means ms', '5000', '5000'],
    ['seconds', '30s', '30s'],
    ['microseconds', '500us', '500us'],
    ['minutes', '5m', '5m'],
    ['hours', '1h', '1h'],
    ['24 days stays as written', '24d', '24d'],
    ['100 days clips', '100d', '2147483647ms'],
    ['exactly the maximum', '2147483647ms', '2147483647ms'],
    ['one above the maximum', '2147483648ms', '2147483647ms'],
    ['int64 overflow clips', '99999999999999999999d', '2147483647ms'],
    ['zero is invalid', '0', ''],
    ['leading zero is invalid', '01s', ''],
    ['fractions are invalid', '1.5s', ''],
    ['combined units are invalid', '1d12h', ''],
    ['unknown unit', '5y', ''],
    ['negative', '-1s', ''],
    ['spaces', ' 5s', ''],
  ])('%s: %j → %j', (_n, input, want) => {
    expect(clipHaproxyTimeoutValue(input)).toBe(want);
  });

  it('never throws and returns "" or a valid time (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = clipHaproxyTimeoutValue(s);
        expect(out === '' || /^[1-9][0-9]*(us|ms|s|m|h|d)?$/.test(out)).toBe(true);
      }),
    );
  });
});

describe('parseIpAllowlist (parseIPList, allowlist_test)', () => {
  it.each<[string, string, string[] | undefined]>([
    ['single IPv4', '10.0.0.1', ['10.0.0.1']],
    ['IPv4 and CIDR', '10.0.0.1 192.168.0.0/16', ['10.0.0.1', '192.168.0.0/16']],
    ['IPv6 and CIDR', '2001:db8::1 2001:db8::/32', ['2001:db8::1', '2001:db8::/32']],
    ['invalid tokens dropped', '10.0.0.1 not-an-ip 300.0.0.1 10.0.0.0/33', ['10.0.0.1']],
    ['several spaces between entries', '10.0.0.1   10.0.0.2', ['10.0.0.1', '10.0.0.2']],
    ['leading whitespace ignores the list', ' 10.0.0.1', undefined],
    ['trailing whitespace ignores the list', '10.0.0.1 ', undefined],
    ['empty', '', undefined],
  ])('%s', (_n, input, want) => {
    expect(parseIpAllowlist(input)?.entries).toEqual(want);
  });
});

const A = (k: string) => `haproxy.router.openshift.io/${k}`;

describe('parseRoutePolicies (template annotation patterns)', () => {
  it.each<[string, Record<string, string>, Partial<Record<string, unknown>>, string[]]>([
    ['balance valid', { [A('balance')]: 'leastconn' }, { balance: 'leastconn' }, []],
    [
      'balance invalid ignored and reported',
      { [A('balance')]: 'fastest' },
      { balance: undefined },
      [A('balance')],
    ],
    ['timeout valid', { [A('timeout')]: '10s' }, { timeout: '10s' }, []],
    ['timeout clipped and reported', { [A('timeout')]: '100d' }, { timeout: '2147483647ms' }, [A('timeout')]],
    ['timeout invalid', { [A('timeout')]: '10 seconds' }, { timeout: undefined }, [A('timeout')]],
    ['timeout-tunnel', { [A('timeout-tunnel')]: '1h' }, { timeoutTunnel: '1h' }, []],
    [
      'allowlist',
      { [A('ip_allowlist')]: '10.0.0.0/8 1.2.3.4' },
      { ipAllowlist: ['10.0.0.0/8', '1.2.3.4'] },
      [],
    ],
    ['legacy whitelist', { [A('ip_whitelist')]: '1.2.3.4' }, { ipAllowlist: ['1.2.3.4'] }, []],
    [
      'allowlist wins over whitelist',
      { [A('ip_allowlist')]: '1.1.1.1', [A('ip_whitelist')]: '2.2.2.2' },
      { ipAllowlist: ['1.1.1.1'] },
      [],
    ],
    [
      'allowlist with trailing space ignored',
      { [A('ip_allowlist')]: '1.1.1.1 ' },
      { ipAllowlist: undefined },
      [A('ip_allowlist')],
    ],
    ['disable_cookies true', { [A('disable_cookies')]: 'true' }, { disableCookies: true }, []],
    ['disable_cookies T (Go ParseBool)', { [A('disable_cookies')]: 'T' }, { disableCookies: true }, []],
    [
      'disable_cookies yes is not a bool',
      { [A('disable_cookies')]: 'yes' },
      { disableCookies: false },
      [A('disable_cookies')],
    ],
    [
      'cookie_name valid',
      { 'router.openshift.io/cookie_name': 'my_cookie-1' },
      { cookieName: 'my_cookie-1' },
      [],
    ],
    [
      'cookie_name invalid',
      { 'router.openshift.io/cookie_name': 'bad cookie' },
      { cookieName: undefined },
      ['router.openshift.io/cookie_name'],
    ],
    [
      'cookie-same-site',
      { 'router.openshift.io/cookie-same-site': 'Strict' },
      { cookieSameSite: 'Strict' },
      [],
    ],
    [
      'cookie-same-site is case-sensitive',
      { 'router.openshift.io/cookie-same-site': 'strict' },
      { cookieSameSite: undefined },
      ['router.openshift.io/cookie-same-site'],
    ],
    [
      'hsts',
      { [A('hsts_header')]: 'max-age=31536000;includeSubDomains;preload' },
      { hstsHeader: 'max-age=31536000;includeSubDomains;preload' },
      [],
    ],
    [
      'hsts case-insensitive, quoted age',
      { [A('hsts_header')]: 'PRELOAD; Max-Age="100"' },
      { hstsHeader: 'PRELOAD; Max-Age="100"' },
      [],
    ],
    [
      'hsts without max-age invalid',
      { [A('hsts_header')]: 'includeSubDomains' },
      { hstsHeader: undefined },
      [A('hsts_header')],
    ],
    [
      'rate limits',
      {
        [A('rate-limit-connections')]: 'true',
        [A('rate-limit-connections.concurrent-tcp')]: '10',
        [A('rate-limit-connections.rate-http')]: 'x',
      },
      { rateLimit: { concurrentTcp: 10 } },
      [A('rate-limit-connections.rate-http')],
    ],
    [
      'rate limits off: sub-keys unused',
      { [A('rate-limit-connections.rate-tcp')]: '5' },
      { rateLimit: undefined },
      [],
    ],
    [
      'pod-concurrent-connections',
      { [A('pod-concurrent-connections')]: '100' },
      { podConcurrentConnections: 100 },
      [],
    ],
    ['rewrite-target', { [A('rewrite-target')]: '/v2' }, { rewriteTarget: '/v2' }, []],
    [
      'rewrite-target must start with /',
      { [A('rewrite-target')]: 'v2' },
      { rewriteTarget: undefined },
      [A('rewrite-target')],
    ],
    [
      'set-forwarded-headers',
      { [A('set-forwarded-headers')]: 'if-none' },
      { forwardedHeaders: 'if-none' },
      [],
    ],
    [
      'set-forwarded-headers invalid',
      { [A('set-forwarded-headers')]: 'sometimes' },
      { forwardedHeaders: undefined },
      [A('set-forwarded-headers')],
    ],
    ['h1-adjust-case', { [A('h1-adjust-case')]: '1' }, { h1AdjustCase: true }, []],
    [
      'health check interval',
      { 'router.openshift.io/haproxy.health.check.interval': '500ms' },
      { healthCheckInterval: '500ms' },
      [],
    ],
  ])('%s', (_n, annotations, want, fields) => {
    const { policies, diagnostics } = parseRoutePolicies(annotations, 'edge');
    for (const [k, v] of Object.entries(want))
      expect((policies as unknown as Record<string, unknown>)[k], k).toEqual(v);
    expect(diagnostics.map((d) => d.field)).toEqual(fields.map((f) => `metadata.annotations["${f}"]`));
  });

  it('keeps HSTS for edge and reencrypt only', () => {
    const ann = { [A('hsts_header')]: 'max-age=10' };
    expect(parseRoutePolicies(ann, 'reencrypt').policies.hstsHeader).toBe('max-age=10');
    const plain = parseRoutePolicies(ann, 'none');
    expect(plain.policies.hstsHeader).toBeUndefined();
    expect(plain.diagnostics[0]?.message).toMatch(/edge and reencrypt/);
  });

  it('sanitises header actions: Set needs a value, Delete a name', () => {
    const { policies } = parseRoutePolicies({}, 'edge', {
      httpHeaders: {
        actions: {
          request: [
            { name: 'X-A', action: { type: 'Set', set: { value: 'a' } } },
            { name: 'X-Empty', action: { type: 'Set', set: { value: '' } } },
            { name: 'X-Del', action: { type: 'Delete' } },
            { name: '', action: { type: 'Delete' } },
          ],
        },
      },
    });
    expect(policies.requestHeaders).toEqual([
      { type: 'Set', name: 'X-A', value: 'a' },
      { type: 'Delete', name: 'X-Del' },
    ]);
  });
});
