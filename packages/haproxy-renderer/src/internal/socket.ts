/** One command over a HAProxy unix socket (stats socket or master CLI). */
import { connect } from 'node:net';

/**
 * Sends `command` (newline added), half-closes, and collects the answer until HAProxy closes.
 * The half-close matters: the master CLI waits for it before answering non-interactively.
 */
export function sendSocketCommand(path: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect({ path });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to ${JSON.stringify(command.split('\n')[0])} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.end(command.endsWith('\n') ? command : `${command}\n`));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
