/** Entry of a data-plane child process (`workers > 1`). @internal */
import type { Server } from 'node:net';
import { resolveOptions } from '../options.ts';
import { DataPlane } from '../runtime.ts';
import type { FromWorker, ToWorker } from './workers.ts';

let plane: DataPlane | undefined;
let http: Server | undefined;
let tls: Server | undefined;

function send(m: FromWorker): void {
  process.send?.(m);
}

process.on('message', (m: ToWorker, handle?: Server) => {
  try {
    switch (m.type) {
      case 'init':
        plane = new DataPlane(
          resolveOptions({ ...m.options, workers: 1 }),
          m.table,
          m.log ? (entry) => send({ type: 'log', entry }) : undefined,
        );
        send({ type: 'ready' });
        break;
      case 'listen':
        if (m.which === 'http') http = handle;
        else tls = handle;
        break;
      case 'start':
        void plane
          ?.listen(http ?? undefined, tls ?? undefined)
          .then(() => send({ type: 'started' }))
          .catch((e: unknown) => send({ type: 'error', message: String(e) }));
        break;
      case 'update':
        plane?.update(m.table);
        send({ type: 'updated', id: m.id });
        break;
      case 'metrics':
        if (plane) send({ type: 'metrics', id: m.id, snapshot: plane.snapshot() });
        break;
      case 'close':
        void plane?.close(m.graceMs).finally(() => process.exit(0));
        break;
    }
  } catch (e) {
    send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});
process.on('disconnect', () => {
  void plane?.close(1_000).finally(() => process.exit(0));
});
