/**
 * Route validation: the API server's rules (library-go `ValidateRoute`, which objects read from
 * files never went through), the router's host check, and its extended TLS validation.
 */
import type { Route, RouteHTTPHeader } from './types.ts';
import type { RouteTls } from './routing-table.ts';
import {
  type FieldError,
  duplicate,
  forbidden,
  invalid,
  notSupported,
  required,
  tooMany,
} from './internal/field-errors.ts';
import { validateTlsContent } from './tls.ts';

export type { FieldError } from './internal/field-errors.ts';

/** Which check found a problem; it decides the admission reason. */
export type ValidationStage =
  /** API-server rules: reason `InvalidRoute` (a Switchyard addition; see docs). */
  | 'api'
  /** Host name rules: reason `InvalidHost`. */
  | 'host'
  /** TLS rules and certificate contents: reason `ExtendedValidationFailed`. */
  | 'tls';

/** One problem found by {@link validateRoute}. */
export interface RouteValidationIssue extends FieldError {
  readonly stage: ValidationStage;
}

/** Options of {@link validateRoute}. */
export interface ValidateRouteOptions {
  /**
   * Run the router's extended validation of certificate contents (`EXTENDED_VALIDATION`).
   * @default true
   */
  readonly extendedValidation?: boolean;
  /**
   * Validate this host instead of `spec.host` (the store passes the rewritten host).
   * @default route.spec.host
   */
  readonly host?: string;
}

/** Result of {@link validateRoute}. */
export interface RouteValidationResult {
  /** No issue at all. */
  readonly valid: boolean;
  readonly issues: readonly RouteValidationIssue[];
  /**
   * The TLS material after sanitising (PEM re-encoded, key split out of the certificate field),
   * when the TLS checks passed and the route terminates TLS on the router.
   */
  readonly tls?: RouteTls;
}

const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/**
 * The router's host check (`ValidateHostName`, always strict): a DNS-1123 subdomain of at most
 * 253 characters whose every label is a DNS-1123 label of at most 63.
 *
 * @param host - the host after rewriting
 * @param field - the field path to report
 * @returns the problems (empty when valid)
 */
export function validateHostName(host: string, field = 'spec.host'): FieldError[] {
  const errs: FieldError[] = [];
  if (host.length > 253) errs.push(invalid(field, host, 'must be no more than 253 characters'));
  if (!DNS1123_SUBDOMAIN_RE.test(host)) errs.push(invalid(field, host, SUBDOMAIN_MSG));
  for (const label of host.split('.')) {
    if (label.length > 63) errs.push(invalid(field, label, 'must be no more than 63 characters'));
    if (!DNS1123_LABEL_RE.test(label)) errs.push(invalid(field, label, LABEL_MSG));
  }
  return errs;
}

const HEADER_NAME_RE = /^[-!#$%&'*+.0-9A-Z^_`a-z|~]+$/;
const FORBIDDEN_HEADERS = new Set(['strict-transport-security', 'proxy', 'cookie', 'set-cookie']);
function headerValueRe(kind: 'req' | 'res'): RegExp {
  // [^%[:cntrl:]]: neither % nor an ASCII control character.
  return new RegExp(
    `^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:${kind}\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%\\x00-\\x1f\\x7f])+$`,
  );
}
const REQ_VALUE_RE = headerValueRe('req');
const RES_VALUE_RE = headerValueRe('res');

function validateHeaderActions(
  list: readonly RouteHTTPHeader[] | undefined,
  field: string,
  kind: 'req' | 'res',
  errs: FieldError[],
): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    errs.push(invalid(field, String(list), 'must be a list'));
    return;
  }
  if (list.length > 20) errs.push(tooMany(field, list.length, 20));
  const seen = new Set<string>();
  list.forEach((h, i) => {
    const f = `${field}[${i}]`;
    const name = h?.name;
    if (typeof name !== 'string' || name === '') {
      errs.push(required(`${f}.name`));
    } else {
      if (name.length > 255) errs.push(invalid(`${f}.name`, name, 'must be no more than 255 characters'));
      if (!HEADER_NAME_RE.test(name))
        errs.push(invalid(`${f}.name`, name, 'is not a valid HTTP header name'));
      if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
        errs.push(forbidden(`${f}.name`, `the header ${name} may not be modified via header actions`));
      }
      const lower = name.toLowerCase();
      if (seen.has(lower)) errs.push(duplicate(`${f}.name`, name));
      seen.add(lower);
    }
    const type = h?.action?.type;
    if (type === 'Set') {
      const value = h.action.set?.value;
      if (typeof value !== 'string' || value === '') {
        errs.push(required(`${f}.action.set.value`, 'required when type is Set'));
      } else {
        if (value.length > 16384)
          errs.push(invalid(`${f}.action.set.value`, value, 'must be no more than 16384 characters'));
        if (!(kind === 'req' ? REQ_VALUE_RE : RES_VALUE_RE).test(value)) {
          errs.push(
            invalid(
              `${f}.action.set.value`,
              value,
              `must be text without control characters, "%%" or a dynamic value such as %[${kind}.hdr(Name)]`,
            ),
          );
        }
      }
    } else if (type === 'Delete') {
      if (h.action.set !== undefined && h.action.set !== null) {
        errs.push(forbidden(`${f}.action.set`, 'only allowed when type is Set'));
      }
    } else {
      errs.push(notSupported(`${f}.action.type`, type ?? '', ['Set', 'Delete']));
    }
  });
}

function validateTarget(
  t: { kind?: string; name?: string; weight?: number | null } | undefined,
  field: string,
  errs: FieldError[],
): void {
  if (t === undefined || t === null || typeof t !== 'object') {
    errs.push(required(field));
    return;
  }
  if (t.kind !== undefined && t.kind !== '' && t.kind !== 'Service') {
    errs.push(notSupported(`${field}.kind`, t.kind, ['Service']));
  }
  if (typeof t.name !== 'string' || t.name === '') errs.push(required(`${field}.name`));
  if (t.weight !== undefined && t.weight !== null) {
    if (typeof t.weight !== 'number' || !Number.isInteger(t.weight) || t.weight < 0 || t.weight > 256) {
      errs.push(invalid(`${field}.weight`, t.weight, 'weight must be an integer between 0 and 256'));
    }
  }
}

/** The API server's rules that are not about the host or TLS (stage `api`). */
function validateApi(route: Route): FieldError[] {
  const errs: FieldError[] = [];
  const meta = route.metadata;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') errs.push(required('metadata.name'));
  if (!meta || typeof meta.namespace !== 'string' || meta.namespace === '')
    errs.push(required('metadata.namespace'));
  const spec = route.spec;
  if (!spec || typeof spec !== 'object') {
    errs.push(required('spec'));
    return errs;
  }
  if (spec.host !== undefined && typeof spec.host !== 'string')
    errs.push(invalid('spec.host', String(spec.host), 'must be a string'));
  if (typeof spec.subdomain === 'string' && spec.subdomain !== '') {
    if (spec.subdomain.length > 253)
      errs.push(invalid('spec.subdomain', spec.subdomain, 'must be no more than 253 characters'));
    for (const label of spec.subdomain.split('.')) {
      if (!DNS1123_LABEL_RE.test(label) || label.length > 63)
        errs.push(invalid('spec.subdomain', spec.subdomain, LABEL_MSG));
    }
  }
  const path = spec.path;
  if (path !== undefined && path !== '') {
    if (typeof path !== 'string') errs.push(invalid('spec.path', String(path), 'must be a string'));
    else {
      if (!path.startsWith('/')) errs.push(invalid('spec.path', path, 'path must begin with /'));
      if (path.includes('#') || path.includes(' ')) {
        errs.push(invalid('spec.path', path, 'path must not contain "#" or a space'));
      }
      if (spec.tls?.termination === 'passthrough') {
        errs.push(invalid('spec.path', path, 'passthrough termination does not support paths'));
      }
    }
  }
  validateTarget(spec.to, 'spec.to', errs);
  const alternates = spec.alternateBackends;
  if (alternates !== undefined && alternates !== null) {
    if (!Array.isArray(alternates))
      errs.push(invalid('spec.alternateBackends', String(alternates), 'must be a list'));
    else {
      if (alternates.length > 3) {
        errs.push(
          invalid(
            'spec.alternateBackends',
            `${alternates.length} items`,
            'cannot specify more than 3 alternate backends',
          ),
        );
      }
      alternates.forEach((a, i) => {
        validateTarget(a, `spec.alternateBackends[${i}]`, errs);
      });
    }
  }
  const port = spec.port;
  if (port !== undefined && port !== null) {
    const tp = port.targetPort;
    if (tp === 0 || tp === '' || tp === undefined || tp === null) errs.push(required('spec.port.targetPort'));
    else if (typeof tp !== 'number' && typeof tp !== 'string')
      errs.push(invalid('spec.port.targetPort', String(tp), 'must be an integer or a string'));
  }
  const wp = spec.wildcardPolicy;
  if (wp !== undefined && wp !== '' && wp !== 'None' && wp !== 'Subdomain') {
    errs.push(notSupported('spec.wildcardPolicy', wp, ['None', 'Subdomain']));
  }
  if (wp === 'Subdomain' && (typeof spec.host !== 'string' || spec.host === '')) {
    errs.push(required('spec.host', 'host name not specified for wildcard policy'));
  }
  const actions = spec.httpHeaders?.actions;
  if (actions) {
    if (
      spec.tls?.termination === 'passthrough' &&
      ((actions.request?.length ?? 0) > 0 || (actions.response?.length ?? 0) > 0)
    ) {
      errs.push(
        forbidden(
          'spec.httpHeaders.actions',
          'header actions are not permitted when tls termination is passthrough',
        ),
      );
    }
    validateHeaderActions(actions.request, 'spec.httpHeaders.actions.request', 'req', errs);
    validateHeaderActions(actions.response, 'spec.httpHeaders.actions.response', 'res', errs);
  }
  return errs;
}

const TERMINATIONS = ['edge', 'passthrough', 'reencrypt'] as const;

/** `validateTLS`: termination and field rules per termination (stage `tls`). */
function validateTlsFields(route: Route): FieldError[] {
  const errs: FieldError[] = [];
  const tls = route.spec?.tls;
  if (tls === undefined || tls === null) return errs;
  const term = tls.termination;
  if (!(TERMINATIONS as readonly string[]).includes(term)) {
    errs.push(notSupported('spec.tls.termination', term ?? '', TERMINATIONS));
    return errs;
  }
  const policy = tls.insecureEdgeTerminationPolicy ?? '';
  if (term === 'passthrough') {
    if (tls.certificate)
      errs.push(
        invalid(
          'spec.tls.certificate',
          'redacted certificate data',
          'passthrough termination does not support certificates',
        ),
      );
    if (tls.key)
      errs.push(
        invalid('spec.tls.key', 'redacted key data', 'passthrough termination does not support certificates'),
      );
    if (tls.caCertificate)
      errs.push(
        invalid(
          'spec.tls.caCertificate',
          'redacted ca certificate data',
          'passthrough termination does not support certificates',
        ),
      );
    if (tls.destinationCACertificate) {
      errs.push(
        invalid(
          'spec.tls.destinationCACertificate',
          'redacted destination ca certificate data',
          'passthrough termination does not support certificates',
        ),
      );
    }
    if (policy !== '' && policy !== 'None' && policy !== 'Redirect') {
      errs.push(
        invalid(
          'spec.tls.insecureEdgeTerminationPolicy',
          policy,
          'only None, Redirect or empty are allowed for passthrough',
        ),
      );
    }
    if (tls.externalCertificate) {
      errs.push(
        invalid(
          'spec.tls.externalCertificate',
          tls.externalCertificate.name,
          'passthrough termination does not support certificates',
        ),
      );
    }
  } else {
    if (term === 'edge' && tls.destinationCACertificate) {
      errs.push(
        invalid(
          'spec.tls.destinationCACertificate',
          'redacted destination ca certificate data',
          'edge termination does not support destination certificates',
        ),
      );
    }
    if (policy !== '' && policy !== 'None' && policy !== 'Allow' && policy !== 'Redirect') {
      errs.push(
        notSupported('spec.tls.insecureEdgeTerminationPolicy', policy, ['Allow', 'None', 'Redirect']),
      );
    }
  }
  if (tls.certificate && tls.externalCertificate) {
    errs.push(
      invalid(
        'spec.tls.externalCertificate',
        tls.externalCertificate.name,
        'cannot be specified together with spec.tls.certificate',
      ),
    );
  }
  return errs;
}

/**
 * Validates a route as the API server and the router would: API rules (stage `api`), the host
 * (stage `host`), TLS field rules and, when `extendedValidation` is on, certificate contents
 * (stage `tls`: PEM parsing, key matches certificate, CA-signed SHA1/MD5 rejected).
 *
 * Never throws; every problem is an issue naming the field.
 *
 * @param route - the Route object (as from YAML or the API)
 * @param options - extended validation switch, host override
 * @returns `valid`, the issues, and the sanitised TLS material
 * @example
 * const r = validateRoute(route);
 * if (!r.valid) for (const i of r.issues) console.log(i.field, i.message);
 */
export function validateRoute(route: Route, options: ValidateRouteOptions = {}): RouteValidationResult {
  const issues: RouteValidationIssue[] = [];
  for (const e of validateApi(route)) issues.push({ ...e, stage: 'api' });
  const host = options.host ?? (typeof route.spec?.host === 'string' ? route.spec.host : '');
  if (host !== '') for (const e of validateHostName(host)) issues.push({ ...e, stage: 'host' });
  const tlsErrors = validateTlsFields(route);
  for (const e of tlsErrors) issues.push({ ...e, stage: 'tls' });
  let tls: RouteTls | undefined;
  const spec = route.spec?.tls;
  if (tlsErrors.length === 0 && spec && spec.termination !== 'passthrough') {
    if (options.extendedValidation === false) {
      tls = pickTls(spec);
    } else {
      const content = validateTlsContent(spec);
      for (const e of content.errors) issues.push({ ...e, stage: 'tls' });
      if (content.errors.length === 0) tls = content.tls;
    }
  }
  const result: { valid: boolean; issues: RouteValidationIssue[]; tls?: RouteTls } = {
    valid: issues.length === 0,
    issues,
  };
  if (tls !== undefined) result.tls = tls;
  return result;
}

function pickTls(spec: NonNullable<Route['spec']['tls']>): RouteTls {
  const out: { -readonly [K in keyof RouteTls]: RouteTls[K] } = {};
  if (spec.certificate) out.certificate = spec.certificate;
  if (spec.key) out.key = spec.key;
  if (spec.caCertificate) out.caCertificate = spec.caCertificate;
  if (spec.termination === 'reencrypt' && spec.destinationCACertificate) {
    out.destinationCACertificate = spec.destinationCACertificate;
  }
  return out;
}
