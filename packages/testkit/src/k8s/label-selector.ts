/** One requirement of a Kubernetes label selector. */
export type K8sLabelRequirement =
  | { readonly key: string; readonly op: '=' | '!='; readonly value: string }
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | '!exists' };

/** A parsed label selector: every requirement must hold (an empty list matches everything). */
export type K8sLabelSelector = readonly K8sLabelRequirement[];

/** Thrown by {@link parseLabelSelector} for a selector the API server would reject with 400. */
export class K8sLabelSelectorSyntaxError extends Error {
  override readonly name = 'K8sLabelSelectorSyntaxError';
}

/** Splits on commas that are not inside parentheses (`a in (x,y),b` has two terms). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/**
 * Parses the `labelSelector` query syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x,y)`, `a` (exists) and `!a` (does not exist), joined by commas.
 *
 * @param text - the selector, possibly empty
 * @returns the requirements
 * @throws K8sLabelSelectorSyntaxError when a term cannot be parsed
 */
export function parseLabelSelector(text: string | undefined | null): K8sLabelSelector {
  if (!text) return [];
  const out: K8sLabelRequirement[] = [];
  for (const term of splitTerms(text)) {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (setMatch) {
      const key = setMatch[1] as string;
      checkKey(key, term);
      const values = (setMatch[3] as string)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      out.push({ key, op: setMatch[2] as 'in' | 'notin', values });
      continue;
    }
    const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eqMatch) {
      const key = eqMatch[1] as string;
      checkKey(key, term);
      out.push({ key, op: eqMatch[2] === '!=' ? '!=' : '=', value: eqMatch[3] as string });
      continue;
    }
    if (term.startsWith('!')) {
      const key = term.slice(1).trim();
      checkKey(key, term);
      out.push({ key, op: '!exists' });
      continue;
    }
    checkKey(term, term);
    out.push({ key: term, op: 'exists' });
  }
  return out;
}

function checkKey(key: string, term: string): void {
  if (!KEY.test(key)) {
    throw new K8sLabelSelectorSyntaxError(
      `unable to parse requirement: invalid label key "${key}" in "${term}"`,
    );
  }
}

/**
 * Whether a label set satisfies a parsed selector (Kubernetes semantics: `!=` and `notin`
 * match objects that lack the key).
 *
 * @param selector - the parsed selector
 * @param labels - the object's `metadata.labels`
 * @returns true when every requirement holds
 */
export function matchesLabelSelector(
  selector: K8sLabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  for (const req of selector) {
    const has = Object.hasOwn(l, req.key);
    const v = l[req.key];
    switch (req.op) {
      case '=':
        if (!has || v !== req.value) return false;
        break;
      case '!=':
        if (has && v === req.value) return false;
        break;
      case 'in':
        if (!has || !req.values.includes(v as string)) return false;
        break;
      case 'notin':
        if (has && req.values.includes(v as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
    }
  }
  return true;
}
