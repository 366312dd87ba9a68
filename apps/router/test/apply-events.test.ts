import { Writable } from 'node:stream';
import { createRouteStore, type RouterEvent, type RouterObject } from '@switchyard/route-model';
import { type Logger, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../src/apply-events.ts';
import { route, service } from './helpers/objects.ts';

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const logger: Logger = pino({ level: 'debug' }, stream);
  return { logger, lines };
}

const upsert = (object: unknown): RouterEvent => ({ type: 'upsert', object: object as RouterObject });

describe('applyEvents: one bad event never costs the batch', () => {
  it.each<[string, RouterEvent[]]>([
    ['an upsert whose object is a number', [upsert(5)]],
    ['an event of an unknown type', [{ type: 'replace', object: {} } as unknown as RouterEvent]],
    ['an event that is null', [null as unknown as RouterEvent]],
  ])('a batch failing on %s keeps the good route and synced, and logs the bad event', async (_n, bad) => {
    const store = createRouteStore();
    const { logger, lines } = capture();
    const batch: RouterEvent[] = [
      upsert(route('demo', 'good', 'good.test', 'svc')),
      ...bad,
      upsert(route('demo', 'after', 'after.test', 'svc')),
      { type: 'synced' },
    ];
    const change = applyEvents(store, batch, logger);
    logger.flush();
    expect(store.synced).toBe(true);
    expect(change.failed).toBe(1);
    expect(store.statuses.get('demo:good')?.admitted).toBe(true);
    expect(store.statuses.get('demo:after')?.admitted).toBe(true);
    expect(change.table.routes.has('demo:good')).toBe(true);
    expect(change.statusesChanged).toEqual(['demo:after', 'demo:good']);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/could not be applied and is skipped: .+/);
    expect(errors[0]!.object).toBeTypeOf('object');
    expect(errors[0]!.err).toBeTypeOf('object');
  });

  it('a malformed Route in a batch is rejected by the store without the one-by-one fallback', () => {
    const store = createRouteStore();
    const { logger, lines } = capture();
    const bad = route('demo', 'bad', 'bad.test', 'svc', {
      spec: { tls: { termination: 'edge', certificate: 12345 } },
    });
    const change = applyEvents(
      store,
      [upsert(route('demo', 'good', 'good.test', 'svc')), upsert(bad), { type: 'synced' }],
      logger,
    );
    logger.flush();
    expect(change.failed).toBe(0);
    expect(lines.some((l) => String(l.msg).includes('one by one'))).toBe(false);
    expect(store.statuses.get('demo:good')?.admitted).toBe(true);
    expect(store.statuses.get('demo:bad')?.condition.message).toContain(
      'spec.tls.certificate: Invalid value: must be a string',
    );
  });

  it('an ignored Service is logged as a warning naming it and the field', () => {
    const store = createRouteStore();
    const { logger, lines } = capture();
    const svc = service('demo', 'web') as { spec: { ports: unknown } };
    svc.spec.ports = 'http';
    const change = applyEvents(store, [upsert(svc), { type: 'synced' }], logger);
    logger.flush();
    expect(change.ignored).toHaveLength(1);
    const warn = lines.find((l) => l.level === 40);
    expect(warn?.msg).toBe(
      'Service demo/web ignored: Service demo/web: spec.ports: Invalid value: must be a list',
    );
  });
});
