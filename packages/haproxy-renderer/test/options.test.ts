import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, makeTempDir } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { type RenderOptions, renderHaproxyConfig } from '../src/index.ts';
import { fourteenRoutes } from './fixtures/fourteen.ts';
import { table } from './fixtures/routes.ts';
import { renderAndCheck } from './helpers.ts';

/** Each ROUTER_* style option shows up in the configuration, and the result passes haproxy -c. */
const cases: {
  name: string;
  options: Partial<RenderOptions>;
  present: (string | RegExp)[];
  absent?: (string | RegExp)[];
}[] = [
  {
    name: 'defaults',
    options: {},
    present: [
      '  maxconn 50000',
      'ssl-default-bind-options ssl-min-ver TLSv1.2',
      'timeout http-keep-alive 300s',
      '  balance random',
    ],
    absent: ['bind 127.0.0.1:1 accept-proxy', 'listen stats', 'nbthread', 'strict-sni', 'hard-stop-after'],
  },
  {
    name: 'ROUTER_USE_PROXY_PROTOCOL',
    options: { useProxyProtocol: true },
    present: ['bind 127.0.0.1:1 accept-proxy', 'bind 127.0.0.1:2 accept-proxy'],
  },
  {
    name: 'ROUTER_IP_V4_V6_MODE=v4v6',
    options: { bindAddress: '', ipMode: 'v4v6', httpPort: 18111, httpsPort: 18112 },
    present: ['  bind :18111', '  bind :::18111 v6only'],
  },
  {
    name: 'STATS_PORT',
    options: { statsPort: 3 },
    present: ['listen stats', '  bind 127.0.0.1:3', '  monitor-uri /healthz'],
  },
  {
    name: 'ROUTER_MAX_CONNECTIONS=auto',
    options: { maxConnections: 'auto' },
    present: ['global\n  no strict-limits\n  stats socket'],
    absent: ['maxconn 50000'],
  },
  { name: 'ROUTER_THREADS', options: { threads: 2 }, present: ['  nbthread 2'] },
  {
    name: 'timeouts',
    options: {
      timeouts: {
        connect: '2s',
        client: '1m',
        server: '2m',
        tunnel: '2h',
        inspectDelay: '3s',
        httpRequest: '7s',
      },
    },
    present: [
      'timeout connect 2s',
      'timeout client 1m',
      'timeout server 2m',
      'timeout tunnel 2h',
      'tcp-request inspect-delay 3s',
      'timeout http-request 7s',
    ],
  },
  { name: 'ROUTER_HARD_STOP_AFTER', options: { hardStopAfter: '1h' }, present: ['  hard-stop-after 1h'] },
  {
    name: 'ROUTER_CIPHERS=modern, TLS versions, cipher suites',
    options: {
      ciphers: 'modern',
      tlsMinVersion: 'TLSv1.3',
      tlsMaxVersion: 'TLSv1.3',
      cipherSuites: 'TLS_AES_128_GCM_SHA256',
    },
    present: [
      'ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.3',
      'ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256',
    ],
    absent: [':DHE-RSA'],
  },
  { name: 'ROUTER_STRICT_SNI', options: { strictSni: true }, present: [/ssl crt \S+ strict-sni crt-list/] },
  {
    name: 'ROUTER_IDLE_CLOSE_ON_RESPONSE',
    options: { idleCloseOnResponse: true },
    present: [/defaults\n(?: {2}.*\n)* {2}option idle-close-on-response\n/],
  },
  {
    name: 'ROUTER_DISABLE_HTTP2',
    options: { disableHttp2: true },
    present: ['ssl verify required ca-file'],
    absent: ['alpn h2'],
  },
  {
    name: 'balancing defaults',
    options: { loadBalanceAlgorithm: 'leastconn', tcpBalanceScheme: 'roundrobin' },
    present: [
      /backend be_http:ns:http-root\n(.*\n)*? {2}balance leastconn/,
      /backend be_tcp:ns:passthrough-none\n {2}balance roundrobin/,
    ],
  },
  {
    name: 'ROUTER_BACKEND_CHECK_INTERVAL',
    options: { backendCheckInterval: '9s' },
    present: ['check inter 9s'],
  },
  {
    name: 'ROUTER_COOKIE_NAME',
    options: { cookieName: 'ROUTER_SID' },
    present: ['cookie ROUTER_SID insert'],
  },
  {
    name: 'ROUTER_SET_FORWARDED_HEADERS=never',
    options: { setForwardedHeaders: 'never' },
    present: ['backend be_http:ns:http-root\n  mode http\n  option redispatch\n  balance'],
    absent: [
      'X-Forwarded-Host %[req.hdr(host)]\n  http-request add-header X-Forwarded-Port %[dst_port]\n  http-request add-header X-Forwarded-Proto http if !{ ssl_fc }\n  http-request add-header X-Forwarded-Proto https if { ssl_fc }\n  http-request add-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }\n  http-request add-header Forwarded',
    ],
  },
  {
    name: 'ROUTER_HTTP_REQUEST_HEADERS / RESPONSE_HEADERS',
    options: {
      requestHeaders: [{ type: 'Set', name: 'X-Router', value: 'switchyard' }],
      responseHeaders: [{ type: 'Delete', name: 'Server' }],
    },
    present: [
      /frontend public\n(.*\n)*? {2}http-request set-header 'X-Router' 'switchyard'/,
      "http-response del-header 'Server'",
    ],
  },
  {
    name: 'dynamicServers (ROUTER_HAPROXY_CONFIG_MANAGER)',
    options: { dynamicServers: true },
    present: [' dynamic\n', 'dynamic-cookie-key '],
    absent: [/ cookie [0-9a-f]{32} weight/],
  },
  {
    name: 'ROUTER_H1_CASE_ADJUST',
    options: { h1CaseAdjust: ['Content-Type'] },
    present: ['  h1-case-adjust content-type Content-Type', '  option h1-case-adjust-bogus-client'],
  },
  {
    name: 'ROUTER_CURVES: ssl-default-bind-curves',
    options: { curves: 'X25519:P-256' },
    present: ['  ssl-default-bind-curves X25519:P-256'],
  },
];

describe('render options', () => {
  it.each(cases)('$name', async ({ options, present, absent }) => {
    const r = await renderAndCheck(fourteenRoutes(), options);
    try {
      expect(r.check.output).toContain('Configuration file is valid');
      const config = r.result.files['haproxy.config'] as string;
      const crtList = r.result.files['cert_config.map'] as string;
      for (const p of present) {
        if (typeof p === 'string') expect(config).toContain(p);
        else expect(config).toMatch(p);
      }
      for (const a of absent ?? []) {
        if (typeof a === 'string') expect(config + crtList).not.toContain(a);
        else expect(config).not.toMatch(a);
      }
    } finally {
      await r.cleanup();
    }
  });

  it('ROUTER_MUTUAL_TLS_AUTH: verify, ca-file, crl-file on both TLS frontends, the filter and the X-SSL headers (haproxy -c accepts them)', async () => {
    const dir = await makeTempDir('hrmtls');
    try {
      const ca = await createCertificateAuthority({ commonName: 'Client CA' });
      await writeFile(join(dir.path, 'ca.pem'), ca.cert);
      const r = await renderAndCheck(fourteenRoutes(), {
        mutualTls: { verify: 'required', caFile: join(dir.path, 'ca.pem'), subjectFilter: "CN=it's me" },
      });
      try {
        expect(r.check.ok).toBe(true);
        const config = r.result.files['haproxy.config'] as string;
        expect(config.match(/ accept-proxy verify required ca-file \S+ca\.pem\n/g)).toHaveLength(2);
        expect(config).toContain(
          "  acl cert_cn_matches ssl_c_s_dn -m reg 'CN=it'\\''s me'\n  http-request deny unless cert_cn_matches",
        );
        expect(
          config.match(/http-request set-header X-SSL-Client-DER %\{\+Q\}\[ssl_c_der,base64\]/g),
        ).toHaveLength(2);
      } finally {
        await r.cleanup();
      }
      expect(() =>
        renderHaproxyConfig(table([]), {
          workingDir: dir.path,
          defaultCertificatePath: '/x.pem',
          mutualTls: { verify: 'sometimes' as 'required', caFile: '/ca.pem' },
        }),
      ).toThrow(/options\.mutualTls\.verify: expected required or optional/);
    } finally {
      await dir.cleanup();
    }
  });

  it('ROUTER_ERRORFILE_404 makes openshift_default deny with 404 (and both error files load)', async () => {
    const probe = await renderAndCheck(fourteenRoutes());
    const page = `${probe.dir}/error-page-503.http`;
    const r = await renderAndCheck(fourteenRoutes(), { errorFile404: page, errorFile503: page });
    try {
      expect(r.check.ok).toBe(true);
      expect(r.result.files['haproxy.config']).toContain(`errorfile 404 ${page}`);
      expect(r.result.files['haproxy.config']).toContain(
        'backend openshift_default\n  mode http\n  option forwardfor\n  http-request deny deny_status 404',
      );
      expect(r.result.files['error-page-503.http']).toBeUndefined();
    } finally {
      await r.cleanup();
      await probe.cleanup();
    }
  });
});
