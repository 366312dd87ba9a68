import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort, makeTempDir, pick, prng, type RunningHaproxy } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { compileMap, type CompiledMap, isMapMatcherError, requestKey } from '../src/index.ts';
import { startMapHaproxy } from './helpers.ts';

// Differential test of the PCRE2 → JavaScript translation: random regexes, each alone in its own
// map file, evaluated by HAProxy (map_reg) and by compileMap on the same random inputs.

const ATOMS = [
  'a',
  'b',
  'c',
  '/',
  '%',
  '-',
  '1',
  'A',
  '\\.',
  '.',
  '\\d',
  '\\w',
  '\\W',
  '\\s',
  '\\S',
  '\\x61',
  '\\/',
  '\\-',
];
const CLASSES = ['[a-c]', '[^a]', '[]a]', '[^]/]', '[a-]', '[\\d.]', '[\\w%]', '[.%-]', '[^\\s]', '[A-Z1]'];
const QUANTS = ['', '', '', '*', '+', '?', '{1,2}', '{2}', '{0,}', '*?', '+?', '??'];

function randomRegex(r: () => number, depth = 0): string {
  let out = '';
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = r();
    let atom: string;
    if (k < 0.55) atom = pick(r, ATOMS);
    else if (k < 0.75) atom = pick(r, CLASSES);
    else if (k < 0.9 && depth < 2) {
      const alt = r() < 0.4 ? `|${randomRegex(r, depth + 1)}` : '';
      atom = `${pick(r, ['(', '(?:'])}${randomRegex(r, depth + 1)}${alt})`;
    } else if (depth < 2) atom = `(?${pick(r, ['=', '!'])}${randomRegex(r, depth + 1)})`;
    else atom = pick(r, ATOMS);
    out += atom + (atom.startsWith('(?=') || atom.startsWith('(?!') ? '' : pick(r, QUANTS));
  }
  if (depth === 0) {
    if (r() < 0.4) out = `^h${out}`;
    if (r() < 0.4) out += '$';
  }
  return out;
}

const PATH_CHARS = ['a', 'b', 'c', '/', '%', '-', '1', 'A', '.', '_', 'aa', 'ab'];

describe('PCRE2 translation against HAProxy', () => {
  it('100 random regexes × 300 random inputs answer like HAProxy', async () => {
    const r = prng(777);
    const regexes: string[] = [];
    const maps: CompiledMap[] = [];
    while (regexes.length < 100) {
      const re = randomRegex(r);
      try {
        maps.push(compileMap([{ key: re, value: 'Y' }], { match: 'reg' }));
        regexes.push(re);
      } catch (e) {
        // A generated pattern the translator refuses is skipped here; refusals have their own tests.
        if (!isMapMatcherError(e)) throw e;
      }
    }
    const inputs: string[] = [];
    for (let i = 0; i < 300; i++) {
      let p = '/';
      const n = Math.floor(r() * 7);
      for (let j = 0; j < n; j++) p += pick(r, PATH_CHARS);
      inputs.push(p);
    }
    const dir = await makeTempDir('map-matcher-pcre-');
    const port = await freePort();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let haproxy: RunningHaproxy | undefined;
    try {
      const samples: string[] = [];
      for (const [i, re] of regexes.entries()) {
        const path = join(dir.path, `m${i}.map`);
        await writeFile(path, `${re} Y\n`);
        samples.push(`%[base,map_reg(${path},n)]`);
      }
      haproxy = await startMapHaproxy(
        dir.path,
        port,
        [`  http-request return status 200 content-type text/plain lf-string "${samples.join('')}"`],
        { timeout: '30s' },
      );
      const mismatches: string[] = [];
      let yes = 0;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < inputs.length) {
          const path = inputs[next++] as string;
          const body = await new Promise<string>((resolve, reject) => {
            const req = request({ host: '127.0.0.1', port, path, headers: { host: 'h' }, agent }, (res) => {
              let b = '';
              res.setEncoding('latin1');
              res.on('data', (d: string) => (b += d));
              res.on('end', () => resolve(b));
            });
            req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
            req.on('error', reject);
            req.end();
          });
          const input = requestKey('h', path);
          for (const [i, map] of maps.entries()) {
            const theirs = body[i] === 'Y';
            const ours = map.lookup(input) === 'Y';
            if (theirs) yes++;
            if (theirs !== ours)
              mismatches.push(`${regexes[i]} on ${JSON.stringify(input)}: haproxy ${theirs}, ours ${ours}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      expect(mismatches.slice(0, 20)).toEqual([]);
      // Both outcomes must be well represented for the comparison to mean something.
      expect(yes).toBeGreaterThan(3000);
      expect(yes).toBeLessThan(27_000);
    } finally {
      agent.destroy();
      await haproxy?.stop();
      await dir.cleanup();
    }
  }, 120_000);
});
