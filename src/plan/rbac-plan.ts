import type { RbacObject, RoleRef } from './rbac-objects';

/**
 * A Kubernetes object kubepki writes to rbac/: an `RbacObject` (the shape the access evaluator reads) narrowed to the
 * kinds kubepki emits, rendered by cdk8s in outputs/.
 */
export interface RbacManifest extends RbacObject {
  apiVersion: 'v1' | 'rbac.authorization.k8s.io/v1';
  kind: 'Namespace' | 'ServiceAccount' | 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
  roleRef?: RoleRef & { apiGroup: 'rbac.authorization.k8s.io' };
  automountServiceAccountToken?: boolean;
}

/** One rbac/ file: a category of objects, in the order `kubectl apply -f rbac/` needs them. */
export interface RbacFilePlan {
  /** `rbac/10-namespaces.yaml` … */
  path: string;
  objects: RbacManifest[];
}

/** An identity kubepki issues or the spec declares, as the authorizer sees it. */
export interface IdentityPlan {
  /** `user:alice`, `user:kubernetes-admin`, `serviceAccount:ci/deployer`. */
  ref: string;
  user: string;
  /** Groups from the certificate's O (system:authenticated is added by the evaluator). */
  groups: string[];
  /** Where the credential comes from: a kubeconfig or certificate id, or `token` for service accounts. */
  source: string;
  kind: 'kubeadm' | 'user' | 'node' | 'component' | 'serviceAccount';
}

/** An access assertion from the spec, checked offline by the evaluator. */
export interface ExpectationPlan {
  /** `user:alice`, `group:dev-team`, `serviceAccount:ci/deployer`. */
  as: string;
  /** Absent: cluster-wide (cluster-scoped resources, non-resource URLs, ClusterRoleBindings only). */
  namespace?: string;
  /** Actions as `<verb> <resource>` (`get pods`, `create deployments.apps`, `get /healthz`) or `*`. */
  can: string[];
  cannot: string[];
}
