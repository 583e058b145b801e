import { mastersGroup } from '../vocabulary';
import { type AuthenticatedIdentity } from './authenticated-identity';
import { type RbacPolicy } from './rbac-policy';
import type { AccessRequest } from './access-request';

/** How an identity holds (or can take) everything cluster-admin has. */
export interface ClusterAdminPath {
  /** False for system:masters: no binding grants it, so no binding can take it away. */
  revocable: boolean;
  /** `group system:masters …`, `ClusterRoleBinding x → ClusterRole cluster-admin`, or the escalation it can use. */
  via: string;
}

// Rights that are cluster-admin in all but name, because the holder can turn them into cluster-admin: act as
// system:masters, bind cluster-admin to itself, or edit its own roles past what it holds.
const escalations: { request: AccessRequest; also?: AccessRequest; via: string }[] = [
  {
    request: { verb: 'impersonate', apiGroup: '', resource: 'groups', name: mastersGroup },
    via: `can impersonate group ${mastersGroup}`,
  },
  {
    request: { verb: 'bind', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' },
    also: { verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    via: 'can bind ClusterRole cluster-admin to itself (bind + create clusterrolebindings)',
  },
  {
    request: { verb: 'escalate', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    also: { verb: 'update', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    via: 'can escalate ClusterRoles it is bound to (escalate + update clusterroles)',
  },
];

/**
 * Whether, and how, an identity is as powerful as cluster-admin: system:masters; verb `*` on every resource of every
 * group cluster-wide and on every non-resource URL (asking with literal `*` values means only rules that themselves
 * use `*` count); or an escalation right that leads there.
 */
export function clusterAdminPath(policy: RbacPolicy, identity: AuthenticatedIdentity): ClusterAdminPath | undefined {
  if (identity.groups.includes(mastersGroup)) {
    return { revocable: false, via: 'group system:masters (bypasses authorization; no binding can revoke it)' };
  }
  const resources = policy.authorize(identity, { verb: '*', apiGroup: '*', resource: '*' });
  const paths = policy.authorize(identity, { verb: '*', nonResourceURL: '*' });
  if (resources.allowed && paths.allowed) {
    return {
      revocable: true,
      via: `${resources.binding?.kind} ${resources.binding?.name} → ${resources.role?.kind} ${resources.role?.name}`,
    };
  }
  for (const e of escalations) {
    const first = policy.authorize(identity, e.request);
    if (first.allowed && (!e.also || policy.authorize(identity, e.also).allowed)) {
      return { revocable: true, via: `${e.via}, through ${first.binding?.kind} ${first.binding?.name}` };
    }
  }
  return undefined;
}

/** Whether the identity holds, or can take, what the cluster-admin ClusterRole grants. */
export function isClusterAdminEquivalent(policy: RbacPolicy, identity: AuthenticatedIdentity): boolean {
  return clusterAdminPath(policy, identity) !== undefined;
}
