import type { CertificatePlan, PkiPlan } from './pki-plan';

/**
 * How many hours before it expires a leaf is reissued, the same in `kubepki generate` and `pulumi up` (where it is
 * the tls provider's `early_renewal_hours`): `spec.pki.renewBefore` when set, otherwise the last third of the
 * certificate's validity — cert-manager's default of renewing once two thirds of the lifetime have passed. A third
 * leaves a year-long certificate four months to be rolled out, and scales down with short lifetimes where a fixed
 * window would not fit. CAs are never renewed this way (a CA change is a rotation), so they have no window.
 */
export function renewBeforeHours(plan: PkiPlan, certificate: CertificatePlan): number {
  if (certificate.isCa) return 0;
  return plan.cluster.renewBeforeHours ?? Math.floor(certificate.validityHours / 3);
}
