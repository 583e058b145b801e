import { parseSpec, type ClusterSpec } from '../../src/spec';
import { planPki, type CertificatePlan, type KubeconfigPlan, type PkiPlan } from '../../src/plan';

/** A spec from a raw document (as users write it), with one control-plane node unless `spec` says otherwise. */
export function specOf(spec: Record<string, unknown> = {}): ClusterSpec {
  return parseSpec({
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'plan-test' },
    spec: { controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }], ...spec },
  });
}

export const planOf = (spec: Record<string, unknown> = {}): PkiPlan => planPki(specOf(spec));

export function certificate(plan: PkiPlan, id: string): CertificatePlan {
  const found = plan.certificates.find((c) => c.id === id);
  if (!found)
    throw new Error(`the plan has no certificate ${id}; it has ${plan.certificates.map((c) => c.id).join(', ')}`);
  return found;
}

export function kubeconfig(plan: PkiPlan, id: string): KubeconfigPlan {
  const found = plan.kubeconfigs.find((k) => k.id === id);
  if (!found)
    throw new Error(`the plan has no kubeconfig ${id}; it has ${plan.kubeconfigs.map((k) => k.id).join(', ')}`);
  return found;
}

/** Code-unit order, as `Array.prototype.sort` without a comparator. */
export const sortedCopy = (values: string[]) => [...values].sort();
