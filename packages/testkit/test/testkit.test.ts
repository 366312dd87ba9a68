import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  checkHaproxyConfig,
  createCertificate,
  opensslHandshake,
  createCertificateAuthority,
  freePort,
  makeTempDir,
  startHaproxy,
  startHttpEcho,
  startHttpsEcho,
  startTcpEcho,
} from '@switchyard/testkit';

describe('certificates', () => {
  it('signs a leaf with a CA, with the requested names', async () => {
    const ca = await createCertificateAuthority();
    const leaf = await createCertificate({
      commonName: 'www.a.test',
      altNames: ['www.a.test', '*.b.test'],
      ca,
    });
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(leaf.cert);
    expect(caCert.ca).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkHost('x.b.test')).toBe('*.b.test');
    expect(cert.checkHost('other.test')).toBeUndefined();
    expect(cert.subject).toBe('CN=www.a.test');
  });

  it.each([
    ['sha1', 'sha1WithRSAEncryption'],
    ['md5', 'md5WithRSAEncryption'],
  ] as const)('makes %s-signed certificates for rejection tests', async (algorithm, expected) => {
    const dir = await makeTempDir('testkit');
    try {
      const pair = await createCertificate({
        commonName: 'old.test',
        signatureAlgorithm: algorithm,
        keyType: 'rsa',
      });
      const path = join(dir.path, 'c.pem');
      await writeFile(path, pair.cert);
      const { execFileSync } = await import('node:child_process');
      const text = execFileSync('openssl', ['x509', '-in', path, '-noout', '-text'], { encoding: 'utf8' });
      expect(text).toContain(`Signature Algorithm: ${expected}`);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('echo backends', () => {
  it('answers HTTP with its name and the request', async () => {
    const echo = await startHttpEcho({ name: 'one' });
    try {
      const { request } = await import('node:http');
      const { header, body } = await new Promise<{
        header: unknown;
        body: { backend: string; url: string; headers: Record<string, string> };
      }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: echo.port, path: '/a/b?c=1', headers: { host: 'x.test' } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ header: res.headers['x-backend'], body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(header).toBe('one');
      expect(body.backend).toBe('one');
      expect(body.url).toBe('/a/b?c=1');
      expect(body.headers.host).toBe('x.test');
      expect(echo.requests).toBe(1);
    } finally {
      await echo.close();
    }
  });

  it('echoes WebSocket messages', async () => {
    const echo = await startHttpEcho({ name: 'ws' });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${echo.port}/`);
      const messages: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data) => {
          messages.push(data.toString());
          if (messages.length === 1) ws.send('ping');
          else resolve();
        });
        ws.on('error', reject);
      });
      ws.close();
      expect(messages).toEqual(['hello from ws', 'ping']);
    } finally {
      await echo.close();
    }
  });

  it('serves TLS with the given certificate', async () => {
    const pair = await createCertificate({ commonName: 'secure.test' });
    const echo = await startHttpsEcho({ name: 'tls', ...pair });
    try {
      const { request } = await import('node:https');
      const subject = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: echo.port, servername: 'secure.test', ca: pair.cert, path: '/' },
          (res) => {
            res.resume();
            resolve((res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.subject ?? '');
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(subject).toBe('CN=secure.test');
    } finally {
      await echo.close();
    }
  });

  it('greets raw TCP clients and echoes bytes', async () => {
    const echo = await startTcpEcho({ name: 'raw' });
    try {
      const received = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: echo.port });
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString();
          if (data === 'raw\nabc') {
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('error', reject);
        socket.write('abc');
      });
      expect(received).toBe('raw\nabc');
    } finally {
      await echo.close();
    }
  });
});

describe('haproxy launcher', () => {
  it('checks and runs a real HAProxy that routes to a backend', async () => {
    const dir = await makeTempDir('testkit-haproxy');
    const echo = await startHttpEcho({ name: 'behind-haproxy' });
    const port = await freePort();
    try {
      const config = [
        'global',
        '  log stderr format raw local0',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  default_backend be',
        'backend be',
        `  server s1 127.0.0.1:${echo.port}`,
        '',
      ].join('\n');
      const path = join(dir.path, 'haproxy.config');
      await writeFile(path, config);
      expect((await checkHaproxyConfig(path)).ok).toBe(true);
      const broken = join(dir.path, 'broken.config');
      await writeFile(broken, `${config}backend be2\n  nonsense-directive\n`);
      expect((await checkHaproxyConfig(broken)).ok).toBe(false);
      const haproxy = await startHaproxy({ configPath: path, waitForPort: port });
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        expect(res.headers.get('x-backend')).toBe('behind-haproxy');
        await res.arrayBuffer();
      } finally {
        await haproxy.stop();
      }
    } finally {
      await echo.close();
      await dir.cleanup();
    }
  });
});

describe('opensslHandshake', () => {
  it('reports a completed handshake with protocol, cipher and peer, and a refused one', async () => {
    const cert = await createCertificate({ commonName: 'hs.test' });
    const server = createTlsServer({ cert: cert.cert, key: cert.key, minVersion: 'TLSv1.3' }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await opensslHandshake(port, 'hs.test')).toEqual({
        ok: true,
        protocol: 'TLSv1.3',
        cipher: expect.stringMatching(/^TLS_/),
        peer: 'CN = hs.test',
        serverTempKey: expect.stringMatching(/bits$/),
      });
      expect(await opensslHandshake(port, '')).toMatchObject({ ok: true, peer: 'CN = hs.test' });
      expect((await opensslHandshake(port, 'hs.test', ['-tls1_2'])).ok).toBe(false);
    } finally {
      server.close();
    }
  });
});
