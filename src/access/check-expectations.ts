import type { PkiPlan } from '../plan';
import type { Decision, RbacPolicy } from './rbac-policy';
import { resolveIdentity } from './access-identity';
import { parseAccessAction, resolveAccessAction } from './access-action';
import { commonActions } from './access-matrix';

/** One checked expectation: what was expected, what the evaluator found and why. */
export interface ExpectationResult {
  as: string;
  namespace?: string;
  action: string;
  expected: 'allowed' | 'denied';
  passed: boolean;
  decision: Pick<Decision, 'allowed' | 'decidedBy' | 'reason'>;
  /** kubectl's warning for a resource name discovery does not know (the check still ran, on the name as written). */
  warning?: string;
}

/**
 * Evaluates the spec's `expect` entries. `can: ["*"]` asks for everything (verb * on every resource of every group);
 * `cannot: ["*"]` asks that no common action (the access matrix's) and no wildcard request be allowed there.
 */
export function checkExpectations(plan: PkiPlan, policy: RbacPolicy): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const e of plan.expectations) {
    const who = resolveIdentity(plan, e.as);
    const where = e.namespace ? { namespace: e.namespace } : {};
    const check = (action: string, expected: 'allowed' | 'denied') => {
      const { request, warning } = resolveAccessAction(action, e.namespace, plan.cluster.kubernetesVersion);
      const decision = policy.authorize(who.identity, request);
      results.push({
        as: e.as,
        ...where,
        action,
        expected,
        passed: decision.allowed === (expected === 'allowed'),
        decision,
        ...(warning ? { warning } : {}),
      });
    };
    for (const action of e.can) check(action, 'allowed');
    for (const action of e.cannot) {
      if (action.trim() !== '*') {
        check(action, 'denied');
        continue;
      }
      const allowed = [...commonActions(e.namespace), '*']
        .map((a) => ({
          a,
          d: policy.authorize(who.identity, parseAccessAction(a, e.namespace, plan.cluster.kubernetesVersion)),
        }))
        .find((x) => x.d.allowed);
      results.push({
        as: e.as,
        ...where,
        action: '*',
        expected: 'denied',
        passed: !allowed,
        decision: allowed
          ? { allowed: true, decidedBy: allowed.d.decidedBy, reason: `"${allowed.a}" is ${allowed.d.reason}` }
          : { allowed: false, decidedBy: 'no-rule', reason: 'no common action and no wildcard request is allowed' },
      });
    }
  }
  return results;
}
