export * from './certs.ts';
export * from './echo.ts';
export * from './haproxy.ts';
export * from './net.ts';
export * from './random.ts';
export * from './k8s-api-server.ts';
export * from './conformance.ts';
export * from './openssl.ts';
