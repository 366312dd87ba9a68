/** Per-connection facts the request path needs (client address after PROXY, TLS, served cert). */
import type { Socket } from 'node:net';
import type { CertEntry } from './certs.ts';

/** Facts about one client connection. */
export interface ConnInfo {
  readonly frontend: 'http' | 'https';
  readonly clientIp: string;
  readonly clientPort: number;
  /** Destination port (listener port, or the PROXY header's). */
  readonly dstPort: number;
  /** Negotiated ALPN h2. */
  readonly h2: boolean;
  /** Certificate served on this connection (TLS only). */
  readonly cert: CertEntry | undefined;
  /** With mutual TLS: the `X-SSL-*` headers of this connection (name, value, ...). */
  readonly sslHeaders?: readonly string[];
  /** With mutual TLS: the client certificate's subject DN (`/C=…/CN=…`), if one was sent. */
  readonly clientDn?: string;
}

const kConn = Symbol('switchyard.conn');

/** Attaches connection facts to a socket. @internal */
export function setConnInfo(socket: Socket, info: ConnInfo): void {
  (socket as unknown as Record<symbol, ConnInfo>)[kConn] = info;
}

/** Reads the facts of a socket, deriving plain-HTTP facts on first use. @internal */
export function getConnInfo(socket: Socket): ConnInfo {
  const s = socket as unknown as Record<symbol, ConnInfo | undefined>;
  let info = s[kConn];
  if (!info) {
    info = {
      frontend: 'http',
      clientIp: socket.remoteAddress ?? '',
      clientPort: socket.remotePort ?? 0,
      dstPort: socket.localPort ?? 0,
      h2: false,
      cert: undefined,
    };
    s[kConn] = info;
  }
  return info;
}
