import { nodeUserPrefix } from '../vocabulary';
import type { ClusterSpec } from '../spec';
import type { CertificatePlan } from './pki-plan';
import type { IdentityPlan } from './rbac-plan';

const kindOfClient = (cert: CertificatePlan): IdentityPlan['kind'] => {
  if (cert.id.startsWith('users/')) return 'user';
  if (cert.subject.commonName.startsWith(nodeUserPrefix)) return 'node';
  if (cert.subject.commonName.startsWith('system:kube-')) return 'component';
  return 'kubeadm';
};

/**
 * Every identity kube-apiserver will see from the credentials kubepki issues (client certificates signed by the
 * cluster CA: CN = user, O = groups), one per distinct user, plus the spec's service accounts.
 */
export function planIdentities(spec: ClusterSpec, certificates: CertificatePlan[]): IdentityPlan[] {
  const identities = new Map<string, IdentityPlan>();
  for (const cert of certificates) {
    if (cert.issuer !== 'ca' || cert.isCa || !cert.extendedKeyUsages.includes('clientAuth')) continue;
    const ref = `user:${cert.subject.commonName}`;
    if (!identities.has(ref)) {
      identities.set(ref, {
        ref,
        user: cert.subject.commonName,
        groups: cert.subject.organizations,
        source: cert.id,
        kind: kindOfClient(cert),
      });
    }
  }
  for (const sa of spec.spec.serviceAccounts) {
    const ref = `serviceAccount:${sa.namespace}/${sa.name}`;
    identities.set(ref, {
      ref,
      user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`],
      source: 'token',
      kind: 'serviceAccount',
    });
  }
  return [...identities.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
