/**
 * Kubernetes label selectors in their text form (`ROUTE_LABELS`, `NAMESPACE_LABELS`):
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, terms joined by commas.
 */

/** A compiled label selector. */
export interface LabelSelector {
  /** The selector text as given. */
  readonly text: string;
  /** Does this set of labels match? An empty selector matches everything. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

const KEY = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?)';
const VALUE = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const EQ = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(\\s*(${VALUE}(?:\\s*,\\s*${VALUE})*)\\s*\\)$`);
const EXISTS = new RegExp(`^(!?)(${KEY})$`);

type Term = (labels: Readonly<Record<string, string>>) => boolean;

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
  return terms.map((t) => t.trim());
}

/**
 * Compiles a label selector.
 *
 * @param text - selector text; "" matches everything
 * @returns the selector, or the first malformed term
 * @example parseLabelSelector('shard=a,env!=test').ok // true
 */
export function parseLabelSelector(
  text: string,
): { ok: true; selector: LabelSelector } | { ok: false; error: string } {
  const terms: Term[] = [];
  if (text.trim() !== '') {
    for (const term of splitTerms(text)) {
      let m = EQ.exec(term);
      if (m) {
        const [, key, op, value] = m as unknown as [string, string, string, string];
        terms.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
        continue;
      }
      m = SET.exec(term);
      if (m) {
        const [, key, op, list] = m as unknown as [string, string, string, string];
        const values = new Set(list.split(',').map((v) => v.trim()));
        terms.push(
          op === 'in'
            ? (l) => l[key] !== undefined && values.has(l[key])
            : (l) => l[key] === undefined || !values.has(l[key]),
        );
        continue;
      }
      m = EXISTS.exec(term);
      if (m) {
        const [, not, key] = m as unknown as [string, string, string];
        terms.push(not ? (l) => l[key] === undefined : (l) => l[key] !== undefined);
        continue;
      }
      return {
        ok: false,
        error: `"${term}" is not a valid label selector term (expected k=v, k!=v, k in (a,b), k notin (a), k or !k)`,
      };
    }
  }
  return {
    ok: true,
    selector: {
      text,
      matches: (labels) => {
        const l = labels ?? {};
        return terms.every((t) => t(l));
      },
    },
  };
}
