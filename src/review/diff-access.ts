import type { IdentityPlan, PkiPlan } from '../plan';
import { accessPolicyOf, namespacesOf } from '../access';
import { evaluateIdentityAccess, type IdentityAccess } from './identity-access';

/** How one identity's effective access differs between two plans. */
export interface AccessChange {
  identity: string;
  change: 'added' | 'removed' | 'changed';
  /** `<scope>: <action>` newly allowed / no longer allowed (common actions of the access matrix). */
  gained: string[];
  lost: string[];
  /** Groups before → after, when the certificate's O changed. */
  groups?: { before: string[]; after: string[] };
  /** Cluster-admin equivalence before → after: `no`, `revocable`, `UNREVOCABLE`. */
  clusterAdmin?: { before: string; after: string };
}

const adminLevel = (a: IdentityAccess | undefined) =>
  !a?.clusterAdmin ? 'no' : a.clusterAdmin.revocable ? 'revocable' : 'UNREVOCABLE';

function cells(a: IdentityAccess | undefined): Set<string> {
  const set = new Set<string>();
  for (const [scope, actions] of a?.allowed ?? []) for (const action of actions) set.add(`${scope}: ${action}`);
  return set;
}

/**
 * Identities whose effective access differs, asked with the access evaluator over the same questions on both sides
 * (both plans' namespaces): gained and lost actions, group changes, and cluster-admin equivalence changes.
 */
export function diffAccess(base: PkiPlan, head: PkiPlan): AccessChange[] {
  const namespaces = [...new Set([...namespacesOf(base), ...namespacesOf(head)])].sort();
  // An identity's answers are a function of the RBAC objects, the questions and its user name and groups. With the
  // same RBAC on both sides, only identities added, removed or with another user name or groups can change; asking
  // the others would repeat the same questions of the same policy (most of a one-user diff).
  const sameRbac = JSON.stringify(base.rbac) === JSON.stringify(head.rbac);
  const key = (i: IdentityPlan) => JSON.stringify([i.ref, i.user, i.groups]);
  const headKeys = new Set(head.identities.map(key));
  const baseKeys = new Set(base.identities.map(key));
  const changed = (plan: PkiPlan, other: Set<string>) =>
    sameRbac ? plan.identities.filter((i) => !other.has(key(i))) : plan.identities;
  const before = new Map(
    evaluateIdentityAccess(base, namespaces, accessPolicyOf(base), changed(base, headKeys)).map((a) => [a.ref, a]),
  );
  const after = new Map(
    evaluateIdentityAccess(head, namespaces, accessPolicyOf(head), changed(head, baseKeys)).map((a) => [a.ref, a]),
  );
  const refs = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: AccessChange[] = [];
  for (const ref of refs) {
    const b = before.get(ref);
    const a = after.get(ref);
    const was = cells(b);
    const now = cells(a);
    const gained = [...now].filter((c) => !was.has(c));
    const lost = [...was].filter((c) => !now.has(c));
    const groupsChanged = b && a && b.groups.join('\n') !== a.groups.join('\n');
    const adminChanged = adminLevel(b) !== adminLevel(a);
    if (b && a && gained.length === 0 && lost.length === 0 && !groupsChanged && !adminChanged) continue;
    changes.push({
      identity: ref,
      change: !b ? 'added' : !a ? 'removed' : 'changed',
      gained,
      lost,
      ...(groupsChanged ? { groups: { before: b.groups, after: a.groups } } : {}),
      ...(adminChanged ? { clusterAdmin: { before: adminLevel(b), after: adminLevel(a) } } : {}),
    });
  }
  return changes;
}
