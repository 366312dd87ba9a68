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

/** Kubernetes `IsDNS1123Subdomain`: the problems, empty when valid. */
function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(SUBDOMAIN_MSG);
  return errs;
}

/** Kubernetes `IsDNS1123Label`: the problems, empty when valid. */
function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL_RE.test(value)) errs.push(LABEL_MSG);
  return errs;
}

/** Kubernetes `IsFullyQualifiedDomainName`: at most one error. */
function fullyQualifiedDomainName(field: string, host: string): FieldError | undefined {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const sub = dns1123Subdomain(name);
  if (sub.length > 0) return invalid(field, name, sub.join(','));
  const labels = name.split('.');
  if (labels.length < 2)
    return invalid(field, name, 'should be a domain with at least two segments separated by dots');
  for (const label of labels) {
    const errs = dns1123Label(label);
    if (errs.length > 0) return invalid(field, label, errs.join(','));
  }
  return undefined;
}

/**
 * The router's host check (`ValidateHostName` → library-go `ValidateHost` in strict mode, which
 * ignores the `allow-non-dns-compliant-host` annotation): a fully qualified DNS name of at least
 * two labels, each a DNS-1123 label of at most 63 characters, at most 253 in all, a trailing dot
 * allowed.
 *
 * @param host - the host after rewriting
 * @param field - the field path to report
 * @returns the problems (empty when valid; at most one)
 * @example validateHostName('org') // one error: at least two segments
 */
export function validateHostName(host: string, field = 'spec.host'): FieldError[] {
  const inner = fullyQualifiedDomainName(field, host);
  if (inner === undefined) return [];
  return [invalid(field, host, `host must conform to DNS 1123 naming conventions: [${inner.message}]`)];
}

const HEADER_NAME_RE = /^[-!#$%&'*+.0-9A-Z^_`a-z|~]+$/;
const FORBIDDEN_HEADERS = ['strict-transport-security', 'proxy', 'cookie', 'set-cookie'];
const FORBIDDEN_HEADERS_MSG = `the following headers may not be modified using this API: ${FORBIDDEN_HEADERS.join(', ')}`;
const HEADER_NAME_MSG = 'name must be a valid HTTP header name as defined in RFC 2616 section 4.2';
function headerValueRe(kind: 'req' | 'res'): RegExp {
  // [^%[:cntrl:]]: neither % nor an ASCII control character.
  return new RegExp(
    `^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:${kind}\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%\\x00-\\x1f\\x7f])+$`,
  );
}
const REQ_VALUE_RE = headerValueRe('req');
const RES_VALUE_RE = headerValueRe('res');
function headerValueMsg(kind: 'req' | 'res'): string {
  return `Either header value provided is not in correct format or the converter specified is not allowed. The dynamic header value  may use HAProxy's %[] syntax and otherwise must be a valid HTTP header value as defined in https://datatracker.ietf.org/doc/html/rfc7230#section-3.2 Sample fetchers allowed are ${kind}.hdr, ssl_c_der. Converters allowed are lower, base64.`;
}

/** library-go `validateHeaders`. */
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
  if (list.length > 20) {
    errs.push(
      invalid(
        field,
        `${list.length} items`,
        `${kind === 'req' ? 'request' : 'response'} headers list can't exceed 20 items`,
      ),
    );
    return;
  }
  const seen = new Set<string>();
  list.forEach((h, i) => {
    const f = `${field}[${i}]`;
    const name = typeof h?.name === 'string' ? h.name : '';
    if (seen.has(name)) errs.push(duplicate(`${f}.name`, name));
    seen.add(name);
    if (name.length === 0) errs.push(required(`${f}.name`));
    else if (name.length > 255)
      errs.push(invalid(`${f}.name`, name, 'name exceeds the maximum length, which is 255'));
    else if (FORBIDDEN_HEADERS.includes(name.toLowerCase()))
      errs.push(forbidden(`${f}.name`, FORBIDDEN_HEADERS_MSG));
    else if (!HEADER_NAME_RE.test(name)) errs.push(invalid(`${f}.name`, name, HEADER_NAME_MSG));
    const type = h?.action?.type;
    if (type !== 'Set' && type !== 'Delete')
      errs.push(invalid(`${f}.action.type`, type ?? '', 'type must be "Set" or "Delete"'));
    const set = h?.action?.set;
    const hasSet = set !== undefined && set !== null;
    if ((type === 'Set' && !hasSet) || (type !== 'Set' && hasSet)) {
      errs.push(required(`${f}.action.set`, 'set is required when type is Set, and forbidden otherwise'));
    }
    if (hasSet) {
      const value = typeof set.value === 'string' ? set.value : '';
      if (value.length === 0) errs.push(required(`${f}.action.set.value`));
      else if (value.length > 16384)
        errs.push(
          invalid(`${f}.action.set.value`, value, 'value exceeds the maximum length, which is 16384'),
        );
      else if (!(kind === 'req' ? REQ_VALUE_RE : RES_VALUE_RE).test(value)) {
        errs.push(invalid(`${f}.action.set.value`, value, headerValueMsg(kind)));
      }
    }
  });
}

function validateTarget(
  t: { kind?: string; name?: string; weight?: number | null } | undefined,
  field: string,
  errs: FieldError[],
): void {
  if (t === undefined || t === null || typeof t !== 'object') {
    errs.push(required(`${field}.name`));
    return;
  }
  if (typeof t.name !== 'string' || t.name === '') errs.push(required(`${field}.name`));
  // The API server defaults an empty kind to Service before validating.
  if (t.kind !== undefined && t.kind !== '' && t.kind !== 'Service') {
    errs.push(invalid(`${field}.kind`, t.kind, 'must reference a Service'));
  }
  if (t.weight !== undefined && t.weight !== null) {
    if (typeof t.weight !== 'number' || !Number.isInteger(t.weight) || t.weight < 0 || t.weight > 256) {
      errs.push(invalid(`${field}.weight`, t.weight, 'weight must be an integer between 0 and 256'));
    }
  }
}

/** The API server's rules that are not about the host or TLS (stage `api`), library-go's messages. */
function validateApi(route: Route): FieldError[] {
  const errs: FieldError[] = [];
  const meta = route.metadata;
  if (!meta || typeof meta.name !== 'string' || meta.name === '')
    errs.push(required('metadata.name', 'name or generateName is required'));
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
      const e = dns1123Label(label);
      if (e.length > 0) errs.push(invalid('spec.subdomain', label, e.join(', ')));
    }
  }
  const wp = spec.wildcardPolicy;
  if (wp !== undefined && wp !== '') {
    if (wp !== 'None' && wp !== 'Subdomain')
      errs.push(notSupported('spec.wildcardPolicy', wp, ['None', 'Subdomain']));
    else if (wp === 'Subdomain' && (typeof spec.host !== 'string' || spec.host === '')) {
      errs.push(invalid('spec.wildcardPolicy', wp, 'host name not specified for wildcard policy'));
    }
  }
  const actions = spec.httpHeaders?.actions;
  if (actions) {
    if (
      spec.tls?.termination === 'passthrough' &&
      ((actions.request?.length ?? 0) > 0 || (actions.response?.length ?? 0) > 0)
    ) {
      errs.push(
        invalid(
          'spec.tls.termination',
          'passthrough',
          'only edge and re-encrypt routes are supported for providing customized headers.',
        ),
      );
    }
    validateHeaderActions(actions.response, 'spec.httpHeaders.actions.response', 'res', errs);
    validateHeaderActions(actions.request, 'spec.httpHeaders.actions.request', 'req', errs);
  }
  const path = spec.path;
  if (path !== undefined && path !== '') {
    if (typeof path !== 'string') errs.push(invalid('spec.path', String(path), 'must be a string'));
    else {
      if (!path.startsWith('/')) errs.push(invalid('spec.path', path, 'path must begin with /'));
      // OCPBUGS-47773: a `#` or a space breaks the generated map files.
      if (path.includes('#') || path.includes(' '))
        errs.push(invalid('spec.path', path, 'path must not contain "#" or a space'));
      if (spec.tls?.termination === 'passthrough')
        errs.push(invalid('spec.path', path, 'passthrough termination does not support paths'));
    }
  }
  validateTarget(spec.to, 'spec.to', errs);
  const alternates = spec.alternateBackends;
  if (alternates !== undefined && alternates !== null) {
    if (!Array.isArray(alternates))
      errs.push(invalid('spec.alternateBackends', String(alternates), 'must be a list'));
    else {
      if (alternates.length > 3)
        errs.push(required('spec.alternateBackends', 'cannot specify more than 3 alternate backends'));
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
  return errs;
}

/** `{field}: Invalid value: must be {what}`: a field of the wrong JSON type (the value is not echoed). */
function wrongType(field: string, what: string): FieldError {
  return { field, message: `${field}: Invalid value: must be ${what}` };
}

// A UTF-16 surrogate that is not half of a pair: such text cannot be encoded as UTF-8, so HAProxy
// configuration (and the haproxy-renderer) cannot carry it.
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a string holds a lone UTF-16 surrogate (is not well-formed Unicode). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE_RE.test(text);
}

const isAbsent = (v: unknown): v is undefined | null => v === undefined || v === null;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An optional string field: a string (without lone surrogates when `text`) or absent. */
function checkString(v: unknown, field: string, errs: FieldError[], text = true): void {
  if (isAbsent(v)) return;
  if (typeof v !== 'string') errs.push(wrongType(field, 'a string'));
  else if (text && hasLoneSurrogate(v))
    errs.push(wrongType(field, 'valid Unicode (it holds a lone UTF-16 surrogate)'));
}

/** An optional `map[string]string` (labels, annotations). */
function checkStringMap(v: unknown, field: string, errs: FieldError[]): void {
  if (isAbsent(v)) return;
  if (!isRecord(v)) {
    errs.push(wrongType(field, 'a map of strings'));
    return;
  }
  for (const [k, value] of Object.entries(v)) {
    if (hasLoneSurrogate(k)) errs.push(wrongType(`${field}[${JSON.stringify(k)}]`, 'a valid Unicode key'));
    checkString(value, `${field}[${JSON.stringify(k)}]`, errs);
  }
}

function checkTargetShape(t: unknown, field: string, errs: FieldError[]): void {
  if (isAbsent(t)) return; // reported as a required name by the API rules
  if (!isRecord(t)) {
    errs.push(wrongType(field, 'an object'));
    return;
  }
  checkString(t.name, `${field}.name`, errs);
  checkString(t.kind, `${field}.kind`, errs);
  // weight: the API rules check it (any type) with library-go's message.
}

function checkHeaderListShape(list: unknown, field: string, errs: FieldError[]): void {
  if (isAbsent(list)) return;
  if (!Array.isArray(list)) {
    errs.push(invalid(field, String(list), 'must be a list'));
    return;
  }
  list.forEach((h: unknown, i) => {
    const f = `${field}[${i}]`;
    if (!isRecord(h)) {
      errs.push(wrongType(f, 'an object'));
      return;
    }
    checkString(h.name, `${f}.name`, errs);
    const action = h.action;
    if (isAbsent(action)) return;
    if (!isRecord(action)) {
      errs.push(wrongType(`${f}.action`, 'an object'));
      return;
    }
    checkString(action.type, `${f}.action.type`, errs);
    const set = action.set;
    if (isAbsent(set)) return;
    if (!isRecord(set)) errs.push(wrongType(`${f}.action.set`, 'an object'));
    else checkString(set.value, `${f}.action.set.value`, errs);
  });
}

/**
 * The JSON types of every Route field Switchyard reads, plus the checks that keep text
 * encodable (no lone surrogates) and timestamps meaningful. Objects from files never went
 * through the API server's schema, so `certificate: 12345` or `path: [a]` arrive as is; each
 * such field is reported by name and the route is rejected (`InvalidRoute`) before anything
 * else reads it.
 *
 * @param route - the Route object, possibly malformed
 * @returns the problems, empty when every read field has the expected type
 */
export function routeShapeErrors(route: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(route)) return [wrongType('route', 'an object')];
  const meta = route.metadata;
  if (!isRecord(meta)) {
    errs.push(wrongType('metadata', 'an object'));
  } else {
    checkString(meta.name, 'metadata.name', errs);
    checkString(meta.namespace, 'metadata.namespace', errs);
    checkString(meta.uid, 'metadata.uid', errs);
    checkStringMap(meta.labels, 'metadata.labels', errs);
    checkStringMap(meta.annotations, 'metadata.annotations', errs);
    const ts = meta.creationTimestamp;
    if (ts instanceof Date) {
      if (Number.isNaN(ts.getTime()))
        errs.push(invalid('metadata.creationTimestamp', 'Invalid Date', 'must be a valid timestamp'));
    } else if (!isAbsent(ts)) {
      if (typeof ts !== 'string')
        errs.push(wrongType('metadata.creationTimestamp', 'an RFC 3339 timestamp string'));
      else if (ts !== '' && Number.isNaN(Date.parse(ts)))
        errs.push(invalid('metadata.creationTimestamp', ts, 'must be an RFC 3339 timestamp'));
    }
  }
  const spec = route.spec;
  if (isAbsent(spec)) return errs; // reported as a required spec by the API rules
  if (!isRecord(spec)) {
    errs.push(wrongType('spec', 'an object'));
    return errs;
  }
  checkString(spec.host, 'spec.host', errs);
  checkString(spec.subdomain, 'spec.subdomain', errs);
  checkString(spec.path, 'spec.path', errs);
  checkString(spec.wildcardPolicy, 'spec.wildcardPolicy', errs);
  checkTargetShape(spec.to, 'spec.to', errs);
  const alternates = spec.alternateBackends;
  if (!isAbsent(alternates)) {
    if (!Array.isArray(alternates))
      errs.push(invalid('spec.alternateBackends', String(alternates), 'must be a list'));
    else
      for (const [i, a] of (alternates as unknown[]).entries())
        checkTargetShape(a, `spec.alternateBackends[${i}]`, errs);
  }
  const port = spec.port;
  if (!isAbsent(port)) {
    if (!isRecord(port)) errs.push(wrongType('spec.port', 'an object'));
    else if (
      !isAbsent(port.targetPort) &&
      typeof port.targetPort !== 'number' &&
      typeof port.targetPort !== 'string'
    )
      errs.push(wrongType('spec.port.targetPort', 'an integer or a string'));
    else if (typeof port.targetPort === 'string') checkString(port.targetPort, 'spec.port.targetPort', errs);
  }
  const tls = spec.tls;
  if (!isAbsent(tls)) {
    if (!isRecord(tls)) errs.push(wrongType('spec.tls', 'an object'));
    else {
      checkString(tls.termination, 'spec.tls.termination', errs);
      for (const f of ['certificate', 'key', 'caCertificate', 'destinationCACertificate'] as const)
        checkString(tls[f], `spec.tls.${f}`, errs, false);
      checkString(tls.insecureEdgeTerminationPolicy, 'spec.tls.insecureEdgeTerminationPolicy', errs);
      const ext = tls.externalCertificate;
      if (!isAbsent(ext)) {
        if (!isRecord(ext)) errs.push(wrongType('spec.tls.externalCertificate', 'an object with a name'));
        else if (typeof ext.name !== 'string')
          errs.push(wrongType('spec.tls.externalCertificate.name', 'a string'));
        else if (ext.name === '') errs.push(required('spec.tls.externalCertificate.name'));
        else checkString(ext.name, 'spec.tls.externalCertificate.name', errs);
      }
    }
  }
  const headers = spec.httpHeaders;
  if (!isAbsent(headers)) {
    if (!isRecord(headers)) errs.push(wrongType('spec.httpHeaders', 'an object'));
    else if (!isAbsent(headers.actions)) {
      const actions = headers.actions;
      if (!isRecord(actions)) errs.push(wrongType('spec.httpHeaders.actions', 'an object'));
      else {
        checkHeaderListShape(actions.request, 'spec.httpHeaders.actions.request', errs);
        checkHeaderListShape(actions.response, 'spec.httpHeaders.actions.response', errs);
      }
    }
  }
  return errs;
}

const TERMINATIONS = ['edge', 'passthrough', 'reencrypt'] as const;
const PASSTHROUGH_CERTS = 'passthrough termination does not support certificates';
const BOTH_CERTS = 'cannot specify both tls.certificate and tls.externalCertificate';

/** `validateTLS`: termination and field rules per termination (stage `tls`), library-go's messages. */
function validateTlsFields(route: Route): FieldError[] {
  const errs: FieldError[] = [];
  const tls = route.spec?.tls;
  if (tls === undefined || tls === null) return errs;
  const term = tls.termination;
  const ext = tls.externalCertificate?.name;
  switch (term) {
    case 'reencrypt':
      if (tls.certificate && ext) errs.push(invalid('spec.tls.externalCertificate', ext, BOTH_CERTS));
      break;
    case 'passthrough':
      if (tls.certificate)
        errs.push(invalid('spec.tls.certificate', 'redacted certificate data', PASSTHROUGH_CERTS));
      if (tls.key) errs.push(invalid('spec.tls.key', 'redacted key data', PASSTHROUGH_CERTS));
      if (ext) errs.push(invalid('spec.tls.externalCertificate', ext, PASSTHROUGH_CERTS));
      if (tls.caCertificate)
        errs.push(invalid('spec.tls.caCertificate', 'redacted ca certificate data', PASSTHROUGH_CERTS));
      if (tls.destinationCACertificate) {
        errs.push(
          invalid(
            'spec.tls.destinationCACertificate',
            'redacted destination ca certificate data',
            PASSTHROUGH_CERTS,
          ),
        );
      }
      break;
    case 'edge':
      if (tls.destinationCACertificate) {
        errs.push(
          invalid(
            'spec.tls.destinationCACertificate',
            'redacted destination ca certificate data',
            'edge termination does not support destination certificates',
          ),
        );
      }
      if (tls.certificate && ext) errs.push(invalid('spec.tls.externalCertificate', ext, BOTH_CERTS));
      break;
    default:
      errs.push(notSupported('spec.tls.termination', term ?? '', TERMINATIONS));
  }
  const policy = tls.insecureEdgeTerminationPolicy ?? '';
  if (policy !== '') {
    if (
      (term === 'edge' || term === 'reencrypt') &&
      policy !== 'None' &&
      policy !== 'Allow' &&
      policy !== 'Redirect'
    ) {
      errs.push(
        invalid(
          'spec.tls.insecureEdgeTerminationPolicy',
          policy,
          'invalid value for InsecureEdgeTerminationPolicy option, acceptable values are None, Allow, Redirect, or empty',
        ),
      );
    } else if (term === 'passthrough' && policy !== 'None' && policy !== 'Redirect') {
      errs.push(
        invalid(
          'spec.tls.insecureEdgeTerminationPolicy',
          policy,
          'invalid value for InsecureEdgeTerminationPolicy option, acceptable values are None, Redirect, or empty',
        ),
      );
    }
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
  const shape = routeShapeErrors(route);
  if (shape.length > 0) {
    // The other rules assume the JSON types; with a wrong type only the API rules run (they
    // check types themselves), merged with the type errors of the fields they did not report.
    let api: FieldError[] = [];
    try {
      api = validateApi(route);
    } catch {
      // Malformed past what the API rules expect: the type errors say why.
    }
    const typed = new Set(shape.map((e) => e.field));
    for (const e of api) if (!typed.has(e.field)) issues.push({ ...e, stage: 'api' });
    for (const e of shape) issues.push({ ...e, stage: 'api' });
    return { valid: false, issues };
  }
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
