/**
 * Parses per second on captured ClientHellos: parseClientHello against the npm `sni` package
 * (sync, whole buffer only) and `read-tls-client-hello` (async, reads from a stream, which is
 * its only entry point). Run from the root with `pnpm bench sni-parser`. Writes
 * docs/benchmarks/sni-parser.md.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readTlsClientHello } from 'read-tls-client-hello';
import { parseClientHello } from '../src/index.ts';
import { loadFixtures, refragment } from '../test/helpers/tls-bytes.ts';

const require = createRequire(import.meta.url);
const sni = require('sni') as (data: Buffer) => string | null;

/**
 * Reference floor, not a parser: walks the record header, the fixed fields and every extension
 * header with bounds checks, decoding nothing. Any parser that validates every extension's
 * length does at least this much work; `sni` stops at server_name and does less.
 */
function walkOnly(b: Uint8Array): number | null {
  const end = 5 + (((b[3] as number) << 8) | (b[4] as number));
  if (end > b.length) return null;
  let p = 5 + 4 + 34;
  p += 1 + (b[p] as number);
  p += 2 + (((b[p] as number) << 8) | (b[p + 1] as number));
  p += 1 + (b[p] as number);
  if (p + 2 > end) return null;
  const extEnd = p + 2 + (((b[p] as number) << 8) | (b[p + 1] as number));
  if (extEnd !== end) return null;
  p += 2;
  let n = 0;
  while (p < extEnd) {
    if (p + 4 > extEnd) return null;
    p += 4 + (((b[p + 2] as number) << 8) | (b[p + 3] as number));
    if (p > extEnd) return null;
    n++;
  }
  return n;
}

/** Extension types on the lists-only bound; a hello in one record holds fewer than 4 096. */
const boundTypes = new Uint16Array(4096);

/**
 * Lower bound for a parser that returns the published lists (`ClientHello` has
 * `cipherSuites: number[]` and `extensionTypes: number[]`): the floor's walk plus those two
 * arrays, built the way the parser builds them (`new Array(n)` filled in place, which measured
 * fastest against push, slice of a filled scratch array and Array.from). No validation, no host
 * name, no other list. Whatever a conforming parser does, it does at least this.
 */
function walkAndLists(b: Uint8Array): { cipherSuites: number[]; extensionTypes: number[] } | null {
  const end = 5 + (((b[3] as number) << 8) | (b[4] as number));
  if (end > b.length) return null;
  let p = 5 + 4 + 34;
  p += 1 + (b[p] as number);
  const csCount = (((b[p] as number) << 8) | (b[p + 1] as number)) >> 1;
  p += 2;
  const cipherSuites: number[] = new Array(csCount);
  for (let i = 0; i < csCount; i++) {
    cipherSuites[i] = ((b[p] as number) << 8) | (b[p + 1] as number);
    p += 2;
  }
  p += 1 + (b[p] as number);
  if (p + 2 > end) return null;
  const extEnd = p + 2 + (((b[p] as number) << 8) | (b[p + 1] as number));
  if (extEnd !== end) return null;
  p += 2;
  let n = 0;
  while (p < extEnd) {
    if (p + 4 > extEnd || n === boundTypes.length) return null;
    boundTypes[n++] = ((b[p] as number) << 8) | (b[p + 1] as number);
    p += 4 + (((b[p + 2] as number) << 8) | (b[p + 3] as number));
    if (p > extEnd) return null;
  }
  const extensionTypes: number[] = new Array(n);
  for (let i = 0; i < n; i++) extensionTypes[i] = boundTypes[i] as number;
  return { cipherSuites, extensionTypes };
}

const windowMs = Number(process.env.SNI_BENCH_WINDOW_MS ?? 300);
const rounds = Number(process.env.SNI_BENCH_ROUNDS ?? 9);
const warmupMs = Number(process.env.SNI_BENCH_WARMUP_MS ?? 300);

let sink = 0;
/**
 * Every loop stores its last answer here, so no contender's result can be optimised away as
 * unused (V8 removes allocations that never escape).
 */
let kept: unknown;

/** One contender: runs `n` calls on `bytes` and returns how many found a name. */
type Loop = (bytes: Buffer, n: number) => number;

// One loop per contender, each its own function, so every call site in a loop sees a single
// callee and stays monomorphic (a shared `fn()` call site would be megamorphic and would tax
// every contender with an indirect call).
function loopParse(bytes: Buffer, n: number): number {
  let found = 0;
  for (let i = 0; i < n; i++) {
    const res = parseClientHello(bytes);
    if (res.status === 'complete' && res.hello.serverName !== undefined) found++;
    kept = res;
  }
  return found;
}
function loopSni(bytes: Buffer, n: number): number {
  let found = 0;
  for (let i = 0; i < n; i++) {
    const name = sni(bytes);
    if (name !== null) found++;
    kept = name;
  }
  return found;
}
function loopFloor(bytes: Buffer, n: number): number {
  let found = 0;
  for (let i = 0; i < n; i++) if (walkOnly(bytes) !== null) found++;
  return found;
}
function loopLists(bytes: Buffer, n: number): number {
  let found = 0;
  for (let i = 0; i < n; i++) {
    const lists = walkAndLists(bytes);
    if (lists !== null) found++;
    kept = lists;
  }
  return found;
}

/** CPU seconds this process has used: other jobs on a shared machine do not count against it. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Calls per CPU second over one window of wall time, in batches so reading the clocks costs
 * nothing measurable.
 */
function timeSync(loop: Loop, bytes: Buffer, ms: number): number {
  const batch = 1000;
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const cpu0 = cpuSeconds();
  let n = 0;
  do {
    sink += loop(bytes, batch);
    n += batch;
  } while (process.hrtime.bigint() < deadline);
  return n / (cpuSeconds() - cpu0);
}

async function timeAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const cpu0 = cpuSeconds();
  let n = 0;
  do {
    for (let i = 0; i < 50; i++) if ((await fn()) !== null) sink++;
    n += 50;
  } while (process.hrtime.bigint() < deadline);
  return n / (cpuSeconds() - cpu0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const fixtures = loadFixtures();
const pick = (file: string): (typeof fixtures)[number] => {
  const f = fixtures.find((x) => x.file === file);
  if (f === undefined) throw new Error(`fixture ${file} missing`);
  return f;
};
const cases = [
  { name: 'chromium', fixture: pick('chromium.bin') },
  { name: 'curl', fixture: pick('curl.bin') },
].map(({ name, fixture }) => ({ name, bytes: fixture.bytes, expected: fixture.expected }));

// Check each contender's answer once, on the very buffers that are timed: a contender that
// answered wrongly would be measured doing something else.
for (const c of cases) {
  const ours = parseClientHello(c.bytes);
  const frag = parseClientHello(refragment(c.bytes, 64));
  const theirs = sni(c.bytes);
  const rtch = await readTlsClientHello(Readable.from([c.bytes], { objectMode: false }));
  const rtchName = (rtch.extensions.find((e) => e.id === 0)?.data as { serverName?: string } | null)
    ?.serverName;
  const want = c.expected.serverName;
  const oursOk =
    ours.status === 'complete' &&
    ours.hello.serverName === want &&
    JSON.stringify(ours.hello.alpnProtocols) === JSON.stringify(c.expected.alpnProtocols) &&
    frag.status === 'complete' &&
    JSON.stringify({ ...frag.hello, records: 1 }) === JSON.stringify(ours.hello);
  if (!oursOk || theirs !== want || rtchName !== want) {
    throw new Error(
      `${c.name}: a contender is wrong (${JSON.stringify([ours.status, theirs, rtchName, want])})`,
    );
  }
}

interface Row {
  fixture: string;
  bytes: number;
  parse: number;
  sni: number;
  rtch: number;
  parseFragmented: number;
  floor: number;
  lists: number;
}
type Key = 'parse' | 'sni' | 'rtch' | 'frag' | 'floor' | 'lists';
const rows: Row[] = [];
for (const c of cases) {
  const frag = refragment(c.bytes, 64);
  // The lists bound must build the very lists the parser returns, or it bounds something else.
  const ours = parseClientHello(c.bytes);
  const bound = walkAndLists(c.bytes);
  if (
    ours.status !== 'complete' ||
    bound === null ||
    JSON.stringify(bound.cipherSuites) !== JSON.stringify(ours.hello.cipherSuites) ||
    JSON.stringify(bound.extensionTypes) !== JSON.stringify(ours.hello.extensionTypes)
  ) {
    throw new Error(`${c.name}: the lists bound does not build the parser's lists`);
  }
  const rtchCall = (): Promise<unknown> =>
    readTlsClientHello(Readable.from([c.bytes], { objectMode: false }));
  const sync: Array<[Key, Loop, Buffer]> = [
    ['parse', loopParse, c.bytes],
    ['sni', loopSni, c.bytes],
    ['floor', loopFloor, c.bytes],
    ['lists', loopLists, c.bytes],
    ['frag', loopParse, frag],
  ];
  // Warm-up: every contender reaches its optimised code before the first timed round.
  for (const [, loop, bytes] of sync) timeSync(loop, bytes, warmupMs);
  await timeAsync(rtchCall, warmupMs);
  const results: Record<Key, number[]> = { parse: [], sni: [], rtch: [], frag: [], floor: [], lists: [] };
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so no contender always runs right after another.
    for (let k = 0; k < sync.length; k++) {
      const [key, loop, bytes] = sync[(k + r) % sync.length] as [Key, Loop, Buffer];
      results[key].push(timeSync(loop, bytes, windowMs));
    }
    results.rtch.push(await timeAsync(rtchCall, windowMs));
  }
  rows.push({
    fixture: c.name,
    bytes: c.bytes.length,
    parse: median(results.parse),
    sni: median(results.sni),
    rtch: median(results.rtch),
    parseFragmented: median(results.frag),
    floor: median(results.floor),
    lists: median(results.lists),
  });
  console.log(c.name, rows.at(-1));
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const ns = (rate: number): string => (1e9 / rate).toFixed(0);
const vsSni = rows.map((r) => r.parse / r.sni);
const vsRtch = rows.map((r) => r.parse / r.rtch);
const listsVsSni = rows.map((r) => r.lists / r.sni);
const met = (ok: boolean): string => (ok ? 'met' : '**not met**');
const cpu = cpus();
const lines = [
  '## sni-parser',
  '',
  'Command: `pnpm bench sni-parser` (from the repository root).',
  `Date: ${new Date().toISOString()}. Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; CPU shared with other jobs, so read the ratios.`,
  '',
  `Method: per fixture, ${warmupMs} ms of warm-up per contender, then ${rounds} rounds of ${windowMs} ms per contender`,
  '(order rotated each round), median reported. Each contender runs in its own loop, so its call site sees one callee,',
  'over the same buffer, and its answer on that buffer was checked once before timing. Every loop keeps its last answer',
  "in a variable, so no result can be optimised away. Rates are calls per second of this process's CPU time",
  '(`process.cpuUsage`), so time the shared CPU spends on other jobs is not counted. Each call parses the whole captured',
  'ClientHello and extracts the server name. `sni` and `parseClientHello` take a buffer; `read-tls-client-hello` takes a',
  'stream (its only entry point), so each of its calls wraps the buffer in `Readable.from`.',
  '',
  '| fixture | bytes | parseClientHello (parses/s) | sni (parses/s) | read-tls-client-hello (parses/s) | vs sni | vs read-tls-client-hello | parseClientHello, 64-byte records |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.fixture} | ${r.bytes} | ${fmt(r.parse)} | ${fmt(r.sni)} | ${fmt(r.rtch)} | ${ratio(r.parse, r.sni)} | ${ratio(r.parse, r.rtch)} | ${fmt(r.parseFragmented)} |`,
  ),
  '',
  'Neither `sni` nor `read-tls-client-hello` can parse the 64-byte-record variant (the first returns the wrong answer or',
  '`null`, the second throws), so that column has no counterpart.',
  '',
  '### Lower bounds, same run',
  '',
  'Two reference functions in `bench/index.ts` that are not parsers. They bound from below what any parser that returns',
  'the published `ClientHello` (whose `cipherSuites` and `extensionTypes` are `number[]`) can cost on these hellos:',
  '',
  '- **walk**: the record header, the fixed fields and every extension header with bounds checks; decodes nothing,',
  '  allocates nothing. A parser must walk every extension to tell `complete` from `invalid` (an extension that overruns',
  '  the block) and to list `extensionTypes`. `sni` stops at server_name (second of 19 extensions in the Chromium',
  '  capture, first of 12 in curl) and checks nothing after it. The walk is a chain of dependent loads (each header',
  '  sits where the previous length says), so it cannot be overlapped.',
  '- **walk + lists**: the walk, plus the two arrays the contract requires whatever else a parser skips, `cipherSuites`',
  "  and `extensionTypes`, built as the parser builds them; checked once to equal the parser's lists. No validation,",
  '  no host name, no ALPN or versions list, no result object.',
  '',
  '| fixture | sni (ns/call) | walk (ns/call) | walk vs sni | walk + lists (ns/call) | walk + lists vs sni | parseClientHello (ns/call) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.fixture} | ${ns(r.sni)} | ${ns(r.floor)} | ${ratio(r.floor, r.sni)} | ${ns(r.lists)} | ${ratio(r.lists, r.sni)} | ${ns(r.parse)} |`,
  ),
  '',
  'When "walk + lists vs sni" is below 1×, no parser that returns the contract\'s lists, built per call, can be as fast',
  'as `sni` on that hello: the lists alone cost more than a whole `sni` call (whose time is mostly its',
  "`Buffer#toString('ascii')` of the name). `parseClientHello` then also checks every cipher suite, extension type and",
  'version for GREASE, validates the server_name, ALPN and supported_versions contents, detects duplicate extensions,',
  'decodes the host name, and allocates the result. docs/sni-parser.md, "Performance", measures each of these.',
  '',
  'Targets (issue 4):',
  '',
  `- At least as fast as \`sni\`: ${met(vsSni.every((x) => x >= 1))} (${vsSni.map((x) => `${x.toFixed(2)}×`).join(', ')} on ${rows.map((r) => r.fixture).join(', ')}). The lists-only bound is ${listsVsSni.map((x) => `${x.toFixed(2)}×`).join(', ')}.`,
  `- At least 10 × \`read-tls-client-hello\`: ${met(vsRtch.every((x) => x >= 10))} (${vsRtch.map((x) => `${x.toFixed(1)}×`).join(', ')}).`,
  '',
];
const out = join(import.meta.dirname, '..', '..', '..', 'docs', 'benchmarks', 'sni-parser.md');
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
if (sink < 0 || kept === sink) console.log(sink, kept);
