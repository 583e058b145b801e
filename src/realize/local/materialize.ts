import type { PkiPlan } from '../../plan';
import { KeyPair, issueCertificate, type CertificateIssuer } from '../../crypto';
import type { PkiMaterial } from '../../outputs';
import type { MaterialDecisions } from './reconcile-material';

/**
 * Generates the keys and certificates the decisions call for. Every missing key is generated at once (they do not
 * depend on each other, and the thread pool spreads them over the cores); then the new CAs sign themselves, then
 * the leaves are signed.
 */
export async function materialize(plan: PkiPlan, decisions: MaterialDecisions, now: Date): Promise<{ material: PkiMaterial; generatedKeys: number }> {
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map() };
  const pending = [...decisions.certificates.values()].filter((d) => d.action !== 'keep');
  const saNeedsKey = decisions.serviceAccountKey.action === 'create';
  const needKeys = pending.filter((d) => !d.key);
  const generated = await Promise.all([...needKeys.map((d) => KeyPair.generate(d.plan.algorithm)), ...(saNeedsKey ? [KeyPair.generate(plan.keyPairs[0]!.algorithm)] : [])]);
  needKeys.forEach((d, i) => {
    d.key = generated[i]!;
    d.keyPem = d.key.toPem();
  });
  const sa = decisions.serviceAccountKey;
  if (saNeedsKey) {
    sa.key = generated[generated.length - 1]!;
    sa.keyPem = sa.key.toPem();
  }
  material.privateKeys.set('sa', sa.keyPem!);
  material.publicKeys.set('sa', sa.publicKeyPem ?? sa.key!.publicKeyPem());

  const template = (d: (typeof pending)[number]) => ({
    commonName: d.plan.subject.commonName,
    organizations: d.plan.subject.organizations,
    dnsNames: d.plan.sans.dnsNames,
    ipAddresses: d.plan.sans.ipAddresses,
    keyUsages: d.plan.keyUsages,
    extendedKeyUsages: d.plan.extendedKeyUsages,
    isCa: d.plan.isCa,
    validityHours: d.plan.validityHours,
  });
  for (const d of pending.filter((p) => p.plan.isCa)) {
    d.certificate = await issueCertificate(template(d), d.key!, undefined, now);
    d.certificatePem = d.certificate.pem;
  }
  const issuerOf = (id: string): CertificateIssuer => {
    const ca = decisions.certificates.get(id)!;
    return { certificate: ca.certificate!, key: ca.key! };
  };
  await Promise.all(
    pending
      .filter((p) => !p.plan.isCa)
      .map(async (d) => {
        d.certificate = await issueCertificate(template(d), d.key!, issuerOf(d.plan.issuer), now);
        d.certificatePem = d.certificate.pem;
      }),
  );
  for (const [id, d] of decisions.certificates) {
    material.certificates.set(id, d.certificatePem!);
    if (d.keyPem !== undefined) material.privateKeys.set(id, d.keyPem);
  }
  return { material, generatedKeys: generated.length };
}
