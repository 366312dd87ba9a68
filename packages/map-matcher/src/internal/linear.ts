import type { MapEntry } from '../map-file.ts';
import { toByteString } from './bytes.ts';
import { translatePcre } from './pcre.ts';

/**
 * The reference `map_reg`: every entry's regex tried in order until one matches, like HAProxy's
 * list. Used by tests and the benchmark to check and measure the index; not exported.
 */
export function createLinearMap(entries: readonly MapEntry[]): { lookup(input: string): string | undefined } {
  const compiled = entries.map((e) => ({
    re: new RegExp(translatePcre(toByteString(e.key))),
    value: e.value,
  }));
  return {
    lookup(input: string): string | undefined {
      const s = toByteString(input);
      for (const c of compiled) if (c.re.test(s)) return c.value;
      return undefined;
    },
  };
}
