export { type Coalescer, type CoalescerClock, type CoalescerOptions, createCoalescer } from './coalescer.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { EXIT_CODES, isRouterError, RouterError, type RouterErrorCode } from './errors.ts';
export { checkHaproxyBinary, type HaproxyBinaryInfo, MIN_HAPROXY_VERSION } from './haproxy-binary.ts';
export { createLogger, type LoggerOptions } from './logger.ts';
export {
  createManifestSource,
  type ManifestProblem,
  type ManifestSource,
  type ManifestSourceOptions,
  type ParsedManifests,
} from './manifest-source.ts';
export { createRouterMetrics, type RouterMetrics } from './metrics.ts';
export { type HealthCheck, type OpsServer, type OpsServerOptions, startOpsServer } from './ops-server.ts';
export {
  type BalanceName,
  type EngineName,
  type ForwardedHeadersName,
  formatHelp,
  type HaproxyLayout,
  type LoadSettingsInput,
  type LoadSettingsResult,
  type LogFormat,
  type LogLevel,
  loadSettings,
  type RouterSettings,
  SETTINGS,
  type SettingSpec,
} from './settings.ts';
