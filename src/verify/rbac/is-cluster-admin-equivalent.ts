import { AuthenticatedIdentity } from './authenticated-identity';
import { RbacPolicy } from './rbac-policy';

/**
 * Whether the identity holds what the cluster-admin ClusterRole grants: verb `*` on every resource of every group
 * cluster-wide and on every non-resource URL, or membership of system:masters. Asking with literal `*` values means
 * only rules that themselves use `*` count, so a long list of explicit verbs or resources never qualifies.
 */
export function isClusterAdminEquivalent(policy: RbacPolicy, identity: AuthenticatedIdentity): boolean {
  const resources = policy.authorize(identity, { verb: '*', apiGroup: '*', resource: '*' });
  const paths = policy.authorize(identity, { verb: '*', nonResourceURL: '*' });
  return resources.allowed && paths.allowed;
}
