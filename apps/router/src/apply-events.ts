/**
 * Applies a batch of events to the route store so that one bad event cannot cost the others: the
 * store rejects malformed objects itself, and if applying the batch still fails, its events are
 * applied one at a time, the failing one is logged with its object and error, and the rest
 * (including `synced`) are kept.
 */
import type { IgnoredObject, RouterEvent, RouteStore, RoutingTable } from '@switchyard/route-model';
import type { Logger } from 'pino';

/** What {@link applyEvents} changed, merged over every apply call it made. */
export interface AppliedEvents {
  /** The table before the batch. */
  readonly previous: RoutingTable;
  /** The table after the batch. */
  readonly table: RoutingTable;
  /** Route keys whose status changed, sorted. */
  readonly statusesChanged: readonly string[];
  /** Objects the store left out. */
  readonly ignored: readonly IgnoredObject[];
  /** Events that could not be applied even alone. */
  readonly failed: number;
}

/** `kind ns/name` of an event's object, for logs, without its (possibly huge) contents. */
export function describeEvent(event: unknown): {
  type: string;
  kind: string;
  namespace: string;
  name: string;
} {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const o = (typeof e.object === 'object' && e.object !== null ? e.object : {}) as Record<string, unknown>;
  const m = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Record<
    string,
    unknown
  >;
  const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
  return { type: text(e.type), kind: text(o.kind), namespace: text(m.namespace), name: text(m.name) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Applies `batch` to `store`; never throws for a bad event.
 *
 * @param store - the route store
 * @param batch - events in order
 * @param logger - where a failing event and ignored objects are reported
 * @returns the merged change
 */
export function applyEvents(store: RouteStore, batch: readonly RouterEvent[], logger: Logger): AppliedEvents {
  const previous = store.table;
  const changed = new Set<string>();
  const ignored: IgnoredObject[] = [];
  let failed = 0;
  try {
    const change = store.apply(batch);
    for (const k of change.statusesChanged) changed.add(k);
    ignored.push(...change.ignored);
  } catch (batchError) {
    logger.warn(
      { err: batchError, events: batch.length },
      `applying ${batch.length} event(s) at once failed (${errorText(batchError)}): applying them one by one`,
    );
    for (const event of batch) {
      try {
        const change = store.apply([event]);
        for (const k of change.statusesChanged) changed.add(k);
        ignored.push(...change.ignored);
      } catch (error) {
        failed += 1;
        const object = describeEvent(event);
        logger.error(
          { err: error, object },
          `${object.type || 'event'} of ${object.kind || 'object'} ${object.namespace}/${object.name} could not be applied and is skipped: ${errorText(error)}`,
        );
        // `synced` carries no object and cannot fail in the store, but it must never be lost:
        // without it nothing is served.
        if (object.type === 'synced' && !store.synced) store.apply([{ type: 'synced' }]);
      }
    }
  }
  for (const item of ignored) {
    logger.warn({ kind: item.kind, object: item.key }, `${item.kind} ${item.key} ignored: ${item.message}`);
  }
  return { previous, table: store.table, statusesChanged: [...changed].sort(), ignored, failed };
}
