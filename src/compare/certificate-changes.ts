import type { CertificatePlan } from '../plan';

/** One changed property of a certificate, worded for a review table (`SANs +extra.corp.example.net`). */
export interface FieldChange {
  field:
    | 'commonName'
    | 'organizations'
    | 'sans'
    | 'keyUsages'
    | 'extendedKeyUsages'
    | 'issuer'
    | 'profile'
    | 'algorithm'
    | 'validity'
    | 'keyHolder'
    | 'signedBy';
  text: string;
}

/** `+added -removed` between two lists; order-only changes are not changes. */
export function setDelta(before: string[], after: string[]): string {
  const added = after.filter((x) => !before.includes(x)).map((x) => `+${x}`);
  const removed = before.filter((x) => !after.includes(x)).map((x) => `-${x}`);
  return [...added, ...removed].join(' ');
}

/** What differs between two plans of the same certificate id; empty when it would not be reissued. */
export function certificateChanges(before: CertificatePlan, after: CertificatePlan): FieldChange[] {
  const changes: FieldChange[] = [];
  if (before.subject.commonName !== after.subject.commonName)
    changes.push({ field: 'commonName', text: `CN ${before.subject.commonName} → ${after.subject.commonName}` });
  // Kubernetes reads each O as a group, in order; a reorder alone changes nothing it decides, but the subject bytes differ.
  const orgs = setDelta(before.subject.organizations, after.subject.organizations);
  if (orgs) changes.push({ field: 'organizations', text: `O ${orgs}` });
  else if (before.subject.organizations.join('\n') !== after.subject.organizations.join('\n'))
    changes.push({ field: 'organizations', text: 'O reordered' });
  const sans = setDelta(
    [...before.sans.dnsNames, ...before.sans.ipAddresses],
    [...after.sans.dnsNames, ...after.sans.ipAddresses],
  );
  if (sans) changes.push({ field: 'sans', text: `SANs ${sans}` });
  const ku = setDelta(before.keyUsages, after.keyUsages);
  if (ku) changes.push({ field: 'keyUsages', text: `key usages ${ku}` });
  const eku = setDelta(before.extendedKeyUsages, after.extendedKeyUsages);
  if (eku) changes.push({ field: 'extendedKeyUsages', text: `extended key usages ${eku}` });
  if (before.issuer !== after.issuer)
    changes.push({ field: 'issuer', text: `issuer ${before.issuer} → ${after.issuer}` });
  if (before.profile !== after.profile)
    changes.push({ field: 'profile', text: `profile ${before.profile} → ${after.profile}` });
  if (before.algorithm !== after.algorithm)
    changes.push({ field: 'algorithm', text: `key ${before.algorithm} → ${after.algorithm} (new key)` });
  if (before.keyHolder !== after.keyHolder)
    changes.push({ field: 'keyHolder', text: `key held by ${before.keyHolder} → ${after.keyHolder}` });
  // A CA that becomes (or stops being) an intermediate of an offline root is a new CA: the root must sign it.
  if (before.parent !== after.parent) {
    changes.push({
      field: 'signedBy',
      text: `signed by ${before.signedBy}${before.parent ? ` (${before.parent})` : ''} → ${after.signedBy}${after.parent ? ` (${after.parent})` : ''}`,
    });
  }
  if (before.validityHours !== after.validityHours)
    changes.push({ field: 'validity', text: `validity ${before.validityHours}h → ${after.validityHours}h` });
  return changes;
}
