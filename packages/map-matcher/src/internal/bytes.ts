// HAProxy compiles map regexes without PCRE2_UTF, so they match bytes, not characters. Both the
// patterns and the inputs are turned into "byte strings" (one char per UTF-8 byte) before any
// JavaScript regex touches them; pure ASCII strings are already byte strings.
const NON_ASCII = /[^\x00-\x7f]/;

/** Returns `s` as a string with one char (0..255) per UTF-8 byte. */
export function toByteString(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** How a lookup input string maps to the bytes HAProxy would see. */
export type InputEncoding = 'utf8' | 'latin1';

const ABOVE_LATIN1 = /[^\x00-\xff]/;

/**
 * The byte string for a lookup input: UTF-8 encoded (`'utf8'`), or taken as one byte per char
 * (`'latin1'`, how Node.js decodes header values) when every char fits in a byte.
 */
export function inputBytes(s: string, encoding: InputEncoding): string {
  if (encoding === 'latin1' && !ABOVE_LATIN1.test(s)) return s;
  return toByteString(s);
}
