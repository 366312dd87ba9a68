export type {
  ClientHello,
  ClientHelloComplete,
  ClientHelloIncomplete,
  ClientHelloInvalid,
  ClientHelloNotTls,
  ClientHelloResult,
  InvalidClientHelloCode,
  ParseClientHelloOptions,
} from './client-hello.ts';
export { DEFAULT_MAX_BYTES, ECH_EXTENSION_TYPE, isGreaseValue, parseClientHello } from './client-hello.ts';
export type { SniParserErrorCode, SniParserErrorOptions } from './errors.ts';
export { isSniParserError, SniParserError } from './errors.ts';
export type { PeekClientHelloOptions, PeekClientHelloResult, PeekStopReason } from './peek.ts';
export { DEFAULT_PEEK_TIMEOUT_MS, peekClientHello } from './peek.ts';
