/**
 * Traffic logs of the native engine to syslog (`--syslog-address`, OpenShift's
 * `ROUTER_SYSLOG_ADDRESS`), in the shape HAProxy sends them: RFC 3164 datagrams over UDP
 * (`<PRI>Mmm dd hh:mm:ss host tag[pid]: message`), one line per request in httplog field order
 * (one per passthrough session in tcplog order), at level `info`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { SYSLOG_FACILITIES, SYSLOG_LEVELS } from '@switchyard/haproxy-renderer';
import type { AccessLogEntry } from '@switchyard/proxy-runtime';
import { RouterError } from './errors.ts';

// Codes are list positions: kern 0 … cron2 15, local0 16 … local7 23; emerg 0 … debug 7.
const facilityCode = (name: string): number => SYSLOG_FACILITIES.indexOf(name);
const severityCode = (name: string): number => SYSLOG_LEVELS.indexOf(name);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Where a UDP syslog address points: `ip:port`, `udp@ip:port`, `[ipv6]:port`; port 514 by default. */
export function parseUdpSyslogAddress(address: string): { host: string; port: number } | undefined {
  const a = address.replace(/^(?:udp|udp4|udp6|ipv4|ipv6)@/, '');
  const m =
    /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(a) ?? /^([0-9.]+|[0-9A-Fa-f:]+?)(?::(\d{1,5}))?$/.exec(a);
  if (!m || isIP(m[1] as string) === 0) return undefined;
  const port = m[2] === undefined ? 514 : Number(m[2]);
  return port >= 1 && port <= 65_535 ? { host: m[1] as string, port } : undefined;
}

/** Sends syslog lines; `close` releases the socket. */
export interface SyslogSender {
  /** Sends `message` at `severity` unless the configured level filters it out. */
  send(severity: string, message: string): void;
  close(): void;
}

export interface SyslogSenderOptions {
  readonly address: string;
  readonly facility: string;
  readonly level: string;
  readonly maxLength: number;
  readonly tag?: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Opens a UDP syslog sender.
 * @throws RouterError `ERR_ROUTER_INVALID_SETTING` when the address is not ip:port (the native
 *   engine speaks UDP only; the HAProxy engine also takes tcp@ and unix socket targets)
 */
export function createSyslogSender(options: SyslogSenderOptions): SyslogSender {
  const target = parseUdpSyslogAddress(options.address);
  if (target === undefined)
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting --syslog-address (ROUTER_SYSLOG_ADDRESS): the native engine sends syslog over UDP to ip:port, got ${JSON.stringify(options.address)} (tcp@ and unix sockets work with --engine haproxy)`,
    );
  const socket: Socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => undefined); // a lost datagram is what syslog over UDP accepts
  socket.unref();
  const facility = facilityCode(options.facility) >= 0 ? facilityCode(options.facility) : 17;
  const max = severityCode(options.level) >= 0 ? severityCode(options.level) : 4;
  const head = `${hostname()} ${options.tag ?? 'switchyard'}[${process.pid}]: `;
  return {
    send(severity: string, message: string): void {
      const sev = severityCode(severity) >= 0 ? severityCode(severity) : 6;
      if (sev > max) return;
      const d = new Date();
      const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
      let line = Buffer.from(`<${facility * 8 + sev}>${stamp} ${head}${message}\n`, 'utf8');
      if (line.length > options.maxLength) line = line.subarray(0, options.maxLength);
      socket.send(line, target.port, target.host);
    },
    close(): void {
      socket.close();
    },
  };
}

const FRONTENDS: Readonly<Record<AccessLogEntry['frontend'], string>> = {
  http: 'public',
  https: 'fe_sni',
  tls: 'public_ssl',
};

/** `26/Nov/2026:05:22:03.123`, HAProxy's accept date. */
function acceptDate(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One access log entry as an httplog (HTTP) or tcplog (passthrough) line: HAProxy's field order,
 * with `-1` for the timers the native engine does not measure separately, `----` for a normal
 * end and the runtime's own termination name otherwise.
 */
export function formatTrafficLine(e: AccessLogEntry): string {
  const who = `${e.clientAddress}:${e.clientPort} [${acceptDate(e.startTime)}] ${FRONTENDS[e.frontend]}`;
  const where = `${e.backend}/${e.server ?? '<NOSRV>'}`;
  const term = e.termination ?? '----';
  if (e.kind === 'tcp') return `${who} ${where} -1/-1/${e.durationMs} ${e.bytesOut} ${term} -/-/-/-/- 0/0`;
  const version =
    e.httpVersion === undefined ? '' : ` HTTP/${e.httpVersion === '2.0' ? '2.0' : e.httpVersion}`;
  return `${who} ${where} -1/-1/-1/-1/${e.durationMs} ${e.status} ${e.bytesOut} - - ${term} -/-/-/-/- 0/0 "${e.method ?? ''} ${e.url ?? ''}${version}"`;
}
