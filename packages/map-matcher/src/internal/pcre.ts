import { MapMatcherError } from '../errors.ts';

// Translates a PCRE2 10.x pattern, as HAProxy 2.6 compiles map_reg keys (no flags: no UTF, no
// caseless, no multiline, default newline LF), into a JavaScript RegExp source (no flags) with
// the same meaning on byte strings. Everything outside a known-equivalent subset is rejected:
// a silently different meaning would route traffic to the wrong backend.

const HEX = /^[0-9a-fA-F]$/;
// Escapes PCRE2 knows that have no exact JavaScript equivalent here.
const UNSUPPORTED_ESCAPES = new Set('ACEGHKLNPQRUVXZceghklopuvz'.split(''));
const S_CHARS = '\\t\\n\\x0b\\f\\r ';

function hex2(n: number): string {
  return `\\x${n.toString(16).padStart(2, '0')}`;
}

/** The JS source for one literal byte (0..255). */
function literal(code: number): string {
  if (code < 0x20 || code >= 0x7f) return hex2(code);
  const c = String.fromCharCode(code);
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

type Last = 'none' | 'atom' | 'quantified' | 'assertion';

interface Cursor {
  src: string;
  i: number;
}

function fail(
  code: 'ERR_MAP_MATCHER_INVALID_PATTERN' | 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN',
  why: string,
): never {
  throw new MapMatcherError(code, why);
}

/** Reads `\x..` after the `x`: PCRE takes 0 to 2 hex digits, or `{hhh}`. */
function readHexEscape(c: Cursor): number {
  const s = c.src;
  if (s[c.i] === '{') {
    const end = s.indexOf('}', c.i);
    const digits = end === -1 ? '' : s.slice(c.i + 1, end);
    if (end === -1 || !/^[0-9a-fA-F]+$/.test(digits))
      fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'malformed \\x{...} escape');
    const v = Number.parseInt(digits, 16);
    if (v > 0xff) fail('ERR_MAP_MATCHER_INVALID_PATTERN', `\\x{${digits}} is above 0xff in non-UTF mode`);
    c.i = end + 1;
    return v;
  }
  let digits = '';
  while (digits.length < 2 && c.i < s.length && HEX.test(s[c.i] as string)) digits += s[c.i++];
  return digits === '' ? 0 : Number.parseInt(digits, 16);
}

/**
 * Reads one escape (cursor after the backslash). Returns either a literal byte or a class
 * source (`cls`) such as `\d` or `[\t\n\x0b\f\r ]`, or an assertion.
 */
function readEscape(
  c: Cursor,
  inClass: boolean,
): { byte: number } | { cls: string; inner: string | undefined } | { assertion: string } {
  const s = c.src;
  if (c.i >= s.length) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'pattern ends with a backslash');
  const ch = s[c.i] as string;
  const code = ch.charCodeAt(0);
  c.i++;
  switch (ch) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return { cls: `\\${ch}`, inner: `\\${ch}` };
    case 's':
      return { cls: `[${S_CHARS}]`, inner: S_CHARS };
    case 'S':
      return { cls: `[^${S_CHARS}]`, inner: undefined };
    case 'b':
      // Inside a class \b is a backspace in both dialects.
      return inClass ? { byte: 8 } : { assertion: '\\b' };
    case 'B':
      if (inClass) fail('ERR_MAP_MATCHER_INVALID_PATTERN', '\\B is not allowed in a character class');
      return { assertion: '\\B' };
    case 't':
      return { byte: 9 };
    case 'n':
      return { byte: 10 };
    case 'r':
      return { byte: 13 };
    case 'f':
      return { byte: 12 };
    case 'a':
      return { byte: 7 };
    case 'e':
      return { byte: 0x1b };
    case 'x':
      return { byte: readHexEscape(c) };
    default:
      break;
  }
  if (code >= 0x30 && code <= 0x39) {
    fail('ERR_MAP_MATCHER_UNSUPPORTED_PATTERN', `backreference or octal escape \\${ch} is not supported`);
  }
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) {
    if (UNSUPPORTED_ESCAPES.has(ch))
      fail('ERR_MAP_MATCHER_UNSUPPORTED_PATTERN', `escape \\${ch} is not supported`);
    fail('ERR_MAP_MATCHER_INVALID_PATTERN', `unrecognized escape \\${ch}`);
  }
  // Any other escaped character stands for itself.
  return { byte: code };
}

function readClass(c: Cursor): string {
  const s = c.src;
  // c.i is just after '['.
  let out = '[';
  if (s[c.i] === '^') {
    out += '^';
    c.i++;
  }
  let first = true;
  // Each member: a single byte (can start or end a range) or a class escape.
  let prevByte: number | undefined;
  let pendingRange = false;
  for (;;) {
    if (c.i >= s.length)
      fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'missing terminating ] for a character class');
    const ch = s[c.i] as string;
    if (ch === ']' && !first) {
      c.i++;
      if (pendingRange) out += '\\-';
      return `${out}]`;
    }
    first = false;
    let member: { byte: number } | { inner: string | undefined };
    if (ch === '[' && /^\[[:.=]/.test(s.slice(c.i, c.i + 2)) && s.indexOf(`${s[c.i + 1]}]`, c.i + 2) !== -1) {
      fail(
        'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN',
        'POSIX character classes ([:name:], [.x.], [=x=]) are not supported',
      );
    }
    if (ch === '\\') {
      c.i++;
      const e = readEscape(c, true);
      if ('assertion' in e) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'assertion in a character class');
      member = 'byte' in e ? { byte: e.byte } : { inner: e.inner };
    } else if (ch === '-' && prevByte !== undefined && !pendingRange && s[c.i + 1] !== ']') {
      c.i++;
      pendingRange = true;
      continue;
    } else {
      c.i++;
      member = { byte: ch.charCodeAt(0) };
    }
    if ('byte' in member) {
      if (pendingRange) {
        if (member.byte < (prevByte as number)) {
          fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'range out of order in character class');
        }
        out += `-${literal(member.byte)}`;
        pendingRange = false;
        prevByte = undefined;
      } else {
        out += literal(member.byte);
        prevByte = member.byte;
      }
    } else {
      if (pendingRange || member.inner === undefined) {
        fail(
          'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN',
          'this class escape is not supported in a character class or range',
        );
      }
      out += member.inner;
      prevByte = undefined;
    }
  }
}

/**
 * Translates a PCRE2 pattern (a byte string) into an equivalent JavaScript RegExp source.
 *
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_PATTERN` for patterns PCRE2 rejects,
 *   `ERR_MAP_MATCHER_UNSUPPORTED_PATTERN` for PCRE2 features without an exact translation.
 */
export function translatePcre(pattern: string): string {
  const c: Cursor = { src: pattern, i: 0 };
  const s = pattern;
  let out = '';
  let last: Last = 'none';
  // Stack of open groups: whether each is a lookaround (its close yields an assertion).
  const groups: boolean[] = [];
  while (c.i < s.length) {
    const ch = s[c.i] as string;
    switch (ch) {
      case '\\': {
        c.i++;
        const e = readEscape(c, false);
        if ('byte' in e) {
          out += literal(e.byte);
          last = 'atom';
        } else if ('cls' in e) {
          out += e.cls;
          last = 'atom';
        } else {
          out += e.assertion;
          last = 'assertion';
        }
        break;
      }
      case '[':
        c.i++;
        out += readClass(c);
        last = 'atom';
        break;
      case '(': {
        c.i++;
        if (s[c.i] === '*')
          fail('ERR_MAP_MATCHER_UNSUPPORTED_PATTERN', 'backtracking verbs (*VERB) are not supported');
        if (s[c.i] === '?') {
          const kind = s.slice(c.i + 1, c.i + 2);
          if (kind === ':') {
            out += '(?:';
            groups.push(false);
            c.i += 2;
          } else if (kind === '=' || kind === '!') {
            out += `(?${kind}`;
            groups.push(true);
            c.i += 2;
          } else if (kind === '#') {
            const end = s.indexOf(')', c.i);
            if (end === -1) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'missing ) after (?# comment');
            c.i = end + 1;
            break;
          } else {
            fail(
              'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN',
              `group (?${kind}... is not supported (only (?:, (?= and (?! are)`,
            );
          }
        } else {
          out += '(';
          groups.push(false);
        }
        last = 'none';
        break;
      }
      case ')': {
        c.i++;
        const g = groups.pop();
        if (g === undefined) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'unmatched closing parenthesis');
        out += ')';
        last = g ? 'assertion' : 'atom';
        break;
      }
      case '|':
        c.i++;
        out += '|';
        last = 'none';
        break;
      case '*':
      case '+':
      case '?':
      case '{': {
        let q: string;
        if (ch === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(c.i, c.i + 24));
          if (m === null) {
            if (/^\{\s*,\s*\d+\s*\}/.test(s.slice(c.i, c.i + 24))) {
              fail(
                'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN',
                '{,n} quantifiers mean different things across PCRE2 versions',
              );
            }
            c.i++;
            out += '\\{';
            last = 'atom';
            break;
          }
          const min = Number(m[1]);
          const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
          if (min > 65535 || (max !== Number.POSITIVE_INFINITY && max > 65535)) {
            fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'number too big in {} quantifier');
          }
          if (max < min) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'numbers out of order in {} quantifier');
          q = m[0];
          c.i += m[0].length;
        } else {
          q = ch;
          c.i++;
        }
        if (last === 'none' || last === 'quantified') {
          fail('ERR_MAP_MATCHER_INVALID_PATTERN', `quantifier ${q} does not follow a repeatable item`);
        }
        if (last === 'assertion')
          fail('ERR_MAP_MATCHER_UNSUPPORTED_PATTERN', `quantified assertion (${q}) is not supported`);
        if (s[c.i] === '+')
          fail('ERR_MAP_MATCHER_UNSUPPORTED_PATTERN', 'possessive quantifiers are not supported');
        if (s[c.i] === '?') {
          q += '?';
          c.i++;
        }
        out += q;
        last = 'quantified';
        break;
      }
      case '.':
        c.i++;
        // PCRE's dot excludes only the newline (LF); JavaScript's also excludes CR, U+2028...
        out += '[^\\n]';
        last = 'atom';
        break;
      case '^':
        c.i++;
        out += '^';
        last = 'assertion';
        break;
      case '$':
        c.i++;
        // Without DOLLAR_ENDONLY, PCRE's $ also matches before a final newline.
        out += '(?=\\n?$)';
        last = 'assertion';
        break;
      default:
        c.i++;
        out += literal(ch.charCodeAt(0));
        last = 'atom';
        break;
    }
  }
  if (groups.length > 0) fail('ERR_MAP_MATCHER_INVALID_PATTERN', 'missing closing parenthesis');
  return out;
}
