/**
 * Response compression as HAProxy 2.6 does it with `compression algo gzip` and
 * `compression type …` (OpenShift's `ROUTER_ENABLE_COMPRESSION` and `ROUTER_COMPRESSION_MIME`):
 * the same conditions, the same header changes (checked side by side in
 * apps/router/test/e2e-compression.test.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

const COMPRESSIBLE_STATUS = new Set([200, 201, 202, 203]);

/** Whether the client accepts gzip: a `gzip` token with a quality above zero. */
function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [token, ...params] = part.split(';');
    if (token?.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * HAProxy's old-browser rule: no compression for a `Mozilla/4` User-Agent unless it is MSIE 7 or
 * later, or MSIE 6 with SV1 (XP SP2); read at the same fixed offsets HAProxy reads.
 */
function oldBrowser(ua: string | undefined): boolean {
  if (ua === undefined || !ua.startsWith('Mozilla/4')) return false;
  if (ua.length < 31 || ua.slice(25, 30) !== 'MSIE ') return true;
  const major = ua.charCodeAt(30);
  if (major < 0x36 /* '6' */) return true;
  return major === 0x36 && (ua.length < 54 || ua.slice(51, 54) !== 'SV1');
}

/** A single ETag that is `"…"` or `W/"…"`. */
function validEtag(v: string): boolean {
  return /^(?:W\/)?"[^"]*"$/.test(v.trim());
}

/**
 * Whether to gzip this response.
 *
 * @param types - the `compression type` list (prefixes of the Content-Type value)
 * @param req - the client's request
 * @param status - the upstream status
 * @param raw - the upstream headers as undici delivers them (name, value, ...)
 * @internal
 */
export function shouldCompress(
  types: readonly string[],
  req: IncomingMessage | Http2ServerRequest,
  status: number,
  raw: readonly Buffer[],
): boolean {
  if (req.method === 'HEAD' || !COMPRESSIBLE_STATUS.has(status)) return false;
  if (!acceptsGzip(req.headers['accept-encoding'])) return false;
  if (oldBrowser(req.headers['user-agent'] as string | undefined)) return false;
  let framed = false;
  let contentType: string | undefined;
  let etags = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (name === 'content-length') framed = true;
    else if (name === 'transfer-encoding') framed ||= /(?:^|,)\s*chunked\s*$/i.test(value);
    else if (name === 'content-type') contentType ??= value;
    else if (name === 'content-encoding') return false;
    else if (name === 'cache-control' && /(?:^|[\s,])no-transform(?:$|[\s,])/i.test(value)) return false;
    else if (name === 'etag') {
      etags++;
      if (etags > 1 || !validEtag(value)) return false;
    }
  }
  if (!framed || contentType === undefined) return false;
  const ct = contentType.toLowerCase();
  if (ct.startsWith('multipart')) return false;
  return types.some((t) => ct.startsWith(t.toLowerCase()));
}

/**
 * The response headers of a compressed answer, as HAProxy sends them: no Content-Length, a
 * strong ETag made weak, then `Vary: Accept-Encoding` and `Content-Encoding: gzip` appended.
 * @internal
 */
export function compressedHeaders(flat: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    const lname = name.toLowerCase();
    if (lname === 'content-length') continue;
    let value = flat[i + 1] as string;
    if (lname === 'etag' && !value.trim().startsWith('W/')) value = `W/${value.trim()}`;
    out.push(name, value);
  }
  out.push('vary', 'Accept-Encoding', 'content-encoding', 'gzip');
  return out;
}
