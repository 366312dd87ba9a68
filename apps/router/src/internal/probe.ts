/**
 * The readiness probe of the data plane: an HTTP request to the monitor URI on the HTTP
 * listener (OpenShift's `backend-http` check against `/_______internal_router_healthz`), with a
 * PROXY protocol header first when the listeners expect one.
 */
import { connect } from 'node:net';

/** The monitor URI both engines answer on the HTTP port. */
export const MONITOR_URI = '/_______internal_router_healthz';

/**
 * Sends one `GET <MONITOR_URI>` and checks for a 2xx or 3xx status line.
 * @param host - address to connect to
 * @param port - the HTTP port
 * @param proxyProtocol - send `PROXY UNKNOWN\r\n` first
 * @param timeoutMs - deadline for the whole exchange
 * @returns true, or why the probe failed
 */
export function probeHttp(
  host: string,
  port: number,
  proxyProtocol: boolean,
  timeoutMs = 2000,
): Promise<true | string> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const done = (result: true | string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = connect({ host, port }, () => {
      socket.write(
        `${proxyProtocol ? 'PROXY UNKNOWN\r\n' : ''}GET ${MONITOR_URI} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const line = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      if (line !== null) {
        const status = Number(line[1]);
        done(status >= 200 && status < 400 ? true : `${MONITOR_URI} on ${host}:${port} answered ${status}`);
      } else if (answer.length > 64) done(`not an HTTP answer from ${host}:${port}`);
    });
    socket.on('error', (error) => done(`${host}:${port}: ${error.message}`));
    socket.on('close', () => done(`${host}:${port} closed the connection without an answer`));
  });
}

/** The address to reach a listener bound to `listenAddress` from this host. */
export function reachableAddress(listenAddress: string): string {
  if (listenAddress === '0.0.0.0') return '127.0.0.1';
  if (listenAddress === '::') return '::1';
  return listenAddress;
}
