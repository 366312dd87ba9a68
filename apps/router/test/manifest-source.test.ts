import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RouterEvent } from '@switchyard/route-model';
import { makeTempDir } from '@switchyard/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createManifestSource,
  type ManifestProblem,
  type ManifestSource,
  type ParsedManifests,
} from '../src/manifest-source.ts';

/** JSON `List` files: enough to exercise the source's diffing and watching on its own. */
function parseJsonList(text: string): ParsedManifests {
  try {
    const data = JSON.parse(text) as { items: unknown[] };
    return { objects: data.items, problems: [], fatal: false };
  } catch (error) {
    return { objects: [], problems: [{ message: (error as Error).message }], fatal: true };
  }
}

function route(name: string, host: string, namespace?: string): object {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    spec: { host, to: { kind: 'Service', name: 'svc' } },
  };
}

function list(...items: object[]): string {
  return JSON.stringify({ kind: 'List', items });
}

function summarize(events: readonly RouterEvent[]): string[] {
  return events.map((e) =>
    e.type === 'synced'
      ? 'synced'
      : `${e.type} ${e.object.kind}/${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`,
  );
}

describe('createManifestSource', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let source: ManifestSource | undefined;
  let batches: RouterEvent[][];
  let problems: ManifestProblem[][];

  beforeEach(async () => {
    dir = await makeTempDir('switchyard-manifests-');
    batches = [];
    problems = [];
  });
  afterEach(async () => {
    await source?.close();
    source = undefined;
    await dir.cleanup();
  });

  /** Waits until `count` batches have arrived, bounded by a deadline (not a number of sleeps). */
  const waitForBatches = async (count: number, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (batches.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };

  const start = async (path = dir.path): Promise<ManifestSource> => {
    source = await createManifestSource({
      path,
      parse: parseJsonList,
      onEvents: (events) => batches.push([...events]),
      onProblems: (p) => problems.push([...p]),
      debounceMs: 10,
    });
    return source;
  };

  it('delivers every object, then synced; defaults the namespace and gives stable identities', async () => {
    await writeFile(
      join(dir.path, 'a.json'),
      list(route('one', 'one.test'), route('two', 'two.test', 'team')),
    );
    await writeFile(join(dir.path, 'notes.txt'), 'not a manifest');
    await start();
    expect(batches.map(summarize)).toEqual([['upsert Route/default/one', 'upsert Route/team/two', 'synced']]);
    const first = batches[0]?.[0];
    const meta = first?.type === 'upsert' ? first.object.metadata : undefined;
    expect(meta?.uid).toBe('manifest-00000001');
    expect(meta?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it.each([
    [
      'an edited object is upserted alone',
      async (d: string) =>
        writeFile(join(d, 'a.json'), list(route('one', 'one.test'), route('two', 'changed.test'))),
      ['upsert Route/default/two'],
    ],
    [
      'a removed object is deleted',
      async (d: string) => writeFile(join(d, 'a.json'), list(route('one', 'one.test'))),
      ['delete Route/default/two'],
    ],
    [
      'a removed file deletes its objects',
      async (d: string) => rm(join(d, 'a.json')),
      ['delete Route/default/one', 'delete Route/default/two'],
    ],
    [
      'an atomic save (write and rename) is one change',
      async (d: string) => {
        await writeFile(
          join(d, '.a.json.tmp'),
          list(route('one', 'one.test'), route('two', 'two.test'), route('three', 'three.test')),
        );
        await rename(join(d, '.a.json.tmp'), join(d, 'a.json'));
      },
      ['upsert Route/default/three'],
    ],
    [
      'a new file in a subdirectory is picked up',
      async (d: string) => {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(join(d, 'sub'));
        await writeFile(join(d, 'sub', 'b.json'), list(route('four', 'four.test')));
      },
      ['upsert Route/default/four'],
    ],
  ])('watching: %s', async (_name, edit, expected) => {
    await writeFile(join(dir.path, 'a.json'), list(route('one', 'one.test'), route('two', 'two.test')));
    await start();
    await edit(dir.path);
    await waitForBatches(2);
    expect(batches.slice(1).map(summarize)).toEqual([expected]);
  });

  it('a file that stops parsing keeps its objects and reports the problem; fixing it resumes', async () => {
    await writeFile(join(dir.path, 'a.json'), list(route('one', 'one.test')));
    await writeFile(join(dir.path, 'b.json'), list(route('two', 'two.test')));
    const s = await start();
    await writeFile(join(dir.path, 'a.json'), '{ "items": [ oops');
    await s.rescan();
    expect(batches).toHaveLength(1);
    expect(problems.at(-1)?.map((p) => p.file)).toEqual(['a.json', 'a.json']);
    expect(problems.at(-1)?.[1]?.message).toMatch(/keeps serving its previous objects/);
    expect([...s.objects.keys()]).toEqual(['Route/default/one', 'Route/default/two']);
    await writeFile(join(dir.path, 'a.json'), list(route('one', 'fixed.test')));
    await s.rescan();
    expect(batches.slice(1).map(summarize)).toEqual([['upsert Route/default/one']]);
    expect(problems.at(-1)).toEqual([]);
  });

  it.each([
    ['an unknown kind', { kind: 'Deployment', metadata: { name: 'x' } }, /kind "Deployment" is not served/],
    ['no name', { kind: 'Route', metadata: {} }, /Route without metadata.name/],
  ])('reports and skips %s', async (_name, object, message) => {
    await writeFile(join(dir.path, 'a.json'), list(object, route('ok', 'ok.test')));
    await start();
    expect(batches.map(summarize)).toEqual([['upsert Route/default/ok', 'synced']]);
    expect(problems[0]).toEqual([{ file: 'a.json', document: 1, message: expect.stringMatching(message) }]);
  });

  it('watches a single file, also when it is replaced by rename', async () => {
    const file = join(dir.path, 'routes.json');
    await writeFile(file, list(route('one', 'one.test')));
    await start(file);
    await writeFile(join(dir.path, 'tmp.json'), list(route('one', 'two.test')));
    await rename(join(dir.path, 'tmp.json'), file);
    await waitForBatches(2);
    expect(batches.slice(1).map(summarize)).toEqual([['upsert Route/default/one']]);
  });

  it('fails with ERR_ROUTER_ROUTES_PATH for a missing path', async () => {
    await expect(start(join(dir.path, 'missing'))).rejects.toMatchObject({
      code: 'ERR_ROUTER_ROUTES_PATH',
      message: expect.stringMatching(/--routes .*missing: ENOENT/),
    });
  });
});
