import type { PkiPlan } from '../plan';
import { RbacPolicy } from './rbac-policy';

/** The cluster's RBAC as the apiserver would hold it: its bootstrap policy plus every object kubepki writes. */
export function accessPolicyOf(plan: PkiPlan): RbacPolicy {
  const objects = plan.rbac.flatMap((f) => f.objects);
  return RbacPolicy.fromObjects(objects, { includeBootstrap: true });
}
