export { HaproxyRendererError, isHaproxyRendererError } from './errors.ts';
export type { HaproxyRendererErrorCode, HaproxyRendererErrorOptions } from './errors.ts';
export { CIPHER_PROFILES, resolveOptions, SYSLOG_FACILITIES, SYSLOG_LEVELS } from './options.ts';
export type {
  MapLayout,
  MutualTlsOptions,
  RenderOptions,
  RenderTimeouts,
  ResolvedOptions,
  SyslogOptions,
  TlsVersion,
} from './options.ts';
export { backendName, certificateHostName, renderHaproxyConfig } from './render.ts';
export type { RejectedRoute, RenderedBackend, RenderedServer, RenderResult } from './render.ts';
export { writeFileAtomic, writeRenderedFiles } from './files.ts';
export type { WritableRender, WriteFilesOptions, WriteFilesResult } from './files.ts';
export { HaproxyProcess, parseShowProc, validateHaproxyConfig } from './process.ts';
export type {
  HaproxyProcessOptions,
  HaproxyProcInfo,
  HaproxyWorker,
  ReloadOutcome,
  UpdateOutcome,
} from './process.ts';
export { planUpdate, RuntimeApi } from './runtime.ts';
export type { RuntimeApiOptions, RuntimeCommand, RuntimeResult, UpdatePlan } from './runtime.ts';
