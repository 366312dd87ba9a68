import { describe, expect, it } from 'vitest';
import { isRouterError } from '../src/errors.ts';
import { CIPHER_PROFILES } from '@switchyard/haproxy-renderer';
import {
  formatHelp,
  loadSettings,
  OPENSHIFT_ENV_NOT_READ,
  parseGlobalHeaderActions,
  type RouterSettings,
  resolveCipherList,
  SETTINGS,
} from '../src/settings.ts';

function run(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): RouterSettings {
  const result = loadSettings({
    argv,
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file ${path}`);
      return text;
    },
  });
  if (result.action !== 'run') throw new Error(`unexpected ${result.action}`);
  return result.settings;
}

function failure(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): string {
  try {
    run(argv, env, files);
  } catch (error) {
    if (isRouterError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('loadSettings', () => {
  it('applies the documented defaults', () => {
    const s = run(['--routes', 'examples']);
    expect(s).toMatchObject({
      routes: 'examples',
      engine: 'native',
      httpPort: 8080,
      httpsPort: 8443,
      statsPort: 1936,
      reloadInterval: 5000,
      routerName: 'default',
      loadBalanceAlgorithm: 'random',
      tcpBalanceScheme: 'source',
      connectTimeout: 5000,
      tunnelTimeout: 3_600_000,
      allowedDomains: [],
      updateStatus: true,
      // Switchyard's deliberate departure from OpenShift's default (false).
      idleCloseOnResponse: true,
    });
  });

  it.each([
    ['flag with a space', ['--routes', 'r', '--http-port', '9000'], {}, 9000],
    ['flag with =', ['--routes', 'r', '--http-port=9001'], {}, 9001],
    ['OpenShift env name', ['--routes', 'r'], { ROUTER_SERVICE_HTTP_PORT: '9002' }, 9002],
    ['flag beats env', ['--routes', 'r', '--http-port', '9003'], { ROUTER_SERVICE_HTTP_PORT: '9002' }, 9003],
    ['config file', ['--routes', 'r', '--config', 'c.yaml'], {}, 9004],
    [
      'env beats config file',
      ['--routes', 'r', '--config', 'c.yaml'],
      { ROUTER_SERVICE_HTTP_PORT: '9005' },
      9005,
    ],
  ])('precedence: %s', (_name, argv, env, port) => {
    expect(run(argv, env, { 'c.yaml': 'httpPort: 9004\n' }).httpPort).toBe(port);
  });

  it.each([
    ['RELOAD_INTERVAL Go duration', { RELOAD_INTERVAL: '1m30s' }, 'reloadInterval', 90_000],
    ['timeout HAProxy spec', { ROUTER_DEFAULT_CONNECT_TIMEOUT: '250ms' }, 'connectTimeout', 250],
    ['timeout bare number is ms', { ROUTER_DEFAULT_SERVER_TIMEOUT: '1500' }, 'serverTimeout', 1500],
    ['Go bool', { ROUTER_ALLOW_WILDCARD_ROUTES: 'T' }, 'allowWildcardRoutes', true],
    [
      'domain list',
      { ROUTER_ALLOWED_DOMAINS: 'Apps.Example.com, test ' },
      'allowedDomains',
      ['apps.example.com', 'test'],
    ],
    [
      'selector',
      { ROUTE_LABELS: 'shard in (a,b),env!=dev,!legacy' },
      'routeSelector',
      'shard in (a,b),env!=dev,!legacy',
    ],
    ['balance', { ROUTER_LOAD_BALANCE_ALGORITHM: 'leastconn' }, 'loadBalanceAlgorithm', 'leastconn'],
  ])('environment: %s', (_name, env, key, value) => {
    const base = key === 'routeSelector' ? ['--in-cluster'] : ['--routes', 'r'];
    expect(run(base, env)[key as keyof RouterSettings]).toEqual(value);
  });

  it.each([
    ['--no-flag', ['--routes', 'r', '--no-update-status'], false],
    ['bare boolean flag', ['--routes', 'r', '--update-status'], true],
    ['boolean flag with value', ['--routes', 'r', '--update-status', 'false'], false],
  ])('booleans: %s', (_name, argv, value) => {
    expect(run(argv).updateStatus).toBe(value);
  });

  it.each([
    ['default', ['--routes', 'r'], {}, true],
    ['--no-idle-close-on-response', ['--routes', 'r', '--no-idle-close-on-response'], {}, false],
    ['--idle-close-on-response false', ['--routes', 'r', '--idle-close-on-response', 'false'], {}, false],
    ['OpenShift env name', ['--routes', 'r'], { ROUTER_IDLE_CLOSE_ON_RESPONSE: 'false' }, false],
    [
      'flag over env',
      ['--routes', 'r', '--idle-close-on-response'],
      { ROUTER_IDLE_CLOSE_ON_RESPONSE: '0' },
      true,
    ],
    ['config key', ['--routes', 'r', '--config', 'c.yaml'], {}, false],
  ])('idle-close-on-response: %s', (_name, argv, env, value) => {
    expect(run(argv, env, { 'c.yaml': 'idleCloseOnResponse: false\n' }).idleCloseOnResponse).toBe(value);
  });

  it.each([
    [
      'a port that is not a number',
      ['--routes', 'r', '--http-port', 'eighty'],
      {},
      /--http-port: expected a port number/,
    ],
    ['a port out of range', ['--routes', 'r', '--https-port', '70000'], {}, /--https-port: expected a port/],
    [
      'an env port',
      ['--routes', 'r'],
      { STATS_PORT: '-1' },
      /environment variable STATS_PORT \(--stats-port\)/,
    ],
    [
      'an unknown engine',
      ['--routes', 'r', '--engine', 'nginx'],
      {},
      /--engine: expected one of native, haproxy/,
    ],
    [
      'a reload interval below 1 s',
      ['--routes', 'r'],
      { RELOAD_INTERVAL: '500ms' },
      /RELOAD_INTERVAL \(--reload-interval\): expected a duration between 1s and 2m/,
    ],
    [
      'a duration that is not one',
      ['--routes', 'r', '--connect-timeout', '1.5.s'],
      {},
      /--connect-timeout: expected a duration/,
    ],
    [
      'a bad boolean',
      ['--routes', 'r'],
      { ROUTER_USE_PROXY_PROTOCOL: 'maybe' },
      /ROUTER_USE_PROXY_PROTOCOL.*expected true or false/,
    ],
    [
      'a bad idle-close-on-response',
      ['--routes', 'r'],
      { ROUTER_IDLE_CLOSE_ON_RESPONSE: 'sometimes' },
      /ROUTER_IDLE_CLOSE_ON_RESPONSE \(--idle-close-on-response\): expected true or false/,
    ],
    [
      'a bad selector',
      ['--in-cluster', '--route-selector', 'a=b,,=c'],
      {},
      /--route-selector: expected a label selector/,
    ],
    [
      'a bad domain',
      ['--routes', 'r'],
      { ROUTER_DENIED_DOMAINS: 'ok.com,bad domain' },
      /ROUTER_DENIED_DOMAINS.*bad entry "bad domain"/,
    ],
    [
      'an IP canonical hostname',
      ['--in-cluster', '--canonical-hostname', '10.0.0.1'],
      {},
      /--canonical-hostname.*not an IP/,
    ],
    [
      'a bad listen address',
      ['--routes', 'r', '--listen-address', 'localhost'],
      {},
      /--listen-address: expected an IP/,
    ],
    [
      'two listeners on one port',
      ['--routes', 'r', '--http-port', '9000', '--stats-port', '9000'],
      {},
      /--http-port and --stats-port: both are 9000/,
    ],
    ['no source', [], {}, /No source of routes/],
    ['two sources', ['--routes', 'r', '--in-cluster'], {}, /Choose one source/],
    [
      'a cluster flag with files',
      ['--routes', 'r', '--namespace', 'x'],
      {},
      /--namespace applies to cluster sources only/,
    ],
    [
      'demo backends with a cluster',
      ['--in-cluster', '--demo-backends'],
      {},
      /--demo-backends works only with --routes/,
    ],
    ['an unknown flag', ['--routes', 'r', '--htp-port', '1'], {}, /Unknown flag --htp-port/],
    ['a missing value', ['--routes'], {}, /Flag --routes needs a value/],
    ['a positional argument', ['examples'], {}, /Unexpected argument "examples"/],
    [
      'a missing config file',
      ['--routes', 'r', '--config', 'nope.yaml'],
      {},
      /ERR_ROUTER_CONFIG_FILE: Cannot read config file nope.yaml/,
    ],
    ['an unknown config key', ['--routes', 'r', '--config', 'bad.yaml'], {}, /unknown setting "http_port"/],
    [
      'a bad config value',
      ['--routes', 'r', '--config', 'badvalue.yaml'],
      {},
      /config file key "maxConnections" in badvalue.yaml \(--max-connections\)/,
    ],
  ])('fails at start naming the setting: %s', (_name, argv, env, pattern) => {
    const files = { 'bad.yaml': 'http_port: 1\n', 'badvalue.yaml': 'maxConnections: 0\n' };
    expect(failure(argv, env, files)).toMatch(pattern);
  });

  it.each([
    ['relative to the config file', 'routes: ./manifests\n', '/etc/switchyard/manifests'],
    ['absolute', 'routes: /srv/routes\n', '/srv/routes'],
  ])('config-file paths are resolved %s', (_name, text, expected) => {
    expect(
      run(['--config', '/etc/switchyard/config.yaml'], {}, { '/etc/switchyard/config.yaml': text }).routes,
    ).toBe(expected);
  });

  it('reads the TLS settings under their OpenShift names, with the intermediate profile by default', () => {
    expect(run(['--routes', 'r'])).toMatchObject({
      ciphers: 'intermediate',
      cipherSuites: undefined,
      tlsMinVersion: 'TLSv1.2',
      tlsMaxVersion: undefined,
    });
    expect(
      run(['--routes', 'r'], {
        ROUTER_CIPHERS: 'modern',
        ROUTER_CIPHERSUITES: 'TLS_AES_256_GCM_SHA384',
        SSL_MIN_VERSION: 'TLSv1.3',
        SSL_MAX_VERSION: 'TLSv1.3',
      }),
    ).toMatchObject({
      ciphers: 'modern',
      cipherSuites: 'TLS_AES_256_GCM_SHA384',
      tlsMinVersion: 'TLSv1.3',
      tlsMaxVersion: 'TLSv1.3',
    });
    expect(resolveCipherList('intermediate')).toBe(CIPHER_PROFILES.intermediate);
    expect(resolveCipherList('ECDHE-ECDSA-AES256-GCM-SHA384')).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
  });

  it.each([
    ['an unknown TLS version', { SSL_MIN_VERSION: 'TLSv1.4' }, /SSL_MIN_VERSION \(--tls-min-version\)/],
    [
      'a minimum newer than the maximum',
      { SSL_MIN_VERSION: 'TLSv1.3', SSL_MAX_VERSION: 'TLSv1.2' },
      /--tls-min-version \(SSL_MIN_VERSION\) and --tls-max-version \(SSL_MAX_VERSION\)/,
    ],
    [
      'cipher names OpenSSL does not know',
      { ROUTER_CIPHERS: 'NO-SUCH-CIPHER' },
      /--ciphers \(ROUTER_CIPHERS\)/,
    ],
    [
      'a TLS 1.3 suite in ROUTER_CIPHERS',
      { ROUTER_CIPHERS: 'TLS_AES_128_GCM_SHA256' },
      /--ciphers \(ROUTER_CIPHERS\)/,
    ],
    ['a profile name that does not exist', { ROUTER_CIPHERS: 'paranoid' }, /--ciphers \(ROUTER_CIPHERS\)/],
    [
      'an unknown TLS 1.3 suite',
      { ROUTER_CIPHERSUITES: 'TLS_NO_SUCH_SUITE' },
      /--cipher-suites \(ROUTER_CIPHERSUITES\)/,
    ],
    [
      'a TLS 1.2 cipher in ROUTER_CIPHERSUITES',
      { ROUTER_CIPHERSUITES: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
      /--cipher-suites \(ROUTER_CIPHERSUITES\)/,
    ],
  ])('refuses %s, naming the setting', (_name, env, pattern) => {
    expect(failure(['--routes', 'r'], env)).toMatch(pattern);
  });

  it('lists the OpenShift settings that are set but not implemented, instead of ignoring them silently', () => {
    const result = loadSettings({
      argv: ['--routes', 'r'],
      env: {
        ROUTER_CAPTURE_HTTP_COOKIE: 'session:64',
        ROUTER_UNIQUE_ID_FORMAT: '%{+X}o',
        ROUTER_CIPHERS: 'modern',
        ROUTER_MUTUAL_TLS_AUTH: 'none',
        STATS_USERNAME: '',
      },
    });
    expect(result.action === 'run' && result.ignoredEnv).toEqual([
      'ROUTER_CAPTURE_HTTP_COOKIE',
      'ROUTER_UNIQUE_ID_FORMAT',
    ]);
    // Every name a setting reads is left out of the list by construction.
    for (const spec of SETTINGS)
      for (const env of spec.env) expect(OPENSHIFT_ENV_NOT_READ).not.toContain(env);
    expect(OPENSHIFT_ENV_NOT_READ).toContain('ROUTER_CAPTURE_HTTP_COOKIE');
  });

  it.each(['required', 'optional'])(
    'ROUTER_MUTUAL_TLS_AUTH=%s needs ROUTER_MUTUAL_TLS_AUTH_CA, and the filter must be a regex',
    (v) => {
      expect(failure(['--routes', 'r'], { ROUTER_MUTUAL_TLS_AUTH: v })).toMatch(
        /ERR_ROUTER_INVALID_SETTING: .*--mutual-tls-ca \(ROUTER_MUTUAL_TLS_AUTH_CA\) must name/,
      );
      expect(
        failure(['--routes', 'r'], {
          ROUTER_MUTUAL_TLS_AUTH: v,
          ROUTER_MUTUAL_TLS_AUTH_CA: '/ca.pem',
          ROUTER_MUTUAL_TLS_AUTH_FILTER: 'CN=(alice',
        }),
      ).toMatch(/--mutual-tls-filter \(ROUTER_MUTUAL_TLS_AUTH_FILTER\): expected a regular expression/);
      expect(
        run(['--routes', 'r'], { ROUTER_MUTUAL_TLS_AUTH: v, ROUTER_MUTUAL_TLS_AUTH_CA: '/ca.pem' }),
      ).toMatchObject({
        mutualTls: v,
        mutualTlsCa: '/ca.pem',
      });
    },
  );

  it('parses ROUTER_HTTP_*_HEADERS as OpenShift does, skipping entries that do not parse', () => {
    expect(
      parseGlobalHeaderActions(
        'X-A:one:Set,X-B:Delete, ,X-C:a%2Cb%3Ac+d:Set,X-D::Set,X-E:v:Append,Bad Name:v:Set,X-F:%zz:Set',
      ),
    ).toEqual({
      actions: [
        { type: 'Set', name: 'X-A', value: 'one' },
        { type: 'Delete', name: 'X-B' },
        { type: 'Set', name: 'X-C', value: 'a,b:c d' },
      ],
      skipped: ['X-D::Set', 'X-E:v:Append', 'Bad Name:v:Set', 'X-F:%zz:Set'],
    });
    expect(parseGlobalHeaderActions(undefined)).toEqual({ actions: [], skipped: [] });
  });

  it('answers --help and --version', () => {
    expect(loadSettings({ argv: ['--help'] }).action).toBe('help');
    expect(loadSettings({ argv: ['-v'] }).action).toBe('version');
  });
});

describe('formatHelp', () => {
  const help = formatHelp();
  it.each(SETTINGS.map((s) => [s.flag, s]))('documents --%s with its environment variable', (_flag, spec) => {
    expect(help).toContain(`--${spec.flag}`);
    for (const env of spec.env) expect(help).toContain(env);
  });
  it('documents the exit codes', () => {
    expect(help).toMatch(/Exit codes: 0 clean shutdown/);
  });
});
