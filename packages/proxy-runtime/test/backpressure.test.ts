import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { proxyTo, sleep } from './helpers.ts';

describe('streaming with backpressure', () => {
  it('a client that stops reading stops the backend too (the proxy does not buffer the stream)', async () => {
    let written = 0;
    let stop = false;
    const fast: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(256 * 1024, 97);
      const pump = (): void => {
        while (!stop) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
      res.on('close', () => {
        stop = true;
      });
    });
    const { rt, port } = await proxyTo('fast', fast);
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.write('GET / HTTP/1.1\r\nHost: fast.test\r\n\r\n');
    // Never read: only the kernel buffers and one undici high-water mark may fill.
    client.pause();
    await sleep(1_500);
    const stalled = written;
    await sleep(500);
    expect(written - stalled).toBeLessThan(1024 * 1024);
    expect(stalled).toBeLessThan(64 * 1024 * 1024);
    // Reading again resumes the stream.
    let got = 0;
    client.on('data', (d: Buffer) => {
      got += d.length;
    });
    client.resume();
    await sleep(300);
    expect(got).toBeGreaterThan(1024 * 1024);
    client.destroy();
    stop = true;
    await rt.close({ graceMs: 200 });
    fast.closeAllConnections();
    await new Promise((r) => fast.close(() => r(undefined)));
  });

  it('an upload is passed on as the backend reads it', async () => {
    let received = 0;
    let reading = false;
    const slow: Server = createServer((req, res) => {
      req.pause();
      setTimeout(() => {
        reading = true;
        req.on('data', (d: Buffer) => {
          received += d.length;
        });
        req.on('end', () => res.end(String(received)));
        req.resume();
      }, 800);
    });
    const { rt, port } = await proxyTo('up', slow);
    let sentWhileBackendPaused = 0;
    const total = 32 * 1024 * 1024;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: { host: 'up.test', 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 98);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!reading) sentWhileBackendPaused = sent;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(Number(answer)).toBe(total);
    // While the backend did not read, the client could only fill buffers, not send it all.
    expect(sentWhileBackendPaused).toBeLessThan(total / 2);
    await rt.close({ graceMs: 200 });
    await new Promise((r) => slow.close(() => r(undefined)));
  });
});
