import { type ApplicableBinding, applicableBindings } from './applicable-bindings';
import { type AuthenticatedIdentity } from './authenticated-identity';
import { type RbacPolicy } from './rbac-policy';

/**
 * The bindings (and the roles and rules they grant) that apply to the identity in a namespace, in the order the
 * authorizer visits them: ClusterRoleBindings, then the namespace's RoleBindings. Without a namespace, only
 * ClusterRoleBindings — what applies to cluster-scoped and non-resource requests. Bindings to missing roles are
 * listed with `roleFound: false`. Does not reflect the system:masters or Node authorizer short-cuts; see `authorize`.
 */
export function explainAccess(
  policy: RbacPolicy,
  identity: AuthenticatedIdentity,
  namespace?: string,
): ApplicableBinding[] {
  return applicableBindings(policy, identity, namespace);
}
