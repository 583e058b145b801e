import type { IdentityPlan, PkiPlan } from '../plan';
import {
  accessPolicyOf,
  commonActions,
  identityOfPlan,
  namespacesOf,
  parseAccessAction,
  clusterAdminPath,
  type RbacPolicy,
} from '../access';

/** What one identity may do, in the access evaluator's words, for review. */
export interface IdentityAccess {
  ref: string;
  kind: IdentityPlan['kind'];
  groups: string[];
  /** Set when the identity holds everything cluster-admin grants; unrevocable for system:masters members. */
  clusterAdmin?: { revocable: boolean; via: string };
  /** Kubelet identities: the Node authorizer, not RBAC, decides most of their requests. */
  nodeAuthorizer: boolean;
  /** `(cluster)` or a namespace → the common actions allowed there, in the access matrix's order. */
  allowed: Map<string, string[]>;
}

/** The scope label review output uses for cluster-wide requests. */
export const clusterScope = '(cluster)';

/**
 * Evaluates every identity of the plan over the access matrix's common actions, cluster-wide and in `namespaces`
 * (default: the plan's). A diff passes the union of both plans' namespaces so both sides are asked the same questions,
 * and only the `identities` whose answers can differ.
 */
export function evaluateIdentityAccess(
  plan: PkiPlan,
  namespaces: string[] = namespacesOf(plan),
  policy: RbacPolicy = accessPolicyOf(plan),
  identities: readonly IdentityPlan[] = plan.identities,
): IdentityAccess[] {
  // The questions are the same for every identity: parsed once.
  const scopes = [undefined, ...namespaces].map((ns) => ({
    ns,
    questions: commonActions(ns).map((action) => ({
      action,
      request: parseAccessAction(action, ns, plan.cluster.kubernetesVersion),
    })),
  }));
  return identities.map((identity) => {
    const who = identityOfPlan(identity).identity;
    const allowed = new Map<string, string[]>();
    let nodeAuthorizer = false;
    for (const { ns, questions } of scopes) {
      const granted: string[] = [];
      for (const { action, request } of questions) {
        const decision = policy.authorize(who, request);
        if (decision.decidedBy === 'node-authorizer') nodeAuthorizer = true;
        if (decision.allowed) granted.push(action);
      }
      if (granted.length > 0) allowed.set(ns ?? clusterScope, granted);
    }
    const result: IdentityAccess = {
      ref: identity.ref,
      kind: identity.kind,
      groups: identity.groups,
      nodeAuthorizer,
      allowed,
    };
    const path = clusterAdminPath(policy, who);
    if (path) result.clusterAdmin = path;
    return result;
  });
}
