import type { CertificatePlan } from '../../plan';
import type { CertificateTemplate } from '../../crypto';

/** What the plan says a certificate holds, in the form the signers take. */
export function certificateTemplate(plan: CertificatePlan): CertificateTemplate {
  return {
    commonName: plan.subject.commonName,
    organizations: plan.subject.organizations,
    dnsNames: plan.sans.dnsNames,
    ipAddresses: plan.sans.ipAddresses,
    keyUsages: plan.keyUsages,
    extendedKeyUsages: plan.extendedKeyUsages,
    isCa: plan.isCa,
    validityHours: plan.validityHours,
  };
}
