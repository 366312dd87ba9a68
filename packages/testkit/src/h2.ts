import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

/** What one HTTP/2 request got back. */
export interface H2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Trailers sent after the body (`{}` when none). */
  trailers: IncomingHttpHeaders;
}

/**
 * Sends one request on an HTTP/2 session and collects the answer, its body as bytes and its
 * trailers.
 *
 * @param session - a connected `http2.connect` session
 * @param headers - request headers, pseudo-headers included (`:path`, `:authority`, ...)
 * @returns status, response headers, body and trailers
 */
export function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers);
    const chunks: Buffer[] = [];
    let response: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    req.on('response', (h) => (response = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => (trailers = t));
    req.on('end', () =>
      resolve({
        status: Number(response[':status']),
        headers: response,
        body: Buffer.concat(chunks),
        trailers,
      }),
    );
    req.on('error', reject);
    req.end();
  });
}
