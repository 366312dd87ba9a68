/** `tsx --conditions=development bench/soak.ts [seconds]`: 60 s hot-update soak (issue #6 acceptance). */
import { runSoak } from './soak-core.ts';

const seconds = Number(process.argv[2] ?? 60);
const result = await runSoak({ durationMs: seconds * 1000, intervalMs: 100, concurrency: 16 });
console.log(JSON.stringify(result, null, 2));
const ok = result.failures === 0 && result.websocketEchoedAfterLastUpdate;
console.log(ok ? 'PASS: zero failed requests, WebSocket still echoes' : 'FAIL');
process.exit(ok ? 0 : 1);
