import clusterRoleBindingsList from './bootstrap/cluster-role-bindings.json';
import clusterRolesList from './bootstrap/cluster-roles.json';
import namespaceRoleBindingsList from './bootstrap/namespace-role-bindings.json';
import namespaceRolesList from './bootstrap/namespace-roles.json';
import { type RbacObject } from '../plan';

// The JSON modules are Kubernetes `kind: List` documents; imported (not read from disk) so tsc copies them to dist
// and the evaluator works from any working directory and in bundles.
interface KubernetesList {
  items: unknown[];
}

/**
 * The RBAC objects kube-apiserver creates at start-up (Kubernetes' bootstrap policy, see bootstrap/README.md):
 * ClusterRoles, ClusterRoleBindings, and the Roles and RoleBindings in kube-system and kube-public. Aggregated roles
 * (admin, edit, view) carry `rules: null` here; `RbacPolicy` fills them in. Returns a fresh array on every call, but
 * the objects are shared, so treat them as read-only.
 */
export function bootstrapPolicyObjects(): RbacObject[] {
  const lists: KubernetesList[] = [
    clusterRolesList,
    clusterRoleBindingsList,
    namespaceRolesList,
    namespaceRoleBindingsList,
  ];
  return lists.flatMap((list) => list.items as RbacObject[]);
}
