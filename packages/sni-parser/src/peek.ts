import type { Readable } from 'node:stream';
import {
  type ClientHelloResult,
  createRecordCursor,
  parseFromCursor,
  resolveMaxBytes,
} from './client-hello.ts';
import { SniParserError } from './errors.ts';

/** Default time {@link peekClientHello} waits for a whole ClientHello, as HAProxy's inspect-delay. */
export const DEFAULT_PEEK_TIMEOUT_MS = 5_000;

/** Options for {@link peekClientHello}. */
export interface PeekClientHelloOptions {
  /**
   * Deadline for the whole ClientHello, from the call. A slow sender gets `stoppedBy: 'timeout'`.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Largest ClientHello handshake message accepted (see `ParseClientHelloOptions.maxBytes`).
   * @default 16384
   */
  maxBytes?: number;
  /**
   * Put the bytes read back at the front of the socket's read buffer (`socket.unshift`) before
   * resolving, so the next reader (`socket.pipe(backend)`, `tlsServer.emit('connection', socket)`)
   * sees the stream from its first byte. When false, the caller replays `bytes` itself. Skipped
   * when the peer has already ended (`stoppedBy: 'end'`): the bytes are still in `bytes`.
   * @default false
   */
  unshift?: boolean;
}

/** Why {@link peekClientHello} stopped reading. */
export type PeekStopReason = 'result' | 'timeout' | 'end';

/** What {@link peekClientHello} resolves to. */
export interface PeekClientHelloResult {
  /**
   * The parse of every byte read. `incomplete` only when `stoppedBy` is `timeout` or `end`.
   */
  result: ClientHelloResult;
  /** Every byte read from the socket, in order (possibly more than the hello). */
  bytes: Buffer;
  /**
   * `result`: the parser reached an answer (`complete`, `invalid` or `not-tls`); `timeout`:
   * the deadline passed first; `end`: the peer ended or the socket closed first.
   */
  stoppedBy: PeekStopReason;
}

/**
 * Reads a TLS ClientHello from a socket without losing any byte.
 *
 * Reads until {@link parseClientHello} gives an answer, the deadline passes, or the peer ends.
 * It reads in paused mode (`'readable'` + `read()`), so on return no listener of its own is left
 * and the socket is paused with its flowing state reset: `socket.pipe(x)` or a later `'data'`
 * listener starts it again. Bytes read are returned in `bytes`; with `unshift: true` they are
 * also put back into the socket.
 *
 * @param socket - a connected `net.Socket` (or any byte `Readable`) without an encoding set
 * @param options - `timeoutMs` (default 5000), `maxBytes` (default 16 KiB), `unshift`
 * @returns the parse result, every byte read, and why reading stopped
 * @throws {SniParserError} `ERR_SNI_INVALID_OPTION` for a bad option, `ERR_SNI_INVALID_ARGUMENT`
 *   when `socket` is not a byte stream, `ERR_SNI_SOCKET` (rejection) when the socket errors
 *   before an answer (`cause` is the socket error, `bytes` what was read)
 * @example
 * ```ts
 * net.createServer(async (client) => {
 *   const { result, bytes } = await peekClientHello(client, { timeoutMs: 5000 });
 *   if (result.status !== 'complete') return client.destroy();
 *   const backend = net.connect(8443, pickBackend(result.hello.serverName));
 *   backend.write(bytes);
 *   client.pipe(backend).pipe(client);
 * });
 * ```
 */
export function peekClientHello(
  socket: Readable,
  options: PeekClientHelloOptions = {},
): Promise<PeekClientHelloResult> {
  const maxBytes = resolveMaxBytes(options, 'peekClientHello');
  const timeoutMs = options.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new SniParserError(
      'ERR_SNI_INVALID_OPTION',
      `peekClientHello: options.timeoutMs must be a finite number > 0, got ${String(timeoutMs)}`,
    );
  }
  if (
    socket === null ||
    typeof socket !== 'object' ||
    typeof socket.read !== 'function' ||
    typeof socket.on !== 'function'
  ) {
    throw new SniParserError(
      'ERR_SNI_INVALID_ARGUMENT',
      'peekClientHello: socket must be a net.Socket or Readable',
    );
  }
  if (socket.readableEncoding !== null && socket.readableEncoding !== undefined) {
    throw new SniParserError(
      'ERR_SNI_INVALID_ARGUMENT',
      `peekClientHello: socket has encoding ${socket.readableEncoding}; the hello must be read as bytes`,
    );
  }
  const unshift = options.unshift === true;

  return new Promise<PeekClientHelloResult>((resolve, reject) => {
    // Bytes read so far: the first chunk as is (the usual case: the whole hello in one read),
    // then a zero-filled buffer that doubles when full, so appending costs O(bytes) in total
    // and `view()` never copies. With the record cursor, each parse only walks new records.
    let store: Buffer = Buffer.alloc(0);
    let length = 0;
    let parseAt = 1; // skip parsing until this many bytes are buffered
    const cursor = createRecordCursor();
    let result: ClientHelloResult = { status: 'incomplete', needed: 5 };
    let settled = false;

    const append = (chunk: Buffer): void => {
      if (length === 0) {
        store = chunk;
      } else {
        if (length + chunk.length > store.length) {
          const grown = Buffer.alloc(Math.max(store.length * 2, length + chunk.length, 4096));
          store.copy(grown, 0, 0, length);
          store = grown;
        }
        chunk.copy(store, length);
      }
      length += chunk.length;
    };
    const view = (): Buffer => (length === store.length ? store : store.subarray(0, length));

    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };

    const finish = (stoppedBy: PeekStopReason): void => {
      if (settled) return;
      settled = true;
      cleanup();
      const bytes = view();
      // Leave the stream paused; removing the 'readable' listener resets flowing to null on
      // the next tick, so pipe() or a 'data' listener resumes it.
      socket.pause();
      // After 'end' has been emitted the stream refuses unshift (it would error and destroy the
      // socket); nobody can read those bytes then anyway, and `bytes` still has them.
      if (unshift && bytes.length > 0 && !socket.destroyed && !socket.readableEnded) socket.unshift(bytes);
      resolve({ result, bytes, stoppedBy });
    };

    const onReadable = (): void => {
      if (settled) return;
      for (;;) {
        const chunk: unknown = socket.read();
        if (chunk === null) break;
        append(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
        if (length >= parseAt) {
          result = parseFromCursor(view(), maxBytes, cursor);
          if (result.status !== 'incomplete') {
            finish('result');
            return;
          }
          parseAt = length + result.needed;
        }
      }
    };

    const onEnd = (): void => {
      onReadable();
      finish('end');
    };

    const onError = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(
        new SniParserError(
          'ERR_SNI_SOCKET',
          `peekClientHello: socket failed while reading the ClientHello: ${err.message}`,
          {
            cause: err,
            bytes: view(),
          },
        ),
      );
    };

    const timer = setTimeout(() => {
      onReadable();
      finish('timeout');
    }, timeoutMs);

    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('readable', onReadable);
    if (socket.readableEnded || socket.destroyed) {
      onReadable();
      finish('end');
    }
  });
}
