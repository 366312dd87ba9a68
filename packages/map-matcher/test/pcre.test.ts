import { describe, expect, it } from 'vitest';
import { translatePcre } from '../src/internal/pcre.ts';

const js = (p: string): RegExp => new RegExp(translatePcre(p));

describe('PCRE2 → JavaScript translation', () => {
  it.each([
    { name: 'dot does not match LF', re: '^a.b$', yes: ['axb', 'a\rb'], no: ['a\nb'] },
    { name: '$ matches before a final LF', re: '^ab$', yes: ['ab', 'ab\n'], no: ['ab\n\n', 'abc'] },
    { name: '] first in a class is literal', re: '^[]a]+$', yes: [']a]'], no: ['b'] },
    { name: '] first in a negated class', re: '^[^]a]$', yes: ['b'], no: [']', 'a'] },
    {
      name: '\\s is ASCII whitespace only (incl. VT)',
      re: '^\\s$',
      yes: [' ', '\t', '\x0b', '\f'],
      no: ['\xa0', 'a'],
    },
    { name: '\\S', re: '^\\S$', yes: ['a', '\xa0'], no: [' '] },
    { name: '\\x with one hex digit', re: '^\\x4$', yes: ['\x04'], no: ['x4'] },
    { name: '\\x{..}', re: '^\\x{41}$', yes: ['A'], no: ['x'] },
    { name: '{ not a quantifier is literal', re: '^a{x}$', yes: ['a{x}'], no: ['a'] },
    { name: 'counted quantifier', re: '^a{2,3}$', yes: ['aa', 'aaa'], no: ['a', 'aaaa'] },
    { name: 'escaped punctuation', re: '^\\/\\-\\#$', yes: ['/-#'], no: [] },
    { name: 'class range and escapes', re: '^[a-c\\d_-]+$', yes: ['ab1-_'], no: ['d'] },
    { name: 'class with hyphen last', re: '^[a-]$', yes: ['a', '-'], no: ['b'] },
    { name: 'lookahead', re: '^a(?=b)', yes: ['ab'], no: ['ac'] },
    { name: 'comment group', re: '^a(?#note)b$', yes: ['ab'], no: [] },
    { name: 'lazy quantifier', re: '^a+?$', yes: ['aaa'], no: [''] },
    { name: 'bytes above 0x7f', re: '^\xc3\xa9$', yes: ['\xc3\xa9'], no: ['\xe9'] },
  ])('$name', ({ re, yes, no }) => {
    const r = js(re);
    for (const s of yes) expect(r.test(s), `${JSON.stringify(s)} should match`).toBe(true);
    for (const s of no) expect(r.test(s), `${JSON.stringify(s)} should not match`).toBe(false);
  });

  it.each([
    { name: 'unbalanced (', re: '^(a', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'unbalanced )', re: '^a)', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'unterminated class', re: '^[a', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'nothing to repeat', re: '*a', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'double quantifier', re: 'a{2}{3}', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'range out of order', re: '[z-a]', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'quantifier out of order', re: 'a{3,2}', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'trailing backslash', re: 'a\\', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'unknown escape', re: '\\y', code: 'ERR_MAP_MATCHER_INVALID_PATTERN' },
    { name: 'backreference', re: '(a)\\1', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'atomic group', re: '(?>a)', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'inline flag', re: '(?i)a', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'named group', re: '(?<n>a)', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'lookbehind', re: '(?<=a)b', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'possessive', re: 'a*+', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: '\\K', re: 'a\\Kb', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: '\\A anchor', re: '\\Aa', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'POSIX class', re: '[[:alpha:]]', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: '\\Q..\\E', re: '\\Qa.b\\E', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: 'verb', re: '(*UTF)a', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: '\\v (a class in PCRE2)', re: '\\v', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
    { name: '{,n} (version dependent)', re: 'a{,3}', code: 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN' },
  ])('rejects $name', ({ re, code }) => {
    expect(() => translatePcre(re)).toThrow(expect.objectContaining({ code }));
  });
});
