export type { AccessLogEntry } from './access-log.ts';
export { isProxyRuntimeError, ProxyRuntimeError } from './errors.ts';
export type { ProxyRuntimeErrorCode } from './errors.ts';
export { DEFAULT_TIMEOUTS, parseErrorFile, parseHaproxyTime } from './options.ts';
export type {
  CertificateKeyPair,
  ErrorResponse,
  ProxyRuntimeOptions,
  ProxyRuntimeTimeouts,
  TlsVersion,
} from './options.ts';
export { createProxyRuntime } from './runtime.ts';
export type { ProxyRuntime, ProxyRuntimeAddresses, ProxyRuntimeCloseOptions } from './runtime.ts';
export { generateMapLines } from './internal/maps.ts';
export type { MapLine, RuntimeMapLines } from './internal/maps.ts';
