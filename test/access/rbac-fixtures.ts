import { type Decision, type RbacPolicy } from '../../src/access';
import { type AuthenticatedIdentity } from '../../src/access/authenticated-identity';
import { parseAccessRequest } from '../../src/access/access-request';
import { type PolicyRule, type RbacObject, type RbacSubject } from '../../src/plan/rbac-objects';

// Builders for the RBAC manifests the tests feed to RbacPolicy, and a `kubectl auth can-i` shorthand.

export const V1 = 'rbac.authorization.k8s.io/v1';

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): RbacObject {
  return { apiVersion: V1, kind: 'ClusterRole', metadata: { name, labels }, rules };
}
export function role(namespace: string, name: string, rules: PolicyRule[]): RbacObject {
  return { apiVersion: V1, kind: 'Role', metadata: { name, namespace }, rules };
}
export function clusterRoleBinding(
  name: string,
  roleName: string,
  subjects: RbacSubject[],
  kind: 'Role' | 'ClusterRole' = 'ClusterRole',
): RbacObject {
  return {
    apiVersion: V1,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
    subjects,
  };
}
export function roleBinding(
  namespace: string,
  name: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  subjects: RbacSubject[],
): RbacObject {
  return {
    apiVersion: V1,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}
export const userSubject = (name: string): RbacSubject => ({
  kind: 'User',
  name,
  apiGroup: 'rbac.authorization.k8s.io',
});
export const groupSubject = (name: string): RbacSubject => ({
  kind: 'Group',
  name,
  apiGroup: 'rbac.authorization.k8s.io',
});

/** `kubectl auth can-i VERB TARGET [-n NAMESPACE]` against the policy. */
export function can(
  policy: RbacPolicy,
  identity: AuthenticatedIdentity,
  verb: string,
  target: string,
  opts?: { namespace?: string; name?: string },
): Decision {
  return policy.authorize(identity, parseAccessRequest(verb, target, opts));
}
