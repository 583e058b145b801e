import { normalizeIpAddress } from '../spec';
import type { CertificatePlan } from '../plan';
import { setDelta } from './certificate-changes';
import type { CertificateContent, KeyAlgorithm } from '../vocabulary';

/** What an issued certificate says (a parsed certificate satisfies it): its content, with the lifetime it has. */
export interface CertificateFacts extends Omit<CertificateContent, 'validityHours'> {
  algorithm: KeyAlgorithm | undefined;
  lifetimeHours: number;
  notAfter: Date;
}

/** One planned property an existing certificate does not have, worded for a log line or a finding. */
export interface CertificateDrift {
  field:
    | 'subject.commonName'
    | 'subject.organizations'
    | 'sans.dnsNames'
    | 'sans.ipAddresses'
    | 'keyUsages'
    | 'extendedKeyUsages'
    | 'isCa'
    | 'algorithm'
    | 'validity';
  message: string;
}

// kubeadm's NotBefore is backdated five minutes, so a certificate's lifetime is its validity plus five minutes (the
// tls provider's, without backdate, is the validity itself). Validity is planned in whole hours, so anything within a
// quarter hour of the planned lifetime is the same validity and a one-hour change is not.
const lifetimeToleranceHours = 0.25;

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** `+planned -actual`: what reissuing adds and removes. */
const setChange = (planned: string[], actual: string[]) => setDelta(actual, planned);

/** The planned properties `actual` lacks; empty when the certificate is what the plan asks for. */
export function certificateDrift(plan: CertificatePlan, actual: CertificateFacts): CertificateDrift[] {
  const drift: CertificateDrift[] = [];
  if (actual.commonName !== plan.subject.commonName) {
    drift.push({
      field: 'subject.commonName',
      message: `CN ${JSON.stringify(actual.commonName)} → ${JSON.stringify(plan.subject.commonName)}`,
    });
  }
  // kubepki writes one RDN per O, in order. A remote CA may write all O in one multi-valued RDN (cfssl, through Go's
  // pkix.Name), which DER sorts as a SET: there only the set of groups is the CA's to keep.
  const sameOrganizations =
    plan.signedBy === 'kubepki'
      ? actual.organizations.join('\n') === plan.subject.organizations.join('\n')
      : actual.organizations.length === plan.subject.organizations.length &&
        sameSet(actual.organizations, plan.subject.organizations);
  if (!sameOrganizations) {
    drift.push({
      field: 'subject.organizations',
      message: `O [${actual.organizations.join(', ')}] → [${plan.subject.organizations.join(', ')}]`,
    });
  }
  if (!sameSet(plan.sans.dnsNames, actual.dnsNames)) {
    drift.push({ field: 'sans.dnsNames', message: `DNS SANs ${setChange(plan.sans.dnsNames, actual.dnsNames)}` });
  }
  const actualIps = actual.ipAddresses.map(normalizeIpAddress);
  if (!sameSet(plan.sans.ipAddresses, actualIps)) {
    drift.push({ field: 'sans.ipAddresses', message: `IP SANs ${setChange(plan.sans.ipAddresses, actualIps)}` });
  }
  if (!sameSet(plan.keyUsages, actual.keyUsages)) {
    drift.push({ field: 'keyUsages', message: `key usages ${setChange(plan.keyUsages, actual.keyUsages)}` });
  }
  if (!sameSet(plan.extendedKeyUsages, actual.extendedKeyUsages)) {
    drift.push({
      field: 'extendedKeyUsages',
      message: `extended key usages ${setChange(plan.extendedKeyUsages, actual.extendedKeyUsages)}`,
    });
  }
  if (actual.isCa !== plan.isCa) drift.push({ field: 'isCa', message: `CA:${actual.isCa} → CA:${plan.isCa}` });
  if (actual.algorithm !== plan.algorithm)
    drift.push({ field: 'algorithm', message: `key ${actual.algorithm ?? 'unsupported'} → ${plan.algorithm}` });
  const plannedLifetime = plan.validityHours + 5 / 60;
  if (Math.abs(actual.lifetimeHours - plannedLifetime) > lifetimeToleranceHours) {
    drift.push({
      field: 'validity',
      message: `validity ${Math.round(actual.lifetimeHours)}h → ${plan.validityHours}h`,
    });
  }
  return drift;
}

/** Lifetime of whole hours plus five minutes: the NotBefore backdate kubeadm and kubepki put on what they issue. */
export function hasKubeadmBackdate(actual: Pick<CertificateFacts, 'lifetimeHours'>): boolean {
  return Math.abs(((actual.lifetimeHours * 60) % 60) - 5) < 1;
}

/**
 * The drift `kubepki generate` acts on, shared by the engine and by `verify --spec` so both say the same.
 * A CA is never reissued: for one kubeadm or kubepki issued (it carries their backdate) an algorithm or validity
 * change is a refused CA change; a CA you bring is judged by its algorithm only. A leaf is never issued past its CA,
 * so a leaf ending with its issuer has the validity it can have. During a rotation's trust stage nothing is
 * reissued: a new algorithm reaches a leaf of the leaving generation (`issuerRetiring`) when the issue stage reissues it.
 */
export function actionableDrift(
  plan: CertificatePlan,
  actual: CertificateFacts,
  issuerNotAfter?: Date,
  issuerRetiring = false,
): CertificateDrift[] {
  // An outside CA's key algorithm and lifetime are its owner's choice (kubeadm's external-CA mode).
  if (plan.isCa && plan.keyHolder === 'external-ca') return [];
  // The generation a rotation is replacing is used as it is: its algorithm and lifetime are what the rotation changes.
  if (plan.retiring) return [];
  const drift = certificateDrift(plan, actual);
  if (plan.isCa)
    return drift.filter((d) => d.field === 'algorithm' || (d.field === 'validity' && hasKubeadmBackdate(actual)));
  const cappedByCa = issuerNotAfter !== undefined && actual.notAfter.getTime() >= issuerNotAfter.getTime() - 60_000;
  return drift.filter((d) => !(cappedByCa && d.field === 'validity') && !(issuerRetiring && d.field === 'algorithm'));
}
