import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyPair, createCertificate, createCertificateAuthority } from '@switchyard/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TLSConfig, buildRoutingTable, sanitizePem, validateRoute } from '../src/index.ts';
import { route } from './helpers.ts';

const fixture = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures/tls', f), 'utf8');

let ca: KeyPair;
let otherCa: KeyPair;
let rsaCa: KeyPair;
let leaf: KeyPair;
let rsaLeaf: KeyPair;
let selfSigned: KeyPair;
let sha1Leaf: KeyPair;
let md5Leaf: KeyPair;
let sha1SelfSigned: KeyPair;
let sha1Intermediate: KeyPair;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: 'Route Model Test CA' });
  otherCa = await createCertificateAuthority({ commonName: 'Unrelated CA' });
  // MD5 and SHA1-RSA signatures need an RSA issuer (the testkit CA is EC).
  rsaCa = await createCertificate({ commonName: 'RSA Test CA', isCa: true, keyType: 'rsa', altNames: [] });
  [leaf, rsaLeaf, selfSigned, sha1Leaf, md5Leaf, sha1SelfSigned, sha1Intermediate] = await Promise.all([
    createCertificate({ commonName: 'www.example.test', ca }),
    createCertificate({ commonName: 'rsa.example.test', ca, keyType: 'rsa' }),
    createCertificate({ commonName: 'self.example.test' }),
    createCertificate({
      commonName: 'sha1.example.test',
      ca: rsaCa,
      signatureAlgorithm: 'sha1',
      keyType: 'rsa',
    }),
    createCertificate({
      commonName: 'md5.example.test',
      ca: rsaCa,
      signatureAlgorithm: 'md5',
      keyType: 'rsa',
    }),
    createCertificate({ commonName: 'sha1-self.example.test', signatureAlgorithm: 'sha1', keyType: 'rsa' }),
    createCertificate({
      commonName: 'SHA1 Intermediate',
      ca: rsaCa,
      signatureAlgorithm: 'sha1',
      keyType: 'rsa',
      isCa: true,
    }),
  ]);
}, 60_000);

function edge(tls: Partial<TLSConfig>, termination: TLSConfig['termination'] = 'edge') {
  return route('ns', 'r', { host: 'www.example.test', tls: { termination, ...tls } });
}

function issues(tls: Partial<TLSConfig>, termination: TLSConfig['termination'] = 'edge') {
  return validateRoute(edge(tls, termination)).issues.map((i) => [i.field, i.message]);
}

describe('extended TLS validation (validation_test, extended_validator_test)', () => {
  it('accepts a CA-signed certificate with its key and CA, and sanitises the PEM', () => {
    const r = validateRoute(
      edge({
        certificate: `junk before\n${leaf.cert}\ntrailing junk`,
        key: leaf.key,
        caCertificate: ca.cert,
      }),
    );
    expect(r.issues).toEqual([]);
    expect(r.tls?.certificate).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/,
    );
    expect(r.tls?.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(r.tls?.caCertificate).toContain('BEGIN CERTIFICATE');
  });

  it('re-encodes an RSA key as PKCS#1', () => {
    const r = validateRoute(edge({ certificate: rsaLeaf.cert, key: rsaLeaf.key }));
    expect(r.issues).toEqual([]);
    expect(r.tls?.key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  it('accepts a self-signed certificate without a CA', () => {
    expect(issues({ certificate: selfSigned.cert, key: selfSigned.key })).toEqual([]);
  });

  it.each([
    ['key after the certificate', () => `${leaf.cert}${leaf.key}`],
    ['key before the certificate', () => `${leaf.key}${leaf.cert}`],
  ])('splits a private key out of the certificate field (%s)', (_n, pem) => {
    const r = validateRoute(edge({ certificate: pem(), caCertificate: ca.cert }));
    expect(r.issues).toEqual([]);
    expect(r.tls?.certificate).not.toContain('PRIVATE KEY');
    expect(r.tls?.key).toContain('PRIVATE KEY');
  });

  it('accepts an expired certificate (x509.Expired is tolerated)', () => {
    expect(
      issues({
        certificate: fixture('expired.crt'),
        key: fixture('expired.key'),
        caCertificate: fixture('expired-ca.crt'),
      }),
    ).toEqual([]);
  });

  it('never checks the host name against the certificate', () => {
    const r = validateRoute(
      route('ns', 'r', {
        host: 'other.example.test',
        tls: { termination: 'edge', certificate: leaf.cert, key: leaf.key },
      }),
    );
    expect(r.issues).toEqual([]);
  });

  it.each<[string, () => Partial<TLSConfig>, string, RegExp]>([
    [
      'malformed certificate',
      () => ({ certificate: 'not a certificate', key: leaf.key }),
      'spec.tls.certificate',
      /data does not contain any valid RSA or ECDSA certificates/,
    ],
    [
      'PEM armour around bad DER',
      () => ({
        certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        key: leaf.key,
      }),
      'spec.tls.certificate',
      /failed to parse certificate/,
    ],
    ['missing key', () => ({ certificate: leaf.cert }), 'spec.tls.key', /no key specified/],
    [
      'key of another certificate',
      () => ({ certificate: leaf.cert, key: rsaLeaf.key }),
      'spec.tls.key',
      /private key does not match/,
    ],
    [
      'certificate not signed by the CA',
      () => ({ certificate: leaf.cert, key: leaf.key, caCertificate: otherCa.cert }),
      'spec.tls.certificate',
      /certificate signed by unknown authority/,
    ],
    [
      'SHA1 certificate signed by a CA',
      () => ({ certificate: sha1Leaf.cert, key: sha1Leaf.key }),
      'spec.tls.certificate',
      /insecure algorithm SHA1-RSA/,
    ],
    [
      'MD5 certificate signed by a CA',
      () => ({ certificate: md5Leaf.cert, key: md5Leaf.key }),
      'spec.tls.certificate',
      /insecure algorithm MD5-RSA/,
    ],
    [
      'SHA1 intermediate in the CA field',
      () => ({ caCertificate: sha1Intermediate.cert }),
      'spec.tls.caCertificate',
      /insecure algorithm SHA1-RSA/,
    ],
    [
      'garbage CA',
      () => ({ caCertificate: 'garbage' }),
      'spec.tls.caCertificate',
      /data does not contain any valid/,
    ],
    [
      'unknown PEM block in the CA field',
      () => ({ caCertificate: `${ca.cert}-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n` }),
      'spec.tls.caCertificate',
      /unsupported PEM block type "FOO"/,
    ],
  ])('rejects %s', (_n, tls, field, message) => {
    const found = issues(tls());
    expect(found.map(([f]) => f)).toContain(field);
    expect(found.find(([f]) => f === field)![1]).toMatch(message);
  });

  it('accepts a self-signed SHA1 certificate (only CA-signed SHA1/MD5 are rejected)', () => {
    expect(issues({ certificate: sha1SelfSigned.cert, key: sha1SelfSigned.key })).toEqual([]);
  });

  it.each<[string, () => Partial<TLSConfig>, boolean]>([
    ['a valid destination CA', () => ({ destinationCACertificate: ca.cert }), true],
    ['a SHA1-signed destination CA', () => ({ destinationCACertificate: sha1Intermediate.cert }), false],
    ['a malformed destination CA', () => ({ destinationCACertificate: 'nope' }), false],
  ])('reencrypt with %s', (_n, tls, ok) => {
    const r = validateRoute(edge(tls(), 'reencrypt'));
    expect(r.valid).toBe(ok);
    if (ok) expect(r.tls?.destinationCACertificate).toContain('BEGIN CERTIFICATE');
    else expect(r.issues[0]?.field).toBe('spec.tls.destinationCACertificate');
  });

  it.each<[string, TLSConfig, string]>([
    [
      'unknown termination',
      { termination: 'bogus' },
      'spec.tls.termination: Unsupported value: "bogus": supported values: "edge", "passthrough", "reencrypt"',
    ],
    [
      'passthrough with a certificate',
      { termination: 'passthrough', certificate: 'x' },
      'spec.tls.certificate: Invalid value: "redacted certificate data": passthrough termination does not support certificates',
    ],
    [
      'edge with a destination CA',
      { termination: 'edge', destinationCACertificate: 'x' },
      'spec.tls.destinationCACertificate: Invalid value: "redacted destination ca certificate data": edge termination does not support destination certificates',
    ],
    [
      'edge with both a certificate and an external certificate',
      { termination: 'edge', certificate: 'x', externalCertificate: { name: 'secret' } },
      'spec.tls.externalCertificate: Invalid value: "secret": cannot specify both tls.certificate and tls.externalCertificate',
    ],
    [
      'reencrypt with both a certificate and an external certificate',
      { termination: 'reencrypt', certificate: 'x', externalCertificate: { name: 'secret' } },
      'spec.tls.externalCertificate: Invalid value: "secret": cannot specify both tls.certificate and tls.externalCertificate',
    ],
    [
      'bad insecure policy',
      { termination: 'edge', insecureEdgeTerminationPolicy: 'Sometimes' },
      'spec.tls.insecureEdgeTerminationPolicy: Invalid value: "Sometimes": invalid value for InsecureEdgeTerminationPolicy option, acceptable values are None, Allow, Redirect, or empty',
    ],
  ])('field rules: %s', (_n, tls, message) => {
    const r = validateRoute(route('ns', 'r', { host: 'a.example.test', tls }));
    expect(r.issues.map((i) => i.message)).toEqual([message]);
    expect(r.issues[0]!.stage).toBe('tls');
  });

  it('with extendedValidation off, passes certificate contents through unchecked', () => {
    const r = validateRoute(edge({ certificate: 'not a certificate', key: 'nope' }), {
      extendedValidation: false,
    });
    expect(r.valid).toBe(true);
    expect(r.tls).toEqual({ certificate: 'not a certificate', key: 'nope' });
    const { statuses } = buildRoutingTable([edge({ certificate: 'not a certificate', key: 'nope' })], {
      extendedValidation: false,
    });
    expect(statuses.get('ns:r')?.admitted).toBe(true);
  });

  it('reports ExtendedValidationFailed with the aggregated field errors in the store', () => {
    const { statuses } = buildRoutingTable([edge({ certificate: 'bad', key: 'bad' })]);
    expect(statuses.get('ns:r')?.condition).toMatchObject({
      status: 'False',
      reason: 'ExtendedValidationFailed',
      message: expect.stringContaining('spec.tls.certificate: Invalid value: "redacted certificate data"'),
    });
  });
});

describe('sanitizePem', () => {
  it('drops EC PARAMETERS and junk, keeps certificates canonical', () => {
    const s = sanitizePem(
      `hello\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${leaf.cert}bye`,
    );
    expect(s).toEqual({ ok: true, pem: expect.stringMatching(/^-----BEGIN CERTIFICATE-----\n/) });
    if (s.ok) expect(s.pem.match(/BEGIN/g)).toHaveLength(1);
  });
});

describe('external certificates (RouteSecretManager)', () => {
  const extRoute = () =>
    route('ns', 'ext', {
      host: 'ext.example.test',
      tls: { termination: 'edge', externalCertificate: { name: 'my-cert' } },
    });
  const secret = (type: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret' as const,
    metadata: { name: 'my-cert', namespace: 'ns' },
    type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });

  it('reads tls.crt and tls.key from a kubernetes.io/tls secret, and follows its changes', async () => {
    const { createRouteStore } = await import('../src/index.ts');
    const store = createRouteStore();
    store.apply([{ type: 'upsert', object: extRoute() }]);
    expect(store.statuses.get('ns:ext')?.condition).toMatchObject({
      reason: 'ExternalCertificateValidationFailed',
      message: 'spec.tls.externalCertificate: Not found: "my-cert"',
    });
    store.apply([
      { type: 'upsert', object: secret('kubernetes.io/tls', { 'tls.crt': leaf.cert, 'tls.key': leaf.key }) },
    ]);
    expect(store.statuses.get('ns:ext')?.admitted).toBe(true);
    expect(store.table.routes.get('ns:ext')!.tls?.certificate).toContain('BEGIN CERTIFICATE');
    store.apply([
      { type: 'upsert', object: secret('Opaque', { 'tls.crt': leaf.cert, 'tls.key': leaf.key }) },
    ]);
    expect(store.statuses.get('ns:ext')?.condition.message).toMatch(
      /secret of type "kubernetes.io\/tls" required/,
    );
    store.apply([
      {
        type: 'upsert',
        object: secret('kubernetes.io/tls', { 'tls.crt': leaf.cert, 'tls.key': rsaLeaf.key }),
      },
    ]);
    expect(store.statuses.get('ns:ext')?.condition.reason).toBe('ExtendedValidationFailed');
    store.apply([{ type: 'delete', object: secret('kubernetes.io/tls', {}) }]);
    expect(store.statuses.get('ns:ext')?.condition.reason).toBe('ExternalCertificateValidationFailed');
    expect(store.table.routes.has('ns:ext')).toBe(false);
  });
});
