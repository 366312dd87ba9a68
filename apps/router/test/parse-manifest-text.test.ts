import { parseManifests } from '@switchyard/route-model';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseManifestText } from '../src/sources.ts';
import { route, service } from './helpers/objects.ts';

const docs = [service('a', 's'), route('a', 'r1', 'one.test', 's'), route('a', 'r2', 'two.test', 's')];
const text = docs.map((d) => stringify(d)).join('---\n');

describe('parseManifestText', () => {
  it('returns the same objects as parsing the whole file at once', () => {
    expect(parseManifestText(text).objects).toEqual(parseManifests(text).objects);
    expect(parseManifestText(`---\n${text}\n---\n`).objects).toEqual(parseManifests(text).objects);
  });

  it.each([
    [
      'a syntax error in the third document',
      `${text}---\nkind: Route\nmetadata: [oops\n`,
      true,
      /^line \d+: /,
    ],
    ['a document without kind', `${text}---\nmetadata:\n  name: x\n`, false, /kind/],
  ])('reports %s with its line in the whole file', (_name, input, fatal, pattern) => {
    const parsed = parseManifestText(input);
    expect(parsed.fatal).toBe(fatal);
    expect(parsed.objects).toHaveLength(3);
    expect(parsed.problems).toHaveLength(1);
    const problem = parsed.problems[0];
    expect(problem?.document).toBe(4);
    expect(problem?.message).toMatch(pattern);
    const line = Number(/^line (\d+)/.exec(problem?.message ?? '')?.[1]);
    const separator = input.split('\n').lastIndexOf('---') + 1; // 1-based line of the last ---
    expect(line).toBeGreaterThan(separator);
  });
});
