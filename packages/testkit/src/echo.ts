import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';

/** A running echo backend. */
export interface EchoServer {
  /** The backend name, reported in every answer. */
  name: string;
  host: string;
  port: number;
  /** `http://host:port` (or https, or tcp). */
  url: string;
  /** Requests (or TCP connections) served so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** The JSON body of every HTTP echo answer. */
export interface EchoAnswer {
  backend: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
  tls: boolean;
}

interface Closable {
  server: Server;
  sockets: Set<Socket>;
}

function track(server: Server): Closable {
  const sockets = new Set<Socket>();
  const add = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', add);
  server.on('secureConnection', add);
  return { server, sockets };
}

function closeAll({ server, sockets }: Closable): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function makeHandler(name: string, tls: boolean, count: () => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    count();
    // Read the whole body so keep-alive connections stay usable, then answer.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer: EchoAnswer = {
        backend: name,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress ?? '',
        tls,
      };
      const body = JSON.stringify({ ...answer, bodyLength: Buffer.concat(chunks).length });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-backend': name,
      });
      res.end(body);
    });
  };
}

async function startEcho(
  name: string,
  host: string,
  tls: { cert: string; key: string } | undefined,
): Promise<EchoServer> {
  let requests = 0;
  const handler = makeHandler(name, tls !== undefined, () => {
    requests += 1;
  });
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createHttpServer(handler);
  const closable = track(server);
  // WebSocket upgrades echo every message; the first message from the server names the backend.
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    requests += 1;
    ws.send(`hello from ${name}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const port = await listen(server, host);
  const scheme = tls ? 'https' : 'http';
  return {
    name,
    host,
    port,
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get requests() {
      return requests;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeAll(closable);
    },
  };
}

/**
 * Starts an HTTP/1.1 echo backend: every answer is JSON ({@link EchoAnswer}) with header
 * `x-backend: <name>`; WebSocket upgrades echo every message after a `hello from <name>` greeting.
 */
export function startHttpEcho(options: { name: string; host?: string }): Promise<EchoServer> {
  return startEcho(options.name, options.host ?? '127.0.0.1', undefined);
}

/** The same echo over TLS with the given certificate (re-encrypt and passthrough backends). */
export function startHttpsEcho(options: {
  name: string;
  cert: string;
  key: string;
  host?: string;
}): Promise<EchoServer> {
  return startEcho(options.name, options.host ?? '127.0.0.1', { cert: options.cert, key: options.key });
}

/** Raw TCP echo: writes `<name>\n` on connect, then echoes every byte back. */
export async function startTcpEcho(options: { name: string; host?: string }): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  let requests = 0;
  const server = createNetServer((socket) => {
    requests += 1;
    socket.on('error', () => socket.destroy());
    socket.write(`${options.name}\n`);
    socket.pipe(socket);
  });
  const closable = track(server);
  const port = await listen(server, host);
  return {
    name: options.name,
    host,
    port,
    url: `tcp://${host}:${port}`,
    get requests() {
      return requests;
    },
    close: () => closeAll(closable),
  };
}
