// The spec stage: the zod schema of a cluster spec, its types, loading and errors.
export type * from './cluster-spec-schema';
export { clusterSpecSchema } from './cluster-spec-schema';
export { parseSpec } from './parse-spec';
export { loadSpecFile, parseSpecText } from './load-spec';
export { defineCluster } from './define-cluster';
export { SpecError, type SpecIssue } from './spec-error';
export { clusterSpecJsonSchema, renderClusterSpecJsonSchema } from './cluster-spec-json-schema';
export { parseDurationHours, parseDurationSeconds } from './duration';
export { kubernetesMinor } from './kubernetes-version';
export { firstAddressOfCidr, formatUrlHost, isIpAddress, normalizeIpAddress, splitHostPort } from './network-address';
export { builtinNamespaces, parseSubjectReference } from './subject-reference';
