import type { PkiPlan } from '../plan';
import { namespacesOf } from '../access';
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

const adminLevel = (a: IdentityAccess | undefined) => (!a?.clusterAdmin ? 'no' : a.clusterAdmin.revocable ? 'revocable' : 'UNREVOCABLE');

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
  const before = new Map(evaluateIdentityAccess(base, namespaces).map((a) => [a.ref, a]));
  const after = new Map(evaluateIdentityAccess(head, namespaces).map((a) => [a.ref, a]));
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
