import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  checkHaproxyConfig,
  freePort,
  makeTempDir,
  pick,
  prng,
  type RunningHaproxy,
} from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import {
  compileMap,
  formatMapFile,
  type MapEntry,
  parseMapFile,
  requestKey,
  routeRegexp,
  sniRegexp,
  sortMapLines,
} from '../src/index.ts';
import { startMapHaproxy, writeMapHaproxyConfig } from './helpers.ts';

// Differential test: the same generated maps loaded by a real HAProxy 2.6 (Debian's, PCRE2) and
// by compileMap; every generated request is answered by HAProxy through map_reg, map_str and
// map_beg on `base`, and each answer must equal lookup() on the same input.

const LABELS = ['a', 'b', 'ab', '1a', 'x-y', 'www', 'api'];
const DOMAINS = ['example.com', 'ex.com', 'com', 'a.example.com', 'apps.test'];
// Path characters Node's client and HAProxy (with accept-invalid-http-request) both pass through.
const SEGMENTS = [
  'a',
  'b',
  'ab',
  '%b',
  '%',
  'a.b',
  '(',
  ')',
  '*',
  '+q',
  '[x]',
  '{1}',
  '|',
  '$',
  '^',
  'A',
  "'",
  '-',
  '!',
];
const REGEXES = [
  '^a\\.ex',
  '/b/b$',
  'ex.*com/a/',
  '\\.com/\\(',
  '^[^\\.]*\\.com/ab$',
  '/a/?$',
  '^(a|b)\\.ex\\.com(:[0-9]+)?/',
  '/%b/%b',
  ':[0-9]{3,}/',
  '^[^/]*/(a|b)(/.*)?$',
  '/\\x41/\\x41',
  '(?:ab)+/a',
  '\\s',
  '\\d\\d/',
];

interface Route {
  host: string;
  path: string;
  wildcard: boolean;
}

function makeRoutes(r: () => number, n: number): Route[] {
  const routes: Route[] = [];
  for (let i = 0; i < n; i++) {
    const host = `${pick(r, LABELS)}.${pick(r, DOMAINS)}`;
    let path = '';
    const segs = Math.floor(r() * 4);
    for (let j = 0; j < segs; j++) path += `/${pick(r, SEGMENTS)}`;
    if (segs > 0 && r() < 0.3) path += '/';
    routes.push({ host, path, wildcard: r() < 0.2 });
  }
  return routes;
}

function makeRequest(r: () => number, routes: readonly Route[]): { host: string; path: string } {
  const route = pick(r, routes);
  let host = route.host;
  if (r() < 0.4) host = `${pick(r, LABELS)}${host.slice(host.indexOf('.'))}`;
  if (r() < 0.1) host = `${pick(r, LABELS)}.${host}`;
  if (r() < 0.15) host = host.toUpperCase();
  if (r() < 0.15) host += '.';
  host += pick(r, ['', '', '', ':80', ':8080']);
  let path = route.path;
  const c = r();
  if (c < 0.2) path = path.slice(0, Math.floor(r() * (path.length + 1)));
  else if (c < 0.5) path += pick(r, ['/', '', 'x', '/b', '/%b']) + pick(r, SEGMENTS);
  else if (c < 0.6) path = path.replace(/[a-z]/, 'A');
  if (!path.startsWith('/')) path = `/${path}`;
  if (r() < 0.2) path += `?${pick(r, ['q=1', 'a/b', 'x?y'])}`;
  // Some absolute-form targets: base takes the Host header and the target's path.
  if (r() < 0.05) path = `${pick(r, ['http', 'HTTPS'])}://${pick(r, ['other.test', route.host])}${path}`;
  return { host, path };
}

function toEntries(lines: string[]): MapEntry[] {
  return lines.map((l) => ({ key: l.slice(0, l.indexOf(' ')), value: l.slice(l.indexOf(' ') + 1) }));
}

async function get(agent: Agent, port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode} for ${host}${path}`)),
      );
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`timeout for ${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

const REQUESTS = 2400;

describe('differential test against HAProxy', () => {
  it(`answers ${REQUESTS} generated requests exactly like HAProxy (map_reg, map_str, map_beg)`, async () => {
    const r = prng(20261126);
    const routes = makeRoutes(r, 400);
    const requests = Array.from({ length: REQUESTS }, () => makeRequest(r, routes));

    // reg: OpenShift's sorted route lines, a few SNI keys, and non-route regexes spliced in.
    const routeLines = routes.map(
      (rt, i) => `${routeRegexp(rt.host, rt.path, rt.wildcard)} be_http:ns:r${i}`,
    );
    const sniLines = routes.slice(0, 20).map((rt, i) => `${sniRegexp(rt.host, rt.wildcard)} sni${i}`);
    const regLines = sortMapLines([...routeLines, ...sniLines]);
    for (const [i, re] of REGEXES.entries())
      regLines.splice(Math.floor(r() * regLines.length), 0, `${re} regex${i}`);
    const reg = toEntries(regLines);

    // str and beg: keys taken from the requests' inputs and their prefixes, with duplicates.
    const inputs = requests.map((q) => requestKey(q.host, q.path));
    const str: MapEntry[] = [];
    const beg: MapEntry[] = [];
    for (let i = 0; i < 600; i++) {
      const input = pick(r, inputs);
      str.push({ key: input, value: `s${i}` });
      const cut = input.slice(0, 1 + Math.floor(r() * input.length));
      beg.push({ key: cut, value: `b${i}` });
    }

    const dir = await makeTempDir('map-matcher-diff-');
    const port = await freePort();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let haproxy: RunningHaproxy | undefined;
    try {
      const files = {
        reg: join(dir.path, 'reg.map'),
        str: join(dir.path, 'str.map'),
        beg: join(dir.path, 'beg.map'),
      };
      await writeFile(files.reg, formatMapFile(reg));
      await writeFile(files.str, formatMapFile(str));
      await writeFile(files.beg, formatMapFile(beg));
      haproxy = await startMapHaproxy(
        dir.path,
        port,
        [
          // OpenShift's frontends lower-case the Host before looking at base.
          '  http-request set-header Host %[req.hdr(Host),lower]',
          `  http-request return status 200 content-type text/plain lf-string "%[base]\\n%[base,map_reg(${files.reg},NONE)]\\n%[base,map_str(${files.str},NONE)]\\n%[base,map_beg(${files.beg},NONE)]\\n"`,
        ],
        { global: ['  maxconn 500'], timeout: '30s', acceptInvalid: true, check: true },
      );

      // The maps HAProxy loaded, read back from the files it read.
      const { readFile } = await import('node:fs/promises');
      const maps = {
        reg: compileMap(parseMapFile(await readFile(files.reg, 'utf8')).entries, { match: 'reg' }),
        str: compileMap(parseMapFile(await readFile(files.str, 'utf8')).entries, { match: 'str' }),
        beg: compileMap(parseMapFile(await readFile(files.beg, 'utf8')).entries, { match: 'beg' }),
      };
      // '^[^\\.]*\\.com/ab$' is a valid wildcard SNI key (domain 'com/ab') and gets indexed.
      expect(maps.reg.stats().regex).toBe(REGEXES.length - 1);

      const mismatches: string[] = [];
      const counts = { reg: 0, str: 0, beg: 0, route: 0 };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < requests.length) {
          const q = requests[next++] as { host: string; path: string };
          const body = await get(agent, port, q.host, q.path);
          const [base, regAns, strAns, begAns] = body.split('\n');
          const input = requestKey(q.host, q.path);
          if (base !== input)
            mismatches.push(`base ${JSON.stringify(base)} != requestKey ${JSON.stringify(input)}`);
          const ours = {
            reg: maps.reg.lookup(input) ?? 'NONE',
            str: maps.str.lookup(input) ?? 'NONE',
            beg: maps.beg.lookup(input) ?? 'NONE',
          };
          const theirs = { reg: regAns, str: strAns, beg: begAns };
          for (const k of ['reg', 'str', 'beg'] as const) {
            if (theirs[k] !== 'NONE') counts[k]++;
            if (k === 'reg' && theirs[k]?.startsWith('be_http:')) counts.route++;
            if (theirs[k] !== ours[k])
              mismatches.push(`${k} ${JSON.stringify(input)}: haproxy ${theirs[k]}, lookup ${ours[k]}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(next).toBe(REQUESTS);
      // The comparison is only meaningful if the maps do answer most requests.
      expect(counts.reg).toBeGreaterThan(REQUESTS / 3);
      expect(counts.route).toBeGreaterThan(REQUESTS / 3);
      expect(counts.str).toBeGreaterThan(REQUESTS / 10);
      expect(counts.beg).toBeGreaterThan(REQUESTS / 3);
    } finally {
      agent.destroy();
      await haproxy?.stop();
      await dir.cleanup();
    }
  }, 120_000);

  it('matches non-ASCII bytes like PCRE2 without UTF (raw requests)', async () => {
    const reg: MapEntry[] = [
      { key: '^h/é$', value: 'e-acute' },
      { key: '^h/é+$', value: 'last-byte-repeated' },
      { key: '^h/[é]x$', value: 'class-of-bytes' },
      { key: '^h/.$', value: 'one-byte' },
      { key: '^h/..$', value: 'two-bytes' },
      { key: routeRegexp('hé.test', '/ü', false), value: 'route' },
      { key: routeRegexp('x.wild.test', '', true), value: 'wild' },
    ];
    // Raw bytes on the wire (UTF-8 text and lone bytes); lookup() gets them as latin1 strings,
    // the way Node.js decodes header values.
    const B = (...parts: (string | number[])[]): Buffer =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
    const wire: [Buffer, Buffer][] = [
      [B('h'), B('/é')],
      [B('h'), B('/é', [0xa9])],
      [B('h'), B('/', [0xc3], 'x')],
      [B('h'), B('/', [0xa9], 'x')],
      [B('h'), B('/ö')],
      [B('h'), B('/', [0xff])],
      [B('hé.test'), B('/ü/a')],
      [B('hé.test.:80'), B('/ü')],
      [B('ü.wild.test'), B('/')],
      [B('a.ü.wild.test'), B('/')],
    ];
    const dir = await makeTempDir('map-matcher-bytes-');
    const port = await freePort();
    let haproxy: RunningHaproxy | undefined;
    try {
      const mapPath = join(dir.path, 'reg.map');
      await writeFile(mapPath, formatMapFile(reg));
      haproxy = await startMapHaproxy(
        dir.path,
        port,
        [
          '  http-request set-header Host %[req.hdr(Host),lower]',
          `  http-request return status 200 content-type text/plain lf-string "%[base,map_reg(${mapPath},NONE)]"`,
        ],
        { timeout: '10s', acceptInvalid: true },
      );
      const map = compileMap(parseMapFile(formatMapFile(reg)).entries, {
        match: 'reg',
        inputEncoding: 'latin1',
      });
      let answered = 0;
      const seen: string[] = [];
      for (const [host, path] of wire) {
        const raw = await new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const sock = connect(port, '127.0.0.1', () => {
            sock.end(
              Buffer.concat([
                Buffer.from('GET '),
                path,
                Buffer.from(' HTTP/1.1\r\nHost: '),
                host,
                Buffer.from('\r\nConnection: close\r\n\r\n'),
              ]),
            );
          });
          sock.setTimeout(10_000, () => sock.destroy(new Error('timeout')));
          sock.on('data', (d: Buffer) => chunks.push(d));
          sock.on('end', () => resolve(Buffer.concat(chunks)));
          sock.on('error', reject);
        });
        const text = raw.toString('latin1');
        expect(text.startsWith('HTTP/1.1 200'), text).toBe(true);
        const theirs = text.slice(text.indexOf('\r\n\r\n') + 4);
        const ours = map.lookup(requestKey(host.toString('latin1'), path.toString('latin1'))) ?? 'NONE';
        expect({ host: host.toString('latin1'), path: path.toString('latin1'), ours }).toEqual({
          host: host.toString('latin1'),
          path: path.toString('latin1'),
          ours: theirs,
        });
        if (theirs !== 'NONE') answered++;
        seen.push(theirs);
      }
      expect(seen).toEqual([
        'e-acute',
        'last-byte-repeated',
        'class-of-bytes',
        'class-of-bytes',
        'two-bytes',
        'one-byte',
        'route',
        'route',
        'wild',
        'NONE',
      ]);
      expect(answered).toBe(9);
    } finally {
      await haproxy?.stop();
      await dir.cleanup();
    }
  }, 60_000);

  it('reads map files like HAProxy (comments, blanks, CR, values with spaces, no value)', async () => {
    const text = [
      '# a comment',
      ' #k indented hash is a key',
      '\tk1\tv1  w1 \t',
      'k2',
      'k3 v3\r',
      'k4\rignored',
      '   ',
      '',
      'k5 a\tb',
      'k1 duplicate',
      'k6  #notacomment',
    ].join('\n');
    const { entries, problems } = parseMapFile(text);
    expect(problems).toEqual([]);
    const map = compileMap(entries, { match: 'str' });
    const dir = await makeTempDir('map-matcher-parse-');
    const port = await freePort();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let haproxy: RunningHaproxy | undefined;
    try {
      const mapPath = join(dir.path, 'p.map');
      await writeFile(mapPath, text);
      haproxy = await startMapHaproxy(
        dir.path,
        port,
        [
          `  http-request return status 200 content-type text/plain lf-string "[%[req.hdr(x-k),map_str(${mapPath},NONE)]]"`,
        ],
        { timeout: '10s' },
      );
      const keys = ['#k', '#', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'a', 'ignored', '#notacomment'];
      const answers: Record<string, string> = {};
      for (const k of keys) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', headers: { 'x-k': k }, agent }, (res) => {
            let b = '';
            res.setEncoding('latin1');
            res.on('data', (d: string) => (b += d));
            res.on('end', () => resolve(b));
          });
          req.on('error', reject);
          req.end();
        });
        answers[k] = body;
        expect(body, k).toBe(`[${map.lookup(k) ?? 'NONE'}]`);
      }
      expect(answers).toMatchObject({
        '#k': '[indented hash is a key]',
        k1: '[v1  w1]',
        k2: '[]',
        k4: '[]',
        k5: '[a\tb]',
      });
    } finally {
      agent.destroy();
      await haproxy?.stop();
      await dir.cleanup();
    }
  }, 60_000);

  it('rejects an unbalanced regex on the same line as HAProxy', async () => {
    const dir = await makeTempDir('map-matcher-bad-');
    try {
      const text = `${routeRegexp('a.com', '', false)} a\n# comment\n^(unbalanced b\n`;
      const mapPath = join(dir.path, 'bad.map');
      await writeFile(mapPath, text);
      const cfg = await writeMapHaproxyConfig(
        dir.path,
        0,
        [
          `  http-request return status 200 content-type text/plain lf-string "%[base,map_reg(${mapPath},NONE)]"`,
        ],
        { timeout: '5s' },
      );
      const check = await checkHaproxyConfig(cfg);
      expect(check.ok).toBe(false);
      expect(check.output).toMatch(/line 3/);
      expect(() => compileMap(parseMapFile(text).entries, { match: 'reg' })).toThrow(
        expect.objectContaining({ code: 'ERR_MAP_MATCHER_INVALID_PATTERN', line: 3 }),
      );
    } finally {
      await dir.cleanup();
    }
  }, 60_000);
});
