import { SniParserError } from './errors.ts';

/** Default cap on the ClientHello handshake message (header included): 16 KiB. */
export const DEFAULT_MAX_BYTES = 16_384;

/** TLS extension type of `encrypted_client_hello` (RFC 9849). */
export const ECH_EXTENSION_TYPE = 0xfe0d;

/** A parsed TLS ClientHello. Every number is the value on the wire (GREASE values included). */
export interface ClientHello {
  /**
   * The `host_name` of the server_name extension exactly as sent (not lower-cased, trailing dot
   * kept). Absent when the client sent no server_name extension or no host_name entry. With ECH
   * this is the outer (public) name.
   */
  serverName?: string;
  /** ALPN protocol names in the client's order, bytes decoded one to one (latin1). */
  alpnProtocols: string[];
  /** `legacy_version` of the ClientHello body (0x0303 for TLS 1.2 and 1.3 clients). */
  legacyVersion: number;
  /** Versions from the supported_versions extension in the client's order; empty without it. */
  supportedVersions: number[];
  /** Cipher suites in the client's order. */
  cipherSuites: number[];
  /** Extension types in the order sent. */
  extensionTypes: number[];
  /**
   * Whether an `encrypted_client_hello` extension (0xfe0d) is present. Chromium sends a GREASE
   * ECH extension when it has no ECH config, so `true` does not prove the real name is hidden.
   */
  hasEncryptedClientHello: boolean;
  /** Whether any cipher suite, extension type or supported version is a GREASE value. */
  hasGrease: boolean;
  /** Version field of the first TLS record header (often 0x0301 for compatibility). */
  recordVersion: number;
  /** Number of TLS records the handshake message was spread over (1 for most clients). */
  records: number;
  /** Length of the ClientHello handshake message, its 4-byte header included. */
  handshakeLength: number;
}

/**
 * Why a ClientHello was rejected.
 *
 * - `empty-record`: a handshake record with a zero-length fragment (forbidden by RFC 8446 5.1).
 * - `record-too-long`: a record longer than 2^14 bytes.
 * - `unexpected-record`: a record that is not a TLS handshake record before the hello ended.
 * - `not-client-hello`: the first handshake message is not a ClientHello.
 * - `too-large`: the ClientHello is longer than `maxBytes`.
 * - `malformed-hello`: fixed fields (session id, cipher suites, compression methods) overrun or
 *   have impossible lengths.
 * - `malformed-extensions`: the extension block does not exactly fill the rest of the message,
 *   or an extension overruns it.
 * - `duplicate-extension`: the same extension type twice.
 * - `malformed-server-name`: a server_name extension whose lengths disagree, two host names, an
 *   empty host name, or a byte outside printable ASCII in the host name.
 * - `malformed-alpn`: an ALPN extension whose lengths disagree or with an empty protocol name.
 * - `malformed-supported-versions`: a supported_versions list of odd, zero or mismatched length.
 */
export type InvalidClientHelloCode =
  | 'empty-record'
  | 'record-too-long'
  | 'unexpected-record'
  | 'not-client-hello'
  | 'too-large'
  | 'malformed-hello'
  | 'malformed-extensions'
  | 'duplicate-extension'
  | 'malformed-server-name'
  | 'malformed-alpn'
  | 'malformed-supported-versions';

/** The whole ClientHello arrived and is well formed. */
export interface ClientHelloComplete {
  /** Discriminant. */
  status: 'complete';
  /** The parsed hello. */
  hello: ClientHello;
  /** Stream bytes up to the end of the record that carried the hello's last byte. */
  consumed: number;
}

/** Everything so far is consistent with a ClientHello; more bytes are needed. */
export interface ClientHelloIncomplete {
  /** Discriminant. */
  status: 'incomplete';
  /** A lower bound (at least 1) on how many more bytes are needed before the answer can change. */
  needed: number;
}

/** The bytes start like TLS but break the protocol. */
export interface ClientHelloInvalid {
  /** Discriminant. */
  status: 'invalid';
  /** Which rule was broken. */
  code: InvalidClientHelloCode;
  /** Human-readable detail naming the field. */
  message: string;
}

/** The stream does not start with a TLS handshake record (plain HTTP, SSLv2 hello, ...). */
export interface ClientHelloNotTls {
  /** Discriminant. */
  status: 'not-tls';
}

/** Outcome of {@link parseClientHello}, discriminated on `status`. */
export type ClientHelloResult =
  | ClientHelloComplete
  | ClientHelloIncomplete
  | ClientHelloInvalid
  | ClientHelloNotTls;

/** Options for {@link parseClientHello}. */
export interface ParseClientHelloOptions {
  /**
   * Largest ClientHello handshake message accepted, its 4-byte header included. Record headers
   * are not counted, so the stream bytes examined are at most about 6 × `maxBytes` (one-byte
   * records) and usually `maxBytes` + 5.
   * @default 16384
   */
  maxBytes?: number;
}

const NOT_TLS: ClientHelloNotTls = Object.freeze({ status: 'not-tls' }) as ClientHelloNotTls;
const MAX_RECORD = 16_384;
const TYPE_HANDSHAKE = 0x16;
const HS_CLIENT_HELLO = 1;

/**
 * Whether a 16-bit value is a GREASE value (RFC 8701: 0x0A0A, 0x1A1A, ..., 0xFAFA). GREASE
 * values are kept in {@link ClientHello}'s lists; use this to skip them.
 *
 * @param value - a cipher suite, extension type, version, group or similar
 * @returns true when `value` is reserved GREASE
 * @example
 * ```ts
 * const real = hello.supportedVersions.filter((v) => !isGreaseValue(v));
 * ```
 */
export function isGreaseValue(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/**
 * Checks `maxBytes` once; bad options are a broken contract, not bad input.
 */
export function resolveMaxBytes(options: ParseClientHelloOptions | undefined, where: string): number {
  const maxBytes = options?.maxBytes;
  if (maxBytes === undefined) return DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 4) {
    throw new SniParserError(
      'ERR_SNI_INVALID_OPTION',
      `${where}: options.maxBytes must be an integer >= 4, got ${String(maxBytes)}`,
    );
  }
  return maxBytes;
}

function invalid(code: InvalidClientHelloCode, message: string): ClientHelloInvalid {
  return { status: 'invalid', code, message };
}

function incomplete(needed: number): ClientHelloIncomplete {
  return { status: 'incomplete', needed: needed > 0 ? needed : 1 };
}

/**
 * Parses a TLS ClientHello from the first bytes of a stream.
 *
 * Works on any prefix: call it again with more bytes after an `incomplete` result. It reassembles
 * a hello spread over several TLS records, validates every length it reads, and never reads
 * outside `data` (a `subarray` view is respected). It never throws for any `data`.
 *
 * @param data - the bytes received so far, from the first byte of the connection
 * @param options - `maxBytes` cap (default 16 KiB of handshake)
 * @returns `complete` (with `hello` and `consumed`), `incomplete` (with `needed`), `invalid`
 *   (with `code`) or `not-tls`
 * @throws {SniParserError} `ERR_SNI_INVALID_OPTION` when `options.maxBytes` is not an integer >= 4
 * @example
 * ```ts
 * const r = parseClientHello(buffered);
 * if (r.status === 'complete') route(r.hello.serverName?.toLowerCase());
 * else if (r.status === 'incomplete') waitForMore();
 * ```
 */
export function parseClientHello(data: Uint8Array, options?: ParseClientHelloOptions): ClientHelloResult {
  const maxBytes = options === undefined ? DEFAULT_MAX_BYTES : resolveMaxBytes(options, 'parseClientHello');
  // Fast path for what nearly every client sends: the whole ClientHello inside the first record,
  // and that record inside `data`. It checks exactly what the record walk below checks for this
  // case and hands the same arguments to parseBody, so the answer is the same; anything else
  // (short input, several records, bad header) takes the general walk.
  const len = data.length;
  if (len >= 9 && data[0] === TYPE_HANDSHAKE && data[1] === 3 && data[5] === HS_CLIENT_HELLO) {
    const rlen = ((data[3] as number) << 8) | (data[4] as number);
    const total = (((data[6] as number) << 16) | ((data[7] as number) << 8) | (data[8] as number)) + 4;
    if (rlen <= MAX_RECORD && 5 + rlen <= len && total <= rlen && total <= maxBytes) {
      const recordVersion = ((data[1] as number) << 8) | (data[2] as number);
      return (
        parseSingleRecord(data, 9, 5 + total, recordVersion, total, 5 + rlen) ??
        parseBody(data, 9, 5 + total, recordVersion, 1, total, 5 + rlen)
      );
    }
  }
  return parseFromCursor(data, maxBytes, undefined);
}

/**
 * Where a record walk stopped: after the last whole record seen. Lets a caller that only ever
 * appends bytes (peekClientHello) resume instead of re-walking every record on each read, so a
 * hello sent as thousands of one-byte records costs O(bytes), not O(bytes²).
 * @internal
 */
export interface RecordCursor {
  /** Stream offset after the last whole record. */
  pos: number;
  /** Whole records walked. */
  records: number;
  /** Handshake bytes in those records. */
  collected: number;
  /** Handshake header bytes seen (0 to 4). */
  headerGot: number;
  /** Body length accumulated from the header bytes seen. */
  bodyLen: number;
  /** Handshake message length with its header, -1 until known. */
  total: number;
  /** Offset of the first record's fragment. */
  firstFragment: number;
}

/** A cursor at the start of a stream. @internal */
export function createRecordCursor(): RecordCursor {
  return { pos: 0, records: 0, collected: 0, headerGot: 0, bodyLen: 0, total: -1, firstFragment: 0 };
}

/**
 * {@link parseClientHello} with an optional cursor. With a cursor, `data` must be the same stream
 * as on the previous call with bytes appended; the answer is the same as without a cursor.
 * @internal
 */
export function parseFromCursor(
  data: Uint8Array,
  maxBytes: number,
  cursor: RecordCursor | undefined,
): ClientHelloResult {
  const len = data.length;
  let pos = 0;
  let records = 0;
  let collected = 0; // handshake bytes seen in whole records
  let headerGot = 0; // bytes of the 4-byte handshake header seen
  let total = -1; // handshake message length incl. header, once known
  let bodyLen = 0;
  let firstFragment = 0;
  if (cursor !== undefined && cursor.records > 0) {
    ({ pos, records, collected, headerGot, bodyLen, total, firstFragment } = cursor);
  } else {
    // `needed` counts bytes until the next byte that could change the answer: the first byte can
    // already say not-tls, so an empty or one-byte input needs just one more.
    if (len === 0) return incomplete(1);
    // A TLS stream opens with a handshake record of major version 3; anything else (HTTP, an
    // SSLv2-style hello whose first byte has the high bit set) is another protocol.
    if (data[0] !== TYPE_HANDSHAKE) return NOT_TLS;
    if (len === 1) return incomplete(1);
    if (data[1] !== 3) return NOT_TLS;
  }

  for (;;) {
    if (pos + 5 > len) {
      // Validate whatever header bytes are present before asking for more.
      if (records > 0 && pos < len && data[pos] !== TYPE_HANDSHAKE) {
        return invalid(
          'unexpected-record',
          `record at offset ${pos}: content type ${data[pos]} is not handshake (22)`,
        );
      }
      if (records > 0 && pos + 1 < len && data[pos + 1] !== 3) {
        return invalid(
          'unexpected-record',
          `record at offset ${pos}: version major ${data[pos + 1]} is not 3`,
        );
      }
      // The first header's length bytes decide empty-record and record-too-long; a later
      // record's first byte (its content type) can already make the hello invalid.
      return incomplete(records === 0 ? pos + 5 - len : 1);
    }
    if (data[pos] !== TYPE_HANDSHAKE) {
      return invalid(
        'unexpected-record',
        `record at offset ${pos}: content type ${data[pos]} is not handshake (22)`,
      );
    }
    if (data[pos + 1] !== 3) {
      return invalid('unexpected-record', `record at offset ${pos}: version major ${data[pos + 1]} is not 3`);
    }
    const rlen = ((data[pos + 3] as number) << 8) | (data[pos + 4] as number);
    if (rlen === 0) return invalid('empty-record', `record at offset ${pos}: zero-length handshake fragment`);
    if (rlen > MAX_RECORD) {
      return invalid('record-too-long', `record at offset ${pos}: length ${rlen} exceeds 16384`);
    }
    records++;
    const fragStart = pos + 5;
    const fragEnd = fragStart + rlen;
    if (records === 1) firstFragment = fragStart;
    const avail = Math.min(fragEnd, len);
    let p = fragStart;
    while (headerGot < 4 && p < avail) {
      const b = data[p++] as number;
      if (headerGot === 0) {
        if (b !== HS_CLIENT_HELLO) {
          return invalid('not-client-hello', `handshake message type ${b} is not client_hello (1)`);
        }
      } else {
        bodyLen = bodyLen * 256 + b;
      }
      headerGot++;
      if (headerGot === 4) {
        total = bodyLen + 4;
        if (total > maxBytes) {
          return invalid('too-large', `ClientHello length ${total} exceeds maxBytes ${maxBytes}`);
        }
      }
    }
    if (fragEnd > len) {
      if (headerGot === 0) return incomplete(1); // the handshake type byte decides not-client-hello
      // The fourth header byte decides too-large; it may sit in this record or the next.
      if (headerGot < 4) return incomplete(Math.min(4 - headerGot, fragEnd - len + 1));
      // When the hello goes on past this record, the next record's type byte can decide.
      return incomplete(fragEnd - len + (collected + rlen < total ? 1 : 0));
    }
    collected += rlen;
    pos = fragEnd;
    if (cursor !== undefined) {
      // Only whole records are committed: a partial one is walked again from its start.
      cursor.pos = pos;
      cursor.records = records;
      cursor.collected = collected;
      cursor.headerGot = headerGot;
      cursor.bodyLen = bodyLen;
      cursor.total = total;
      cursor.firstFragment = firstFragment;
    }
    if (total >= 0 && collected >= total) break;
  }

  const recordVersion = ((data[1] as number) << 8) | (data[2] as number);
  if (records === 1) {
    return parseBody(data, firstFragment + 4, firstFragment + total, recordVersion, records, total, pos);
  }
  // Reassemble the fragments into one contiguous message; the records were validated above.
  // Every field of the hello is copied out (numbers, new strings), so the message can live in a
  // reused scratch buffer: allocating an ArrayBuffer per parse costs more than the parse.
  const message = total <= reassembly.length ? reassembly : new Uint8Array(total);
  let filled = 0;
  let q = 0;
  while (filled < total) {
    const rlen = ((data[q + 3] as number) << 8) | (data[q + 4] as number);
    const take = Math.min(rlen, total - filled);
    copyBytes(message, filled, data, q + 5, take);
    filled += take;
    q += 5 + rlen;
  }
  return parseBody(message, 4, total, recordVersion, records, total, pos);
}

/** Copies `n` bytes; native memcpy for long runs, a loop where a subarray view would cost more. */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n >= 128) dst.set(src.subarray(from, from + n), at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[from + i] as number;
}

/** Scratch for reassembling a hello spread over records; larger hellos get their own buffer. */
const reassembly = new Uint8Array(DEFAULT_MAX_BYTES);

/**
 * Duplicate-extension detection without clearing: `stamps[type] === generation` means "seen in
 * this parse". The generation advances per parse; on wrap-around the table is zeroed once.
 */
const stamps = new Uint16Array(65536);

/**
 * Extension types of the hello on the fast path. That hello fits one record of at most 16 384
 * bytes and every extension takes at least 4, so it holds fewer than 4 096.
 */
const typeScratch = new Uint16Array(MAX_RECORD >> 2);
let generation = 0;

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

/**
 * parseBody for a hello that sits whole in one record, in the common shape (one host_name entry
 * of printable ASCII up to 64 bytes), in a single pass over the bytes. It never decides that a
 * hello is invalid: on anything it does not accept outright it returns undefined and the caller
 * runs parseBody, which gives the exact answer and message. So a result from here is always one
 * that parseBody would give with the same fields (test/fast-path.test.ts checks this).
 */
function parseSingleRecord(
  b: Uint8Array,
  start: number,
  end: number,
  recordVersion: number,
  handshakeLength: number,
  consumed: number,
): ClientHelloComplete | undefined {
  let p = start + 34;
  if (end - start < 35 || (b[p] as number) > 32) {
    return undefined;
  }
  p += 1 + (b[p] as number);
  const csLen = ((b[p] as number) << 8) | (b[p + 1] as number);
  p += 2;
  if (p > end || csLen < 2 || (csLen & 1) !== 0 || p + csLen >= end) {
    return undefined;
  }
  let hasGrease = false;
  const csCount = csLen >> 1;
  const cipherSuites: number[] = new Array(csCount);
  for (let i = 0; i < csCount; i++) {
    const v = ((b[p] as number) << 8) | (b[p + 1] as number);
    if ((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)) hasGrease = true;
    cipherSuites[i] = v;
    p += 2;
  }
  const cmLen = b[p] as number;
  p += 1 + cmLen;
  if (cmLen < 1 || p > end) return undefined;
  // A hello may end after the compression methods (no extensions block at all).
  if (p < end) {
    if (p + 2 + (((b[p] as number) << 8) | (b[p + 1] as number)) !== end) {
      return undefined;
    }
    p += 2;
  }
  let extCount = 0;
  const alpnProtocols: string[] = [];
  let supportedVersions: number[] = [];
  let serverName: string | undefined;
  let hasEncryptedClientHello = false;
  // Duplicates: a bit per type below 64 (every extension in common use), the stamp table above.
  let seenLow = 0;
  let seenHigh = 0;
  generation = generation === 0xffff ? 1 : generation + 1;
  if (generation === 1) stamps.fill(0);
  const gen = generation;
  while (p < end) {
    const type = ((b[p] as number) << 8) | (b[p + 1] as number);
    const elen = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    p += 4;
    const e = p + elen;
    if (e > end) return undefined;
    if (type < 32) {
      const bit = 1 << type;
      if ((seenLow & bit) !== 0) return undefined;
      seenLow |= bit;
      if (type === 0) {
        // One host_name entry filling the list: [list len][type 0][name len][name].
        const nameLen = ((b[p + 3] as number) << 8) | (b[p + 4] as number);
        if (
          elen < 5 ||
          (((b[p] as number) << 8) | (b[p + 1] as number)) !== elen - 2 ||
          b[p + 2] !== 0 ||
          nameLen !== elen - 5 ||
          nameLen === 0
        ) {
          return undefined;
        }
        serverName = printableName(b, p + 5, e);
        if (serverName === undefined) {
          return undefined;
        }
      } else if (type === 16) {
        if (elen < 2 || (((b[p] as number) << 8) | (b[p + 1] as number)) !== elen - 2 || elen === 2) {
          return undefined;
        }
        let q = p + 2;
        while (q < e) {
          const n = b[q++] as number;
          if (n === 0 || q + n > e) return undefined;
          alpnProtocols.push(knownAlpn(b, q, n) ?? latin1(b, q, q + n));
          q += n;
        }
      }
    } else if (type < 64) {
      const bit = 1 << (type - 32);
      if ((seenHigh & bit) !== 0) return undefined;
      seenHigh |= bit;
      if (type === 43) {
        const n = elen > 0 ? (b[p] as number) : 0;
        if (elen < 3 || n + 1 !== elen || (n & 1) !== 0) {
          return undefined;
        }
        supportedVersions = new Array(n >> 1);
        for (let i = 0; i < n >> 1; i++) {
          const v = ((b[p + 1 + 2 * i] as number) << 8) | (b[p + 2 + 2 * i] as number);
          if ((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)) hasGrease = true;
          supportedVersions[i] = v;
        }
      }
    } else {
      if (stamps[type] === gen) return undefined;
      stamps[type] = gen;
      if ((type & 0x0f0f) === 0x0a0a && type >> 8 === (type & 0xff)) hasGrease = true;
      else if (type === ECH_EXTENSION_TYPE) hasEncryptedClientHello = true;
    }
    typeScratch[extCount++] = type;
    p = e;
  }
  // Copied from the scratch list: walking the extensions again would repeat a chain of
  // dependent loads (each header's position comes from the previous length), the slow part.
  const extensionTypes: number[] = new Array(extCount);
  for (let i = 0; i < extCount; i++) extensionTypes[i] = typeScratch[i] as number;
  const legacyVersion = ((b[start] as number) << 8) | (b[start + 1] as number);
  return completeResult(
    serverName,
    alpnProtocols,
    legacyVersion,
    supportedVersions,
    cipherSuites,
    extensionTypes,
    hasEncryptedClientHello,
    hasGrease,
    recordVersion,
    1,
    handshakeLength,
    consumed,
  );
}

function parseBody(
  b: Uint8Array,
  start: number,
  end: number,
  recordVersion: number,
  records: number,
  handshakeLength: number,
  consumed: number,
): ClientHelloResult {
  let p = start;
  // legacy_version(2) random(32) session_id length(1)
  if (end - p < 35)
    return invalid('malformed-hello', 'ClientHello body shorter than version, random and session id');
  const legacyVersion = u16(b, p);
  p += 34;
  const sidLen = b[p++] as number;
  if (sidLen > 32) return invalid('malformed-hello', `session id length ${sidLen} exceeds 32`);
  p += sidLen;
  if (p + 2 > end) return invalid('malformed-hello', 'cipher_suites length overruns the ClientHello');
  const csLen = u16(b, p);
  p += 2;
  if (csLen < 2 || (csLen & 1) !== 0 || p + csLen > end) {
    return invalid(
      'malformed-hello',
      `cipher_suites length ${csLen} is odd, zero or overruns the ClientHello`,
    );
  }
  let hasGrease = false;
  const cipherSuites: number[] = new Array(csLen >> 1);
  for (let i = 0; i < csLen >> 1; i++) {
    const v = u16(b, p + 2 * i);
    if ((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)) hasGrease = true;
    cipherSuites[i] = v;
  }
  p += csLen;
  if (p + 1 > end) return invalid('malformed-hello', 'compression_methods length overruns the ClientHello');
  const cmLen = b[p++] as number;
  if (cmLen < 1 || p + cmLen > end) {
    return invalid(
      'malformed-hello',
      `compression_methods length ${cmLen} is zero or overruns the ClientHello`,
    );
  }
  p += cmLen;

  const extensionTypes: number[] = [];
  const alpnProtocols: string[] = [];
  let supportedVersions: number[] = [];
  let serverName: string | undefined;
  let hasEncryptedClientHello = false;
  if (p < end) {
    if (p + 2 > end) return invalid('malformed-extensions', 'extensions length overruns the ClientHello');
    const extLen = u16(b, p);
    p += 2;
    if (p + extLen !== end) {
      return invalid(
        'malformed-extensions',
        `extensions length ${extLen} does not match the ${end - p} bytes left in the ClientHello`,
      );
    }
    let problem: ClientHelloInvalid | undefined;
    generation = generation === 0xffff ? 1 : generation + 1;
    if (generation === 1) stamps.fill(0);
    const gen = generation;
    while (p < end) {
      if (p + 4 > end) {
        problem = invalid('malformed-extensions', 'extension header overruns the extensions block');
        break;
      }
      const type = u16(b, p);
      const elen = u16(b, p + 2);
      p += 4;
      if (p + elen > end) {
        problem = invalid(
          'malformed-extensions',
          `extension ${type} length ${elen} overruns the extensions block`,
        );
        break;
      }
      if (stamps[type] === gen) {
        problem = invalid('duplicate-extension', `extension ${type} appears twice`);
        break;
      }
      stamps[type] = gen;
      extensionTypes.push(type);
      if ((type & 0x0f0f) === 0x0a0a && type >> 8 === (type & 0xff)) hasGrease = true;
      if (type > 43) {
        if (type === ECH_EXTENSION_TYPE) hasEncryptedClientHello = true;
      } else if (type === 0) {
        const r = parseServerName(b, p, p + elen);
        if (typeof r !== 'string') {
          problem = r;
          break;
        }
        if (r.length > 0) serverName = r;
      } else if (type === 16) {
        const r = parseAlpn(b, p, p + elen, alpnProtocols);
        if (r !== undefined) {
          problem = r;
          break;
        }
      } else if (type === 43) {
        const n = elen > 0 ? (b[p] as number) : 0;
        if (elen < 3 || n + 1 !== elen || (n & 1) !== 0) {
          problem = invalid(
            'malformed-supported-versions',
            `supported_versions list length ${n} is odd, zero or does not match extension length ${elen}`,
          );
          break;
        }
        supportedVersions = new Array(n >> 1);
        for (let i = 0; i < n >> 1; i++) {
          const v = u16(b, p + 1 + 2 * i);
          if ((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)) hasGrease = true;
          supportedVersions[i] = v;
        }
      }
      p += elen;
    }
    if (problem !== undefined) return problem;
  }

  return completeResult(
    serverName,
    alpnProtocols,
    legacyVersion,
    supportedVersions,
    cipherSuites,
    extensionTypes,
    hasEncryptedClientHello,
    hasGrease,
    recordVersion,
    records,
    handshakeLength,
    consumed,
  );
}

/**
 * The complete result of both parse paths. `serverName` is left out, not set to undefined, when
 * the hello names no host (the optional field is absent in the public type).
 */
function completeResult(
  serverName: string | undefined,
  alpnProtocols: string[],
  legacyVersion: number,
  supportedVersions: number[],
  cipherSuites: number[],
  extensionTypes: number[],
  hasEncryptedClientHello: boolean,
  hasGrease: boolean,
  recordVersion: number,
  records: number,
  handshakeLength: number,
  consumed: number,
): ClientHelloComplete {
  const hello: ClientHello =
    serverName === undefined
      ? {
          alpnProtocols,
          legacyVersion,
          supportedVersions,
          cipherSuites,
          extensionTypes,
          hasEncryptedClientHello,
          hasGrease,
          recordVersion,
          records,
          handshakeLength,
        }
      : {
          serverName,
          alpnProtocols,
          legacyVersion,
          supportedVersions,
          cipherSuites,
          extensionTypes,
          hasEncryptedClientHello,
          hasGrease,
          recordVersion,
          records,
          handshakeLength,
        };
  return { status: 'complete', hello, consumed };
}

/** Returns the host name ('' when the list holds no host_name entry) or why it is malformed. */
function parseServerName(b: Uint8Array, p: number, end: number): string | ClientHelloInvalid {
  if (end - p < 2)
    return invalid('malformed-server-name', 'server_name extension shorter than its list length');
  const listLen = u16(b, p);
  p += 2;
  if (p + listLen !== end || listLen < 3) {
    return invalid(
      'malformed-server-name',
      `server_name list length ${listLen} does not equal the ${end - p} bytes after it in the extension`,
    );
  }
  let name = '';
  while (p < end) {
    if (p + 3 > end) return invalid('malformed-server-name', 'server_name entry header overruns its list');
    const nameType = b[p] as number;
    const nameLen = u16(b, p + 1);
    p += 3;
    if (p + nameLen > end)
      return invalid('malformed-server-name', `server_name entry length ${nameLen} overruns its list`);
    if (nameType === 0) {
      if (name.length > 0)
        return invalid('malformed-server-name', 'server_name list holds two host_name entries');
      if (nameLen === 0) return invalid('malformed-server-name', 'server_name host_name is empty');
      for (let i = p; i < p + nameLen; i++) {
        const c = b[i] as number;
        // RFC 6066 host names are ASCII; control bytes and NUL would let a name compare
        // differently in different components, so they make the hello invalid.
        if (c <= 0x20 || c >= 0x7f) {
          return invalid(
            'malformed-server-name',
            `server_name host_name byte 0x${c.toString(16)} is not printable ASCII`,
          );
        }
      }
      name = latin1(b, p, p + nameLen);
    }
    p += nameLen;
  }
  return name;
}

/** Returns the shared string for the common ALPN ids, so parsing them allocates nothing. */
function knownAlpn(b: Uint8Array, p: number, n: number): string | undefined {
  if (n === 2 && b[p] === 0x68) {
    if (b[p + 1] === 0x32) return 'h2';
    if (b[p + 1] === 0x33) return 'h3';
    return undefined;
  }
  if (
    n === 8 &&
    b[p] === 0x68 &&
    b[p + 1] === 0x74 &&
    b[p + 2] === 0x74 &&
    b[p + 3] === 0x70 &&
    b[p + 4] === 0x2f &&
    b[p + 5] === 0x31 &&
    b[p + 6] === 0x2e
  ) {
    if (b[p + 7] === 0x31) return 'http/1.1';
    if (b[p + 7] === 0x30) return 'http/1.0';
  }
  return undefined;
}

const nativeLatin1 = (
  globalThis as { Buffer?: { prototype: { latin1Slice?: (s: number, e: number) => string } } }
).Buffer?.prototype.latin1Slice;

/**
 * Reused char-code arrays, one per length up to 64: `String.fromCharCode.apply` on a filled array
 * of the exact length measured faster than a native slice call or string concatenation for the
 * short strings a hello carries (host names, ALPN ids).
 */
const charCodes: Array<number[] | undefined> = [];
const POOLED_MAX = 64;

/**
 * The host name in `b[start, end)` when every byte is printable ASCII (0x21-0x7E) and it is at
 * most 64 bytes long, checked and decoded in one pass; undefined otherwise (the caller then
 * defers to parseServerName, which says why or decodes a longer name).
 */
function printableName(b: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > POOLED_MAX) return undefined;
  let codes = charCodes[n];
  if (codes === undefined) {
    codes = new Array<number>(n).fill(0);
    charCodes[n] = codes;
  }
  for (let i = 0; i < n; i++) {
    const c = b[start + i] as number;
    if (c <= 0x20 || c >= 0x7f) return undefined;
    codes[i] = c;
  }
  return String.fromCharCode.apply(null, codes);
}

/** Bytes to a string one to one (latin1). */
function latin1(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= POOLED_MAX) {
    let codes = charCodes[n];
    if (codes === undefined) {
      codes = new Array<number>(n).fill(0);
      charCodes[n] = codes;
    }
    for (let i = 0; i < n; i++) codes[i] = b[start + i] as number;
    return String.fromCharCode.apply(null, codes);
  }
  // Node's native slice takes any Uint8Array.
  if (nativeLatin1 !== undefined) return nativeLatin1.call(b, start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

function parseAlpn(b: Uint8Array, p: number, end: number, out: string[]): ClientHelloInvalid | undefined {
  if (end - p < 2) return invalid('malformed-alpn', 'ALPN extension shorter than its list length');
  const listLen = u16(b, p);
  p += 2;
  if (p + listLen !== end || listLen < 2) {
    return invalid(
      'malformed-alpn',
      `ALPN list length ${listLen} does not equal the ${end - p} bytes after it in the extension`,
    );
  }
  while (p < end) {
    const n = b[p++] as number;
    if (n === 0) return invalid('malformed-alpn', 'ALPN protocol name is empty');
    if (p + n > end) return invalid('malformed-alpn', `ALPN protocol name length ${n} overruns its list`);
    out.push(knownAlpn(b, p, n) ?? latin1(b, p, p + n));
    p += n;
  }
  return undefined;
}
