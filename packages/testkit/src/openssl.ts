import { execFile } from 'node:child_process';

/** What one `openssl s_client` handshake reported. */
export interface OpensslHandshake {
  /** The handshake completed. */
  ok: boolean;
  /** Negotiated protocol (`TLSv1.3`, ...), when it completed. */
  protocol?: string;
  /** Negotiated cipher or TLS 1.3 suite, when it completed. */
  cipher?: string;
  /** Subject line of the certificate the server sent (`CN = a.test`), when it completed. */
  peer?: string;
  /** The key exchange, as openssl prints it (`X25519, 253 bits`, `ECDH, prime256v1, 256 bits`). */
  serverTempKey?: string;
}

/**
 * Runs one TLS handshake with the real `openssl s_client -brief` against 127.0.0.1:`port`.
 *
 * @param port - TLS port on 127.0.0.1
 * @param serverName - SNI to send; `''` sends none
 * @param args - further s_client arguments (`-tls1_2`, `-cipher X`, `-ciphersuites Y`, ...)
 * @returns whether it completed, with the negotiated protocol, cipher and peer subject
 */
export function opensslHandshake(
  port: number,
  serverName: string,
  args: readonly string[] = [],
): Promise<OpensslHandshake> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-brief',
        '-connect',
        `127.0.0.1:${port}`,
        ...(serverName === '' ? ['-noservername'] : ['-servername', serverName]),
        ...args,
      ],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error && (error as { code?: unknown }).code === 'ENOENT') {
          reject(new Error('openssl is not installed'));
          return;
        }
        const text = `${stdout}\n${stderr}`;
        const protocol = /Protocol version: (\S+)/.exec(text)?.[1];
        const cipher = /Ciphersuite: (\S+)/.exec(text)?.[1];
        const peer = /Peer certificate: ([^\n]+)/.exec(text)?.[1];
        const tempKey = /Server Temp Key: ([^\n]+)/.exec(text)?.[1];
        resolve({
          ok: !error && text.includes('CONNECTION ESTABLISHED'),
          ...(protocol ? { protocol } : {}),
          ...(cipher ? { cipher } : {}),
          ...(peer ? { peer: peer.trim() } : {}),
          ...(tempKey ? { serverTempKey: tempKey.trim() } : {}),
        });
      },
    );
    child.stdin?.end();
  });
}
