import type { CertificateContent } from '../vocabulary';
import type { CertificatePlan } from './pki-plan';

/** What a planned certificate says, as crypto issues it and the Pulumi component hands it on: the one mapping. */
export function certificateContent(plan: CertificatePlan): CertificateContent {
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
