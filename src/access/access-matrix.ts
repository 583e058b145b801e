import { builtinNamespaces } from '../spec';
import type { PkiPlan } from '../plan';
import { clusterAdminPath } from './is-cluster-admin-equivalent';
import type { RbacPolicy } from './rbac-policy';
import { identityOfPlan } from './access-identity';
import { parseAccessAction } from './access-action';

/** What reviewers ask about most, in a namespace; cluster-wide adds nodes, namespaces and the wildcard. */
export function commonActions(namespace: string | undefined): string[] {
  const namespaced = [
    'get pods',
    'create pods',
    'get pods/log',
    'create pods/exec',
    'get secrets',
    'get configmaps',
    'create deployments.apps',
    'delete deployments.apps',
    'create rolebindings.rbac.authorization.k8s.io',
  ];
  return namespace === undefined
    ? ['list nodes', 'delete namespaces', 'list secrets', 'create clusterrolebindings.rbac.authorization.k8s.io']
    : namespaced;
}

export interface AccessCell {
  identity: string;
  /** Absent = cluster-wide. */
  namespace?: string;
  action: string;
  allowed: boolean;
  decidedBy: string;
  /** The binding that granted it. */
  via?: string;
}

export interface ClusterAdminEquivalent {
  identity: string;
  /** False for system:masters members: no binding grants it, so no binding can take it away. */
  revocable: boolean;
  via: string;
}

/** Every identity × namespace × common action, and who is as powerful as cluster-admin. */
export interface AccessReport {
  cluster: string;
  identities: { ref: string; user: string; groups: string[]; kind: string }[];
  namespaces: (string | null)[];
  cells: AccessCell[];
  clusterAdminEquivalents: ClusterAdminEquivalent[];
}

/** The namespaces worth showing: the spec's, plus default and kube-system. */
export function namespacesOf(plan: PkiPlan): string[] {
  const names = new Set<string>(['default', 'kube-system']);
  for (const f of plan.rbac)
    for (const o of f.objects) {
      if (o.kind === 'Namespace') names.add(o.metadata.name);
      if (o.metadata.namespace) names.add(o.metadata.namespace);
    }
  for (const e of plan.expectations) if (e.namespace) names.add(e.namespace);
  const builtin = builtinNamespaces as readonly string[];
  return [...names].sort((a, b) => Number(builtin.includes(b)) - Number(builtin.includes(a)) || a.localeCompare(b));
}

/** Every question the matrix asks: identical for every identity, so parsed once. */
function matrixQuestions(namespaces: (string | null)[], kubernetesVersion: string) {
  return namespaces.flatMap((ns) =>
    commonActions(ns ?? undefined).map((action) => ({
      ns,
      action,
      request: parseAccessAction(action, ns ?? undefined, kubernetesVersion),
    })),
  );
}

export function buildAccessReport(plan: PkiPlan, policy: RbacPolicy): AccessReport {
  const identities = plan.identities.map((i) => ({ ref: i.ref, user: i.user, groups: i.groups, kind: i.kind }));
  const namespaces: (string | null)[] = [null, ...namespacesOf(plan)];
  const questions = matrixQuestions(namespaces, plan.cluster.kubernetesVersion);
  const cells: AccessCell[] = [];
  const equivalents: ClusterAdminEquivalent[] = [];
  for (const planned of plan.identities) {
    const who = identityOfPlan(planned).identity;
    for (const { ns, action, request } of questions) {
      const d = policy.authorize(who, request);
      cells.push({
        identity: planned.ref,
        ...(ns ? { namespace: ns } : {}),
        action,
        allowed: d.allowed,
        decidedBy: d.decidedBy,
        ...(d.binding
          ? { via: `${d.binding.kind} ${d.binding.namespace ? `${d.binding.namespace}/` : ''}${d.binding.name}` }
          : {}),
      });
    }
    const path = clusterAdminPath(policy, who);
    if (path) equivalents.push({ identity: planned.ref, ...path });
  }
  return { cluster: plan.metadata.name, identities, namespaces, cells, clusterAdminEquivalents: equivalents };
}
