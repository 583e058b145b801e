import type { IdentityPlan, PkiPlan } from '../plan';
import { parseSubjectReference } from '../spec';
import { serviceAccountIdentity, userIdentity, type AuthenticatedIdentity } from './authenticated-identity';

/** An identity as the command line and expectations name it, resolved to what the authorizer sees. */
export interface ResolvedIdentity {
  ref: string;
  identity: AuthenticatedIdentity;
  /** A group alone (`group:dev-team`) stands for any member with no other group. */
  kind: 'user' | 'group' | 'serviceAccount';
}

/**
 * Resolves `user:<name>` (spec users and kubeadm's kubeconfig identities, with the groups their certificates carry),
 * `group:<name>` and `serviceAccount:<ns>/<name>`. Throws with the known identities when the name is unknown.
 */
export function resolveIdentity(plan: PkiPlan, text: string): ResolvedIdentity {
  const ref = parseSubjectReference(text);
  if (!ref)
    throw new Error(`${JSON.stringify(text)} is not user:<name>, group:<name> or serviceAccount:<namespace>/<name>`);
  if (ref.kind === 'group') {
    return { ref: text, kind: 'group', identity: userIdentity(`(a member of ${ref.name})`, [ref.name]) };
  }
  if (ref.kind === 'serviceAccount')
    return { ref: text, kind: 'serviceAccount', identity: serviceAccountIdentity(ref.namespace, ref.name) };
  const known = plan.identities.find((i) => i.ref === text);
  if (!known) {
    const names = plan.identities.filter((i) => i.ref.startsWith('user:')).map((i) => i.ref);
    throw new Error(`${JSON.stringify(text)} is not an identity of this cluster; known users: ${names.join(', ')}`);
  }
  return identityOfPlan(known);
}

/** What the authorizer sees for one of the plan's own identities, without searching the plan for it. */
export function identityOfPlan(known: IdentityPlan): ResolvedIdentity {
  const ref = parseSubjectReference(known.ref);
  if (ref?.kind === 'serviceAccount')
    return { ref: known.ref, kind: 'serviceAccount', identity: serviceAccountIdentity(ref.namespace, ref.name) };
  return { ref: known.ref, kind: 'user', identity: userIdentity(known.user, known.groups) };
}
