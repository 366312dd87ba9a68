import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMapFile, isMapMatcherError, type MapEntry, parseMapFile } from '../src/index.ts';

describe('parseMapFile', () => {
  it.each([
    { name: 'key and value', text: 'k v\n', entries: [{ key: 'k', value: 'v', line: 1 }] },
    { name: 'no final newline', text: 'k v', entries: [{ key: 'k', value: 'v', line: 1 }] },
    { name: 'comment line', text: '# c\nk v\n', entries: [{ key: 'k', value: 'v', line: 2 }] },
    { name: 'blank lines', text: '\n  \n\t\nk v\n', entries: [{ key: 'k', value: 'v', line: 4 }] },
    { name: 'indented # is a key', text: ' #k v\n', entries: [{ key: '#k', value: 'v', line: 1 }] },
    {
      name: 'value with inner spaces',
      text: 'k a b  c \n',
      entries: [{ key: 'k', value: 'a b  c', line: 1 }],
    },
    { name: 'tabs as separators', text: '\tk\t\tv\t\n', entries: [{ key: 'k', value: 'v', line: 1 }] },
    { name: 'no value', text: 'k\n', entries: [{ key: 'k', value: '', line: 1 }] },
    {
      name: 'CRLF',
      text: 'k v\r\nk2 v2\r\n',
      entries: [
        { key: 'k', value: 'v', line: 1 },
        { key: 'k2', value: 'v2', line: 2 },
      ],
    },
    { name: 'CR ends the value', text: 'k va\rlue\n', entries: [{ key: 'k', value: 'va', line: 1 }] },
    { name: 'CR ends the key', text: 'k\rv\n', entries: [{ key: 'k', value: '', line: 1 }] },
    { name: 'line of only CR', text: '\r\nk v\n', entries: [{ key: 'k', value: 'v', line: 2 }] },
    {
      name: '# after the key is part of the value',
      text: 'k v # not a comment\n',
      entries: [{ key: 'k', value: 'v # not a comment', line: 1 }],
    },
  ])('$name', ({ text, entries }) => {
    const parsed = parseMapFile(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual(entries);
  });

  it.each([
    { name: 'NUL byte', bad: 'ab\0c v', code: 'ERR_MAP_MATCHER_INVALID_LINE' },
    { name: '100 KB line', bad: `^${'a'.repeat(100 * 1024)}$ v`, code: 'ERR_MAP_MATCHER_LINE_TOO_LONG' },
  ])('bad line ($name): reported with its line number, other lines kept', ({ bad, code }) => {
    const parsed = parseMapFile(`a 1\n${bad}\nb 2\n`);
    expect(parsed.entries.map((e) => [e.key, e.line])).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.line).toBe(2);
    expect(parsed.problems[0]?.code).toBe(code);
    expect(parsed.problems[0]?.message).toMatch(/line 2/);
  });

  it('a line of exactly maxLineBytes is accepted, one more byte is not', () => {
    const ok = `${'k'.repeat(16380)} v`;
    expect(Buffer.byteLength(ok)).toBe(16382);
    expect(parseMapFile(ok).entries).toHaveLength(1);
    expect(parseMapFile(`${ok}x`).problems[0]?.code).toBe('ERR_MAP_MATCHER_LINE_TOO_LONG');
  });

  it('counts UTF-8 bytes for the line limit', () => {
    const line = `k ${'é'.repeat(8200)}`; // 16 402 bytes, 8 202 code units
    expect(parseMapFile(line).problems[0]?.code).toBe('ERR_MAP_MATCHER_LINE_TOO_LONG');
  });

  it('rejects a non-string', () => {
    expect(() => parseMapFile(1 as unknown as string)).toThrow(/text must be a string/);
  });
});

describe('formatMapFile', () => {
  it('indents a key starting with # so it is not a comment', () => {
    const text = formatMapFile([{ key: '#a', value: 'v' }]);
    expect(text).toBe(' #a v\n');
    expect(parseMapFile(text).entries).toEqual([{ key: '#a', value: 'v', line: 1 }]);
  });

  it('writes key + " " + value lines', () => {
    expect(
      formatMapFile([
        { key: '^a$', value: 'be:ns:a' },
        { key: 'b', value: '' },
      ]),
    ).toBe('^a$ be:ns:a\nb\n');
  });

  it.each([
    { name: 'empty key', entry: { key: '', value: 'v' }, field: /entries\[0\]\.key/ },
    { name: 'space in key', entry: { key: 'a b', value: 'v' }, field: /entries\[0\]\.key/ },
    { name: 'NUL in key', entry: { key: 'a\0', value: 'v' }, field: /entries\[0\]\.key/ },
    { name: 'newline in value', entry: { key: 'a', value: 'v\nw' }, field: /entries\[0\]\.value/ },
    { name: 'value with trailing space', entry: { key: 'a', value: 'v ' }, field: /entries\[0\]\.value/ },
    { name: 'value not a string', entry: { key: 'a', value: 1 }, field: /entries\[0\]\.value/ },
  ])('rejects $name', ({ entry, field }) => {
    let caught: unknown;
    try {
      formatMapFile([entry as unknown as MapEntry]);
    } catch (e) {
      caught = e;
    }
    expect(isMapMatcherError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(field);
    expect((caught as { code: string }).code).toBe('ERR_MAP_MATCHER_INVALID_ENTRY');
  });

  it('round-trips through parseMapFile (property)', () => {
    const key = fc.stringMatching(/^[^ \t\r\n\0][^ \t\r\n\0]{0,20}$/);
    const value = fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^[^ \t\r\n\0]([^\r\n\0]{0,20}[^ \t\r\n\0])?$/),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ key, value }), { maxLength: 20 }), (entries) => {
        const parsed = parseMapFile(formatMapFile(entries));
        expect(parsed.problems).toEqual([]);
        expect(parsed.entries.map(({ key, value }) => ({ key, value }))).toEqual(entries);
      }),
      { numRuns: 500 },
    );
  });
});
