/**
 * The RBAC object shapes the evaluator reads: plain Kubernetes manifests (rbac.authorization.k8s.io/v1) as a YAML or
 * JSON parser returns them, so synthesized output and the apiserver's bootstrap policy can be fed in unchanged.
 */

/** One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  /** API groups the rule covers; `""` is the core group, `"*"` all groups. */
  apiGroups?: string[];
  /**
   * Resources, optionally with a subresource (`pods/log`; `*` then `/scale` means every resource's scale); `"*"` is
   * every resource and subresource.
   */
  resources?: string[];
  /** Verbs such as get, list, create; `"*"` is every verb. */
  verbs: string[];
  /** When non-empty, the rule applies only to requests naming one of these objects. */
  resourceNames?: string[];
  /** Non-resource paths (`/healthz`); a trailing `*` makes a prefix, a lone `"*"` matches every path. */
  nonResourceURLs?: string[];
}

/** A subject of a RoleBinding or ClusterRoleBinding. */
export interface RbacSubject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  /** ServiceAccount namespace; in a RoleBinding an empty one means the binding's own namespace. */
  namespace?: string;
  apiGroup?: string;
}

/** A label-selector requirement (`matchExpressions` entry) of a ClusterRole aggregation selector. */
export interface LabelSelectorRequirement {
  key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`; anything else makes the selector invalid, as in apimachinery. */
  operator: string;
  values?: string[];
}

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** The `aggregationRule` of an aggregated ClusterRole. */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

/** A reference from a binding to the role it grants. */
export interface RoleRef {
  apiGroup?: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

/** Object metadata as far as RBAC evaluation needs it. */
export interface RbacObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A Role, ClusterRole, RoleBinding or ClusterRoleBinding manifest. Objects of any other kind may be passed to
 * `RbacPolicy.fromObjects` and are ignored, so a whole synthesized manifest set can be handed over as-is.
 */
export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: RbacObjectMeta;
  /** Role rules; `null` in the bootstrap data for aggregated ClusterRoles, whose rules the controller fills in. */
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
  roleRef?: RoleRef;
  subjects?: RbacSubject[] | null;
}

/** The RBAC API group; objects whose apiVersion is in another group are not RBAC objects even if the kind matches. */
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';
