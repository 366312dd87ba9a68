import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  connect as tlsConnect,
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import { createCertificate } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PeekClientHelloOptions,
  type PeekClientHelloResult,
  isSniParserError,
  parseClientHello,
  peekClientHello,
} from '../src/index.ts';
import { loadFixtures, refragment } from './helpers/tls-bytes.ts';

const chromium = loadFixtures().find((f) => f.file === 'chromium.bin');
if (chromium === undefined) throw new Error('chromium fixture missing');
const chromiumHello = chromium.bytes;

let key = '';
let cert = '';
const open: Array<{ close: () => unknown }> = [];

beforeAll(async () => {
  ({ key, cert } = await createCertificate({ commonName: 'backend.test', days: 1 }));
});

afterAll(() => {
  for (const s of open) s.close();
});

function listen<T extends Server | TlsServer>(server: T): Promise<number> {
  open.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A front server that peeks each connection; resolves with the first one's socket and result. */
async function peekServer(
  options: PeekClientHelloOptions,
): Promise<{ port: number; first: Promise<{ socket: Socket; peek: PeekClientHelloResult }> }> {
  let resolveFirst!: (v: { socket: Socket; peek: PeekClientHelloResult }) => void;
  let rejectFirst!: (e: unknown) => void;
  const first = new Promise<{ socket: Socket; peek: PeekClientHelloResult }>((res, rej) => {
    resolveFirst = res;
    rejectFirst = rej;
  });
  const server = createServer((socket) => {
    peekClientHello(socket, options).then((peek) => resolveFirst({ socket, peek }), rejectFirst);
  });
  const port = await listen(server);
  return { port, first };
}

function rawClient(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    open.push({ close: () => s.destroy() });
  });
}

function tlsClient(port: number, servername: string): TLSSocket {
  const s = tlsConnect({ host: '127.0.0.1', port, servername, ca: cert, ALPNProtocols: ['http/1.1'] });
  open.push({ close: () => s.destroy() });
  return s;
}

/** Sends `text` over a secured client and resolves with the echoed reply. */
function echoThrough(client: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.on('error', reject);
    client.once('secureConnect', () => client.write(text));
    let got = '';
    client.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length + 5) resolve(got);
    });
  });
}

const echoHandler = (s: TLSSocket): void => {
  s.on('error', () => {});
  s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
};

describe('peekClientHello over real sockets', () => {
  it('reads the hello of a real TLS client and replays it into a real tls.Server (termination)', async () => {
    const tlsServer = createTlsServer({ key, cert }, echoHandler);
    open.push(tlsServer);
    const server = createServer((socket) => {
      void peekClientHello(socket, { timeoutMs: 10_000, unshift: true }).then(({ result }) => {
        if (result.status !== 'complete' || result.hello.serverName !== 'backend.test')
          return socket.destroy();
        tlsServer.emit('connection', socket);
      });
    });
    const port = await listen(server);
    const reply = await echoThrough(tlsClient(port, 'backend.test'), 'ping');
    expect(reply).toBe('echo:ping');
  });

  it('passthrough: bytes replayed to a TLS backend, then the sockets piped both ways', async () => {
    const backend = createTlsServer({ key, cert }, echoHandler);
    const backendPort = await listen(backend);
    const seen: string[] = [];
    const front = createServer((socket) => {
      void peekClientHello(socket, { timeoutMs: 10_000 }).then(({ result, bytes }) => {
        if (result.status !== 'complete') return socket.destroy();
        seen.push(result.hello.serverName ?? '');
        const upstream = netConnect(backendPort, '127.0.0.1');
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        upstream.write(bytes);
        socket.pipe(upstream).pipe(socket);
      });
    });
    const port = await listen(front);
    const reply = await echoThrough(tlsClient(port, 'Backend.Test'), 'hello through');
    expect(reply).toBe('echo:hello through');
    expect(seen).toEqual(['Backend.Test']);
  });

  it('a hello re-split into 64-byte records and written in separate TCP writes is reassembled', async () => {
    const { port, first } = await peekServer({ timeoutMs: 10_000 });
    const client = await rawClient(port);
    const split = refragment(chromiumHello, 64);
    for (let i = 0; i < split.length; i += 100) {
      client.write(split.subarray(i, i + 100));
      await new Promise((r) => setTimeout(r, 2));
    }
    const { peek, socket } = await first;
    socket.destroy();
    expect(peek.stoppedBy).toBe('result');
    expect(peek.bytes.equals(split)).toBe(true);
    const whole = parseClientHello(chromiumHello);
    expect(peek.result.status).toBe('complete');
    if (peek.result.status === 'complete' && whole.status === 'complete') {
      expect(peek.result.hello).toEqual({
        ...whole.hello,
        records: Math.ceil(whole.hello.handshakeLength / 64),
      });
    }
  });

  it('a hello in one-byte records, written in small pieces, is reassembled', async () => {
    const { port, first } = await peekServer({ timeoutMs: 20_000 });
    const client = await rawClient(port);
    client.setNoDelay(true);
    const split = refragment(chromiumHello, 1);
    for (let i = 0; i < split.length; i += 600) {
      client.write(split.subarray(i, i + 600));
      await new Promise((r) => setImmediate(r));
    }
    const { peek, socket } = await first;
    socket.destroy();
    const whole = parseClientHello(chromiumHello);
    expect(peek.stoppedBy).toBe('result');
    expect(peek.bytes.equals(split)).toBe(true);
    if (whole.status !== 'complete') throw new Error('fixture does not parse');
    expect(peek.result).toEqual({
      status: 'complete',
      consumed: split.length,
      hello: { ...whole.hello, records: whole.hello.handshakeLength },
    });
  });

  it('a slow sender hits the deadline and every byte it sent is handed back', async () => {
    const { port, first } = await peekServer({ timeoutMs: 300 });
    const client = await rawClient(port);
    let i = 0;
    // One byte every 20 ms: the whole hello would take about 40 s.
    const drip = setInterval(() => {
      if (i < chromiumHello.length) client.write(chromiumHello.subarray(i, ++i));
    }, 20);
    try {
      const { peek, socket } = await first;
      socket.destroy();
      expect(peek.stoppedBy).toBe('timeout');
      expect(peek.result.status).toBe('incomplete');
      expect(peek.bytes.length).toBeLessThan(chromiumHello.length);
      expect(peek.bytes.equals(chromiumHello.subarray(0, peek.bytes.length))).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it('plain HTTP is reported not-tls and the socket is still usable', async () => {
    const server = createServer((socket) => {
      void peekClientHello(socket, { timeoutMs: 10_000 }).then(({ result, bytes }) => {
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nX-Result: ${result.status}\r\nX-Bytes: ${bytes.length}\r\n\r\n`,
        );
      });
    });
    const port = await listen(server);
    const client = await rawClient(port);
    const reply = await new Promise<string>((resolve) => {
      let got = '';
      client.on('data', (d: Buffer) => {
        got += d.toString();
      });
      client.on('end', () => resolve(got));
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(reply).toContain('X-Result: not-tls');
    expect(reply).toMatch(/X-Bytes: [1-9]/);
  });

  it.each([
    ['without unshift', false],
    ['with unshift (no error on the socket, which has no error listener)', true],
  ])('a peer that ends early stops with end and an incomplete result, %s', async (_name, unshift) => {
    const { port, first } = await peekServer({ timeoutMs: 10_000, unshift });
    const client = await rawClient(port);
    client.end(chromiumHello.subarray(0, 700));
    const { peek, socket } = await first;
    const errors: unknown[] = [];
    socket.on('error', (e) => errors.push(e));
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([]);
    socket.destroy();
    expect(peek.stoppedBy).toBe('end');
    expect(peek.result.status).toBe('incomplete');
    expect(peek.bytes.equals(chromiumHello.subarray(0, 700))).toBe(true);
  });

  it('a hello over maxBytes is invalid without waiting for the rest', async () => {
    const { port, first } = await peekServer({ timeoutMs: 10_000, maxBytes: 512 });
    const client = await rawClient(port);
    client.write(chromiumHello.subarray(0, 20));
    const { peek, socket } = await first;
    socket.destroy();
    expect(peek.stoppedBy).toBe('result');
    expect(peek.result).toMatchObject({ status: 'invalid', code: 'too-large' });
  });

  it('a reset connection rejects with ERR_SNI_SOCKET carrying the bytes read', async () => {
    const { port, first } = await peekServer({ timeoutMs: 10_000 });
    const client = await rawClient(port);
    client.write(chromiumHello.subarray(0, 50));
    await new Promise((r) => setTimeout(r, 50));
    client.resetAndDestroy();
    const outcome = await first.then(
      ({ peek }) => ({ ok: true as const, peek }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    // The reset may reach the server as an error (the usual case) or, on some kernels, as a
    // plain close; both are handled without throwing out of the socket.
    if (outcome.ok) {
      expect(outcome.peek.stoppedBy).toBe('end');
    } else {
      expect(isSniParserError(outcome.e)).toBe(true);
      expect((outcome.e as { code: string }).code).toBe('ERR_SNI_SOCKET');
      expect((outcome.e as { bytes: Uint8Array }).bytes.length).toBe(50);
    }
  });

  it.each([
    ['without unshift, a data listener gets the bytes after those returned', false],
    ['with unshift, a data listener gets the stream from its first byte', true],
  ])('%s', async (_name, unshift) => {
    const { port, first } = await peekServer({ timeoutMs: 10_000, unshift });
    const client = await rawClient(port);
    client.write(chromiumHello);
    const { peek, socket } = await first;
    const rest = Buffer.from('after the hello');
    const received = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
    });
    client.end(rest);
    const got = await received;
    socket.destroy();
    expect(peek.result.status).toBe('complete');
    expect(
      Buffer.concat([unshift ? Buffer.alloc(0) : peek.bytes, got]).equals(
        Buffer.concat([chromiumHello, rest]),
      ),
    ).toBe(true);
  });

  it('rejects a socket with an encoding set (ERR_SNI_INVALID_ARGUMENT)', async () => {
    const s = netConnect({ port: 9, host: '127.0.0.1' });
    s.on('error', () => {});
    s.setEncoding('utf8');
    try {
      expect(() => peekClientHello(s)).toThrow(expect.objectContaining({ code: 'ERR_SNI_INVALID_ARGUMENT' }));
    } finally {
      s.destroy();
    }
  });

  it.each([
    ['timeoutMs zero', { timeoutMs: 0 }, 'ERR_SNI_INVALID_OPTION', 'options.timeoutMs'],
    [
      'timeoutMs infinite',
      { timeoutMs: Number.POSITIVE_INFINITY },
      'ERR_SNI_INVALID_OPTION',
      'options.timeoutMs',
    ],
    ['maxBytes fractional', { maxBytes: 1.5 }, 'ERR_SNI_INVALID_OPTION', 'options.maxBytes'],
  ])('rejects %s synchronously', async (_name, options, code, field) => {
    const s = netConnect({ port: 9, host: '127.0.0.1' });
    s.on('error', () => {});
    try {
      expect(() => peekClientHello(s, options)).toThrow(field);
      try {
        peekClientHello(s, options);
      } catch (e) {
        expect((e as { code: string }).code).toBe(code);
      }
    } finally {
      s.destroy();
    }
  });
});
