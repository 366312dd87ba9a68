/**
 * PROXY protocol v1 (text) and v2 (binary) as HAProxy's `accept-proxy` reads them: the header
 * must come first; a connection without a valid header is closed. `LOCAL`/`UNKNOWN` keep the
 * socket's own addresses (health checks send `PROXY UNKNOWN`).
 */
import type { Socket } from 'node:net';

/** Addresses carried by a PROXY header (undefined fields: keep the socket's). */
export interface ProxyHeader {
  readonly sourceAddress?: string;
  readonly sourcePort?: number;
  readonly destinationPort?: number;
}

/** Result of parsing the start of a stream. */
export type ProxyParseResult =
  | { readonly status: 'complete'; readonly header: ProxyHeader; readonly consumed: number }
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string };

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/**
 * Parses a PROXY v1 or v2 header at the start of `buf`. Never throws.
 * @internal
 */
export function parseProxyHeader(buf: Buffer): ProxyParseResult {
  if (buf.length === 0) return { status: 'incomplete' };
  if (buf[0] === 0x0d) {
    const n = Math.min(buf.length, 12);
    if (!buf.subarray(0, n).equals(V2_SIG.subarray(0, n)))
      return { status: 'invalid', reason: 'bad v2 signature' };
    if (buf.length < 16) return { status: 'incomplete' };
    const verCmd = buf[12] as number;
    if (verCmd >> 4 !== 2) return { status: 'invalid', reason: 'bad v2 version' };
    const cmd = verCmd & 0x0f;
    const fam = buf[13] as number;
    const len = buf.readUInt16BE(14);
    if (buf.length < 16 + len) return { status: 'incomplete' };
    const consumed = 16 + len;
    if (cmd === 0) return { status: 'complete', header: {}, consumed };
    if (cmd !== 1) return { status: 'invalid', reason: 'bad v2 command' };
    const af = fam >> 4;
    if (af === 1 && len >= 12) {
      const src = `${buf[16]}.${buf[17]}.${buf[18]}.${buf[19]}`;
      return {
        status: 'complete',
        header: {
          sourceAddress: src,
          sourcePort: buf.readUInt16BE(24),
          destinationPort: buf.readUInt16BE(26),
        },
        consumed,
      };
    }
    if (af === 2 && len >= 36) {
      const parts: string[] = [];
      for (let i = 0; i < 8; i++) parts.push(buf.readUInt16BE(16 + i * 2).toString(16));
      return {
        status: 'complete',
        header: {
          sourceAddress: parts.join(':'),
          sourcePort: buf.readUInt16BE(48),
          destinationPort: buf.readUInt16BE(50),
        },
        consumed,
      };
    }
    return { status: 'complete', header: {}, consumed };
  }
  const prefix = 'PROXY ';
  const head = buf.subarray(0, Math.min(buf.length, 6)).toString('latin1');
  if (!prefix.startsWith(head)) return { status: 'invalid', reason: 'not a PROXY header' };
  const end = buf.indexOf('\r\n');
  if (end < 0)
    return buf.length >= 107 ? { status: 'invalid', reason: 'v1 line too long' } : { status: 'incomplete' };
  if (end > 105) return { status: 'invalid', reason: 'v1 line too long' };
  const parts = buf.subarray(0, end).toString('latin1').split(' ');
  if (parts[1] === 'UNKNOWN') return { status: 'complete', header: {}, consumed: end + 2 };
  if ((parts[1] !== 'TCP4' && parts[1] !== 'TCP6') || parts.length !== 6)
    return { status: 'invalid', reason: 'bad v1 line' };
  const sp = Number(parts[4]);
  const dp = Number(parts[5]);
  if (!Number.isInteger(sp) || !Number.isInteger(dp) || sp > 65535 || dp > 65535)
    return { status: 'invalid', reason: 'bad v1 port' };
  return {
    status: 'complete',
    header: { sourceAddress: parts[2] as string, sourcePort: sp, destinationPort: dp },
    consumed: end + 2,
  };
}

/**
 * Reads a PROXY header from a fresh socket, then un-reads whatever followed it.
 * Resolves undefined (and destroys the socket) on an invalid header or after `timeoutMs`.
 * @internal
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeader | undefined> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (h: ProxyHeader | undefined, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (h === undefined) socket.destroy();
      else if (rest && rest.length > 0) socket.unshift(rest);
      resolve(h);
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf);
      if (r.status === 'incomplete') return;
      if (r.status === 'invalid') done(undefined);
      else done(r.header, buf.subarray(r.consumed));
    };
    const onClose = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
