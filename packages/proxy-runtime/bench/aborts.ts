/**
 * `tsx --conditions=development bench/aborts.ts [count]`: 10 000 clients abort mid-response
 * (issue #6 acceptance); reports open sockets and heap before and after. Exit code 1 when
 * sockets or heap grew beyond noise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildRoutingTable, type RouterObject } from '@switchyard/route-model';
import { createProxyRuntime } from '../src/index.ts';
import { abortOnce } from '../test/helpers.ts';
import { routeObjects } from './routes.ts';

const count = Number(process.argv[2] ?? 10_000);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

let upstreamSockets = 0;
const backend = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(65_536, 120);
  const timer = setInterval(() => res.write(chunk), 5);
  res.on('close', () => clearInterval(timer));
});
backend.on('connection', (s) => {
  upstreamSockets++;
  s.on('close', () => upstreamSockets--);
});
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
const objects = routeObjects([{ host: 'stream.test', path: '' }], (backend.address() as AddressInfo).port);
const table = buildRoutingTable(objects as RouterObject[], { allowLoopbackEndpoints: true }).table;
const rt = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: false, table });
const port = (await rt.listen()).httpPort as number;

const batch = 20;
for (let i = 0; i < 200; i += batch) await Promise.all(Array.from({ length: batch }, () => abortOnce(port)));
await new Promise((r) => setTimeout(r, 500));
const before = { heap: heap(), upstreamSockets };
const t0 = Date.now();
for (let i = 0; i < count; i += batch)
  await Promise.all(Array.from({ length: batch }, () => abortOnce(port)));
await new Promise((r) => setTimeout(r, 1_000));
const after = { heap: heap(), upstreamSockets };
const metrics = await rt.metrics();
const clientOpen = Number(
  /switchyard_frontend_current_connections\{frontend="public"\} ([0-9]+)/.exec(metrics)?.[1],
);
const inFlight = Number(/switchyard_backend_current_sessions\{[^}]*\} ([0-9]+)/.exec(metrics)?.[1]);
const result = {
  aborts: count,
  seconds: (Date.now() - t0) / 1000,
  heapBeforeMB: +(before.heap / 1048576).toFixed(1),
  heapAfterMB: +(after.heap / 1048576).toFixed(1),
  upstreamSocketsBefore: before.upstreamSockets,
  upstreamSocketsAfter: after.upstreamSockets,
  clientConnectionsOpen: clientOpen,
  requestsInFlight: inFlight,
};
console.log(JSON.stringify(result, null, 2));
await rt.close({ graceMs: 100 });
backend.closeAllConnections();
backend.close();
// Idle pooled upstream connections are bounded by the batch size, not by the abort count.
const ok =
  clientOpen === 0 &&
  inFlight === 0 &&
  after.upstreamSockets <= batch * 2 &&
  after.heap - before.heap < 16 * 1048576;
console.log(ok ? 'PASS: no socket or heap growth beyond noise' : 'FAIL');
process.exit(ok ? 0 : 1);
