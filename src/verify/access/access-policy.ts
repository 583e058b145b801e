import type { PkiPlan } from '../../plan';
import { RbacPolicy, type RbacObject } from '../rbac';

/** The cluster's RBAC as the apiserver would hold it: its bootstrap policy plus every object kubepki writes. */
export function accessPolicyOf(plan: PkiPlan): RbacPolicy {
  const objects = plan.rbac.flatMap((f) => f.objects) as unknown as RbacObject[];
  return RbacPolicy.fromObjects(objects, { includeBootstrap: true });
}
