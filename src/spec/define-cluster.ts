import type { ClusterSpecInput } from './cluster-spec-schema';

/**
 * Types a cluster spec written in TypeScript (`export default defineCluster({...})`): editors complete and check it
 * exactly as they do the YAML form. Validation still happens in parseSpec, like for YAML.
 */
export function defineCluster(spec: ClusterSpecInput): ClusterSpecInput {
  return spec;
}
