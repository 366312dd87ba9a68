/**
 * Reading Kubernetes manifests: multi-document YAML or JSON, `List` kinds, per-document errors.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { RouterObject } from './types.ts';

/** Kinds the router consumes; anything else is reported in `skipped`. */
export const ROUTER_KINDS: readonly string[] = ['Route', 'Service', 'EndpointSlice', 'Namespace', 'Secret'];

/** A problem or note about one document (or one item of a `List`). */
export interface ManifestDiagnostic {
  /** 0-based index of the document in the text. */
  readonly index: number;
  /** Index inside a `List`'s `items`, when the problem is about an item. */
  readonly item?: number;
  /** 1-based line where the document (or the error) starts. */
  readonly line: number;
  readonly kind?: string;
  /** `namespace/name` or `name`, when known. */
  readonly name?: string;
  /** The offending field, when there is one. */
  readonly field?: string;
  readonly message: string;
}

/** Result of {@link parseManifests}. */
export interface ParsedManifests {
  /** Objects of the router's kinds, in document order (List items expanded). */
  readonly objects: RouterObject[];
  /** Documents or items that could not be used. The others still load. */
  readonly errors: ManifestDiagnostic[];
  /** Objects of other kinds, skipped. */
  readonly skipped: ManifestDiagnostic[];
  /** Notes that did not prevent loading (a non-string annotation value converted, ...). */
  readonly warnings: ManifestDiagnostic[];
}

/** Options of {@link parseManifests}. */
export interface ParseManifestsOptions {
  /**
   * Namespace given to namespaced objects without one (what `kubectl apply` does).
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

function describe(o: Record<string, unknown>): { kind?: string; name?: string } {
  const out: { kind?: string; name?: string } = {};
  if (typeof o.kind === 'string') out.kind = o.kind;
  const m = o.metadata as Record<string, unknown> | undefined;
  if (m && typeof m.name === 'string')
    out.name = typeof m.namespace === 'string' ? `${m.namespace}/${m.name}` : m.name;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses manifests. Each YAML document (or a JSON document, or a JSON array) may hold one object or
 * a `List`; objects of the router's kinds are returned, others are skipped and reported, and a
 * document that fails to parse is reported with its index and line while the others still load.
 * Never throws.
 *
 * @param text - YAML or JSON text
 * @param options - default namespace
 * @returns objects, errors, skipped kinds and warnings
 * @example
 * const { objects, errors } = parseManifests(fs.readFileSync('routes.yaml', 'utf8'));
 * for (const e of errors) console.error(`document ${e.index} (line ${e.line}): ${e.message}`);
 */
export function parseManifests(text: string, options: ParseManifestsOptions = {}): ParsedManifests {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const objects: RouterObject[] = [];
  const errors: ManifestDiagnostic[] = [];
  const skipped: ManifestDiagnostic[] = [];
  const warnings: ManifestDiagnostic[] = [];
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, strict: false });
  const list = Array.isArray(docs) ? docs : [docs];

  list.forEach((doc, index) => {
    const start = doc.range?.[0] ?? 0;
    const docLine = lineCounter.linePos(start).line;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
      const msg = e.message.split('\n')[0]!;
      errors.push({ index, line, message: `YAML syntax error at line ${line}: ${msg}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ index, line: docLine, message: `cannot read document: ${(e as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return; // empty document
    const handle = (v: unknown, item: number | undefined): void => {
      const at = item === undefined ? {} : { item };
      if (!isObject(v)) {
        errors.push({
          index,
          ...at,
          line: docLine,
          message: `expected an object with apiVersion and kind, got ${Array.isArray(v) ? 'a list' : typeof v}`,
        });
        return;
      }
      const d = describe(v);
      if (typeof v.kind !== 'string' || v.kind === '') {
        errors.push({ index, ...at, line: docLine, ...d, field: 'kind', message: 'kind: Required value' });
        return;
      }
      if ((v.kind === 'List' || v.kind.endsWith('List')) && Array.isArray(v.items)) {
        if (item !== undefined) {
          errors.push({
            index,
            ...at,
            line: docLine,
            ...d,
            field: 'kind',
            message: 'a List inside a List is not supported',
          });
          return;
        }
        v.items.forEach((x, i) => {
          handle(x, i);
        });
        return;
      }
      if (!ROUTER_KINDS.includes(v.kind)) {
        skipped.push({
          index,
          ...at,
          line: docLine,
          ...d,
          message: `kind ${v.kind} is not used by the router; skipped`,
        });
        return;
      }
      const meta = v.metadata;
      if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
        errors.push({
          index,
          ...at,
          line: docLine,
          ...d,
          field: 'metadata.name',
          message: `${v.kind}: metadata.name: Required value`,
        });
        return;
      }
      if (v.kind !== 'Namespace' && (typeof meta.namespace !== 'string' || meta.namespace === '')) {
        meta.namespace = defaultNamespace;
      }
      for (const f of ['annotations', 'labels'] as const) {
        const m = meta[f];
        if (m === undefined || m === null) continue;
        if (!isObject(m)) {
          errors.push({
            index,
            ...at,
            line: docLine,
            ...describe(v),
            field: `metadata.${f}`,
            message: `metadata.${f}: expected a map of strings`,
          });
          return;
        }
        for (const [k, val] of Object.entries(m)) {
          if (typeof val !== 'string') {
            m[k] = val === null ? '' : String(val);
            warnings.push({
              index,
              ...at,
              line: docLine,
              ...describe(v),
              field: `metadata.${f}["${k}"]`,
              message: `value ${JSON.stringify(val)} is not a string; read as ${JSON.stringify(m[k])} (quote it in YAML)`,
            });
          }
        }
      }
      objects.push(v as unknown as RouterObject);
    };
    handle(value, undefined);
  });
  return { objects, errors, skipped, warnings };
}
