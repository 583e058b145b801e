import { mastersGroup } from '../vocabulary';
import { type AccessRequest, isNonResourceRequest } from './access-request';
import { aggregateClusterRoles, type AggregationProblem } from './aggregate-cluster-roles';
import {
  type ApplicableBinding,
  applicableBindings,
  type BindingReference,
  type RbacObjectSource,
  type RoleReference,
} from './applicable-bindings';
import { type AuthenticatedIdentity } from './authenticated-identity';
import { bootstrapPolicyObjects } from './bootstrap-policy';
import { describeAccessRequest } from './describe-access-request';
import { formatPolicyRule } from './format-policy-rule';
import { kubeletNodeName } from './kubelet-node-name';
import { type PolicyRule, RBAC_API_GROUP, type RbacObject, type RbacSubject } from '../plan';
import { ruleAllows } from './rule-allows';

/** kube-apiserver's privileged group (user.SystemPrivilegedGroup), authorized for everything ahead of RBAC. */

/** The outcome of one authorization check, with what decided it. */
export interface Decision {
  allowed: boolean;
  /**
   * `system:masters`: the privileged-group authorizer allowed it. `rbac`: an RBAC rule allowed it. `node-authorizer`:
   * a kubelet identity, whose requests the Node authorizer decides (not modelled; `allowed` is RBAC's answer alone).
   * `no-rule`: no rule allows it (the apiserver then denies, RBAC being the last authorizer).
   */
  decidedBy: 'system:masters' | 'rbac' | 'node-authorizer' | 'no-rule';
  /** The binding whose rule allowed the request. */
  binding?: BindingReference;
  /** The role, via that binding, whose rule allowed the request. */
  role?: RoleReference;
  /** The binding subject that named the identity. */
  subject?: RbacSubject;
  /** The rule that allowed the request. */
  rule?: PolicyRule;
  /** One human sentence saying why. */
  reason: string;
}

/** Options of `RbacPolicy.fromObjects`. */
export interface RbacPolicyOptions {
  /** Add Kubernetes' bootstrap policy (as a fresh kube-apiserver creates it) before the given objects; default true. */
  includeBootstrap?: boolean;
}

// Kubernetes manifests without a namespace land in the client's current namespace, "default" unless configured.
const DEFAULT_NAMESPACE = 'default';

/**
 * An offline RBAC policy: the Roles, ClusterRoles and bindings of a cluster, answering SubjectAccessReview-style
 * questions with kube-apiserver's semantics and saying which binding and rule decided.
 */
export class RbacPolicy implements RbacObjectSource {
  private constructor(
    private readonly clusterRolesByName: ReadonlyMap<string, RbacObject>,
    private readonly rolesByKey: ReadonlyMap<string, RbacObject>,
    private readonly clusterRoleBindingList: readonly RbacObject[],
    private readonly roleBindingsByNamespace: ReadonlyMap<string, readonly RbacObject[]>,
    /** Aggregated ClusterRoles whose selectors could not be evaluated; they keep their declared rules. */
    readonly aggregationProblems: readonly AggregationProblem[],
  ) {}

  /**
   * Builds a policy from manifests. Objects that are not RBAC Roles/ClusterRoles/bindings are ignored; `kind: List`
   * documents are expanded. An object with the same kind, namespace and name as an earlier one (including a
   * bootstrap one) replaces it, as a later `kubectl apply` would. Aggregated ClusterRoles are resolved across all
   * ClusterRoles, bootstrap and given alike. The input objects are not modified.
   */
  static fromObjects(objects: readonly RbacObject[], opts: RbacPolicyOptions = {}): RbacPolicy {
    const all = [...(opts.includeBootstrap === false ? [] : bootstrapPolicyObjects()), ...flattenLists(objects)];
    const byKind = new Map<string, Map<string, RbacObject>>();
    for (const object of all) {
      if (!isRbacObject(object)) continue;
      checkObject(object);
      const namespaced = object.kind === 'Role' || object.kind === 'RoleBinding';
      const namespace = namespaced ? namespaceOf(object) : '';
      const normalized =
        namespaced && object.metadata.namespace !== namespace ? withNamespace(object, namespace) : object;
      const objectsOfKind = byKind.get(object.kind) ?? new Map<string, RbacObject>();
      byKind.set(object.kind, objectsOfKind);
      objectsOfKind.set(`${namespace}/${object.metadata.name}`, normalized);
    }
    const of = (kind: string): RbacObject[] => [...(byKind.get(kind)?.values() ?? [])];

    const { clusterRoles, problems } = aggregateClusterRoles(of('ClusterRole'));
    const roles = new Map(of('Role').map((role) => [`${namespaceOf(role)}/${role.metadata.name}`, role]));
    const roleBindings = new Map<string, RbacObject[]>();
    for (const binding of of('RoleBinding')) {
      const list = roleBindings.get(namespaceOf(binding)) ?? [];
      list.push(binding);
      roleBindings.set(namespaceOf(binding), list);
    }
    return new RbacPolicy(clusterRoles, roles, of('ClusterRoleBinding'), roleBindings, problems);
  }

  /** The ClusterRole by name, with aggregated rules resolved. */
  clusterRole(name: string): RbacObject | undefined {
    return this.clusterRolesByName.get(name);
  }

  /** The Role in a namespace. */
  role(namespace: string, name: string): RbacObject | undefined {
    return this.rolesByKey.get(`${namespace}/${name}`);
  }

  /** All ClusterRoles (aggregated rules resolved), bootstrap first, in input order. */
  clusterRoles(): RbacObject[] {
    return [...this.clusterRolesByName.values()];
  }

  /** All Roles, in input order. */
  roles(): RbacObject[] {
    return [...this.rolesByKey.values()];
  }

  /** All ClusterRoleBindings, in the order the authorizer visits them here (bootstrap first, then input order). */
  clusterRoleBindings(): readonly RbacObject[] {
    return this.clusterRoleBindingList;
  }

  /** The RoleBindings of one namespace, in input order. */
  roleBindings(namespace: string): readonly RbacObject[] {
    return this.roleBindingsByNamespace.get(namespace) ?? [];
  }

  /** Namespaces that hold at least one Role or RoleBinding. */
  namespaces(): string[] {
    const names = new Set<string>(this.roleBindingsByNamespace.keys());
    for (const role of this.rolesByKey.values()) names.add(namespaceOf(role));
    return [...names].sort();
  }

  /**
   * Decides the request as kube-apiserver with `--authorization-mode=Node,RBAC` would: the privileged group
   * `system:masters` first, then (reported, not modelled) the Node authorizer for kubelets, then RBAC, where the
   * first rule that allows the request decides.
   */
  authorize(identity: AuthenticatedIdentity, request: AccessRequest): Decision {
    const what = describeAccessRequest(request);
    if (identity.groups.includes(mastersGroup)) {
      return {
        allowed: true,
        decidedBy: 'system:masters',
        reason: `allowed: ${who(identity)} is in group "${mastersGroup}", kube-apiserver's privileged group, authorized for every request (here: ${what}) before RBAC is consulted`,
      };
    }

    const namespace = isNonResourceRequest(request) ? '' : (request.namespace ?? '');
    const bindings = applicableBindings(this, identity, namespace);
    const grant = firstGrant(bindings, request);
    const nodeName = kubeletNodeName(identity);

    if (nodeName !== undefined) {
      const rbacPart = grant === undefined ? 'RBAC alone does not allow it' : `RBAC alone ${allowedBy(grant)}`;
      return {
        allowed: grant !== undefined,
        decidedBy: 'node-authorizer',
        ...grantFields(grant),
        reason: `${who(identity)} is the kubelet of node "${nodeName}": kube-apiserver's Node authorizer and the NodeRestriction admission plugin decide its requests (scoped to objects bound to that node), which this offline evaluator does not model; for ${what}, ${rbacPart}`,
      };
    }
    if (grant !== undefined) {
      return { allowed: true, decidedBy: 'rbac', ...grantFields(grant), reason: allowedBy(grant) };
    }
    return { allowed: false, decidedBy: 'no-rule', reason: deniedReason(identity, what, namespace, bindings) };
  }
}

interface Grant {
  applied: ApplicableBinding;
  rule: PolicyRule;
}

function firstGrant(bindings: readonly ApplicableBinding[], request: AccessRequest): Grant | undefined {
  for (const applied of bindings) {
    const rule = applied.rules.find((candidate) => ruleAllows(request, candidate));
    if (rule !== undefined) return { applied, rule };
  }
  return undefined;
}

function grantFields(grant: Grant | undefined): Pick<Decision, 'binding' | 'role' | 'subject' | 'rule'> {
  if (grant === undefined) return {};
  return { binding: grant.applied.binding, role: grant.applied.role, subject: grant.applied.subject, rule: grant.rule };
}

function allowedBy({ applied, rule }: Grant): string {
  const where = applied.binding.namespace === undefined ? '' : ` in namespace "${applied.binding.namespace}"`;
  return `allowed by ${applied.binding.kind} "${applied.binding.name}"${where} → ${applied.role.kind} "${applied.role.name}" rule ${formatPolicyRule(rule)}`;
}

function deniedReason(
  identity: AuthenticatedIdentity,
  what: string,
  namespace: string,
  bindings: readonly ApplicableBinding[],
): string {
  const scope =
    namespace === '' ? 'ClusterRoleBindings' : `ClusterRoleBindings or RoleBindings in namespace "${namespace}"`;
  const missing = bindings.filter((applied) => !applied.roleFound);
  const note =
    missing.length === 0
      ? ''
      : `; ${missing.map((m) => `${m.binding.kind} "${m.binding.name}" refers to missing ${m.role.kind} "${m.role.name}"`).join(', ')}`;
  return `denied: no rule of the ${bindings.length} ${scope} naming ${who(identity)} allows ${what}${note}`;
}

function who(identity: AuthenticatedIdentity): string {
  return `user "${identity.user}"`;
}

function flattenLists(objects: readonly RbacObject[]): RbacObject[] {
  return objects.flatMap((object) => {
    if (object === null || typeof object !== 'object') return [];
    const items = (object as { items?: unknown }).items;
    return object.kind === 'List' && Array.isArray(items) ? flattenLists(items as RbacObject[]) : [object];
  });
}

const RBAC_KINDS: ReadonlySet<string> = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function isRbacObject(object: RbacObject): boolean {
  if (!RBAC_KINDS.has(object.kind)) return false;
  // An apiVersion is optional in hand-written input, but a present one must be in the RBAC group.
  return object.apiVersion === undefined || object.apiVersion.split('/')[0] === RBAC_API_GROUP;
}

function checkObject(object: RbacObject): void {
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new Error(`RbacPolicy: a ${object.kind} has no metadata.name`);
  if (
    (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') &&
    typeof object.roleRef?.name !== 'string'
  ) {
    throw new Error(`RbacPolicy: ${object.kind} "${name}" has no roleRef.name`);
  }
}

function namespaceOf(object: RbacObject): string {
  const namespace = object.metadata.namespace;
  return namespace === undefined || namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

function withNamespace(object: RbacObject, namespace: string): RbacObject {
  return { ...object, metadata: { ...object.metadata, namespace } };
}
