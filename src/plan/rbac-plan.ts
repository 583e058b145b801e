/** A Kubernetes object kubepki writes to rbac/: plain manifest data, rendered by cdk8s in outputs/. */
export interface RbacManifest {
  apiVersion: 'v1' | 'rbac.authorization.k8s.io/v1';
  kind: 'Namespace' | 'ServiceAccount' | 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }[];
  roleRef?: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role' | 'ClusterRole'; name: string };
  subjects?: { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string; apiGroup?: string }[];
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
