// HAProxy compiles map regexes without PCRE2_UTF, so they match bytes, not characters. Both the
// patterns and the inputs are turned into "byte strings" (one char per UTF-8 byte) before any
// JavaScript regex touches them; pure ASCII strings are already byte strings.
const NON_ASCII = /[^\x00-\x7f]/;

/** Returns `s` as a string with one char (0..255) per UTF-8 byte. */
export function toByteString(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}
