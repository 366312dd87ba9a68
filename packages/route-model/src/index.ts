export type * from './types.ts';
export type * from './routing-table.ts';
export { RouteModelError, isRouteModelError, type RouteModelErrorCode } from './errors.ts';
export { routeKey, routingKeyName, backendName, backendNamePrefix } from './naming.ts';
export { calculateServiceWeights, serviceUnitWeight, type ServiceWeightInput } from './weights.ts';
export {
  ANNOTATIONS,
  HAPROXY_MAX_TIMEOUT_MS,
  parseHaproxyTimeout,
  clipHaproxyTimeoutValue,
  parseIpAllowlist,
  matchPattern,
  sanitizeHeaderActions,
  parseRoutePolicies,
} from './annotations.ts';
export {
  SERVICE_NAME_LABEL,
  ipToBytes,
  isRestrictedAddress,
  resolveServiceEndpoints,
  filterServersByPort,
  type EndpointOptions,
} from './endpoints.ts';
export {
  validateRoute,
  validateHostName,
  routeShapeErrors,
  hasLoneSurrogate,
  type FieldError,
  type ValidationStage,
  type RouteValidationIssue,
  type ValidateRouteOptions,
  type RouteValidationResult,
} from './validation.ts';
export { validateTlsContent, sanitizePem, decodePem, encodePem, type PemBlock } from './tls.ts';
export {
  admitGroup,
  checkAdmissionFunction,
  compareRouteAge,
  routeLessThan,
  hostInDomainList,
  expandHostnameTemplate,
  rewriteRouteHost,
  type NamespaceOwnership,
  type RouteRejectionReason,
  type HostRewriteOptions,
  type AdmissionCandidate,
  type AdmissionDecision,
  type OwnershipOptions,
} from './admission.ts';
export {
  createRouteStore,
  buildRoutingTable,
  type RouteStore,
  type RouteStoreOptions,
  type RouteStoreChange,
  type IgnoredObject,
} from './store.ts';
export { diffRoutingTables, classifyEntryChange } from './diff.ts';
export { PersistentMap } from './persistent-map.ts';
export { parseLabelSelector, type LabelSelector } from './label-selector.ts';
export {
  parseManifests,
  ROUTER_KINDS,
  type ManifestDiagnostic,
  type ParsedManifests,
  type ParseManifestsOptions,
} from './manifests.ts';
