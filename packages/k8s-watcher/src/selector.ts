import { K8sWatcherError } from './errors.ts';

const KEY = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const TERM = new RegExp(
  `^(!?${KEY}|${KEY}\\s*(=|==|!=)\\s*${VALUE}|${KEY}\\s+(in|notin)\\s*\\(\\s*${VALUE}(\\s*,\\s*${VALUE})*\\s*\\))$`,
);

/**
 * Checks a label selector's syntax (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`),
 * so a typo fails at start-up instead of as endless 400 answers.
 *
 * @param selector - the selector text
 * @param option - the option name, for the message
 * @throws K8sWatcherError `ERR_K8S_WATCHER_OPTIONS` when a term is malformed
 */
export function assertLabelSelector(selector: string, option: string): void {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  for (const raw of terms) {
    const term = raw.trim();
    if (term === '' && terms.length === 1) return;
    if (!TERM.test(term)) {
      throw new K8sWatcherError(
        'ERR_K8S_WATCHER_OPTIONS',
        `options.${option}: "${term}" is not a valid label selector term (expected k=v, k!=v, k in (a,b), k notin (a), k or !k)`,
      );
    }
  }
}
