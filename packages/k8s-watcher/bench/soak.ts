/**
 * Soak check (not part of `pnpm bench`): random route and EndpointSlice churn for
 * SOAK_SECONDS (default 60) with a random fault every couple of seconds (dropped watches,
 * expired watches, compaction behind a drop, stalled watches, API server restarts), then checks
 * that the watcher's state equals the server's object by object. The tests run a short version
 * (test/watcher.test.ts, "1 000 random changes").
 *
 * Run: `pnpm exec tsx --conditions=development bench/soak.ts`
 */
import { type K8sObject, pick, prng, startK8sApiServer } from '@switchyard/testkit';
import { createRouteWatcher } from '../src/index.ts';
import { diffState, kubeConfigFor, route, slice } from '../test/helpers.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const rand = prng(Number(process.env.SOAK_SEED ?? 1));
const api = await startK8sApiServer({ bookmarkIntervalMs: 500 });
for (let i = 0; i < 1000; i++) api.create(route({ namespace: `ns${i % 10}`, name: `seed-${i}` }));
const watcher = createRouteWatcher({
  kubeConfig: kubeConfigFor(api),
  watchdogMs: 3000,
  backoff: { initialMs: 50, maxMs: 2000 },
  logger: { debug() {}, info() {}, warn() {}, error: console.error },
});
await watcher.start();
const faults: Record<string, number> = {};
const end = Date.now() + seconds * 1000;
let n = 0;
let nextFault = Date.now() + 2000;
while (Date.now() < end) {
  for (let k = 0; k < 20; k++) {
    n++;
    const ns = `ns${Math.floor(rand() * 10)}`;
    const isRoute = rand() < 0.6;
    const [apiVersion, kind] = isRoute
      ? ['route.openshift.io/v1', 'Route']
      : ['discovery.k8s.io/v1', 'EndpointSlice'];
    const existing = api.list(apiVersion, kind, ns);
    const victim = existing[Math.floor(rand() * existing.length)] as K8sObject | undefined;
    const r = rand();
    if (victim && r < 0.3) api.remove(apiVersion, kind, ns, String(victim.metadata.name));
    else if (victim && r < 0.7) {
      victim.metadata.annotations = { seq: String(n) };
      api.update(victim);
    } else
      api.create(
        isRoute
          ? route({ namespace: ns, name: `c-${n}` })
          : slice(ns, `s-${n}`, 'web', [`10.0.${n % 250}.1`]),
      );
  }
  if (Date.now() > nextFault) {
    const f = pick(rand, ['drop', 'expire', 'compact', 'stall', 'restart']);
    faults[f] = (faults[f] ?? 0) + 1;
    if (f === 'drop') api.dropWatches();
    if (f === 'expire') api.expireWatches();
    if (f === 'compact') {
      api.dropWatches();
      api.create(route({ namespace: 'ns0', name: `compact-${n}` }));
      api.compact();
    }
    if (f === 'stall') api.stallWatches();
    if (f === 'restart') await api.restart({ downMs: Math.floor(rand() * 1000) });
    nextFault = Date.now() + 1000 + rand() * 2000;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const deadline = Date.now() + 30_000;
let diff: string[] = [];
do {
  await new Promise((r) => setTimeout(r, 250));
  diff = [
    ...diffState(api.list('route.openshift.io/v1', 'Route'), watcher.snapshot().routes),
    ...diffState(api.list('discovery.k8s.io/v1', 'EndpointSlice'), watcher.snapshot().endpointslices),
  ];
} while (diff.length > 0 && Date.now() < deadline);
console.log(
  JSON.stringify(
    { seconds, changes: n, faults, stats: watcher.stats(), differences: diff.slice(0, 20) },
    null,
    2,
  ),
);
await watcher.stop();
await api.close();
process.exit(diff.length === 0 ? 0 : 1);
