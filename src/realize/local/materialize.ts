import { certificateContent, type PkiPlan } from '../../plan';
import { KeyPair, issueCertificate, type KeyPool, type ParsedCertificate } from '../../crypto';
import type { PkiMaterial } from '../../outputs';
import type { CertificateDecision, MaterialDecisions } from './reconcile-material';

/**
 * Generates the keys and certificates the decisions call for, as a pipeline: every missing key starts generating at
 * once on libuv's thread pool (CA keys first in its queue), and each certificate is signed as soon as its own key and
 * its issuer's certificate exist — signing overlaps key generation instead of waiting for the last key.
 */
export async function materialize(
  plan: PkiPlan,
  decisions: MaterialDecisions,
  now: Date,
  keyPool?: KeyPool,
): Promise<{ material: PkiMaterial; generatedKeys: number }> {
  const newKey = (algorithm: KeyPair['algorithm']) => (keyPool ? keyPool.take(algorithm) : KeyPair.generate(algorithm));
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map() };
  const all = [...decisions.certificates.values()];
  const pending = [...all.filter((d) => d.plan.isCa), ...all.filter((d) => !d.plan.isCa)].filter((d) => d.action !== 'keep');
  let generatedKeys = 0;
  const keyOf = (d: CertificateDecision): Promise<KeyPair> => {
    if (d.key) return Promise.resolve(d.key);
    generatedKeys++;
    return newKey(d.plan.algorithm).then((key) => {
      d.key = key;
      d.keyPem = key.toPem();
      return key;
    });
  };
  const keys = new Map(pending.map((d) => [d.plan.id, keyOf(d)]));
  const sa = decisions.serviceAccountKey;
  const saKey = sa.action === 'create' ? (generatedKeys++, newKey(plan.keyPairs[0]!.algorithm)) : Promise.resolve(sa.key!);

  const certificates = new Map<string, Promise<ParsedCertificate>>();
  for (const d of all.filter((x) => x.action === 'keep')) certificates.set(d.plan.id, Promise.resolve(d.certificate!));
  const template = (d: CertificateDecision) => certificateContent(d.plan);
  for (const d of pending) {
    const issued = (async () => {
      const key = await keys.get(d.plan.id)!;
      if (d.plan.isCa) return issueCertificate(template(d), key, undefined, now);
      const issuerDecision = decisions.certificates.get(d.plan.issuer)!;
      const issuerCertificate = await certificates.get(d.plan.issuer)!;
      const issuerKey = issuerDecision.key ?? (await keys.get(d.plan.issuer)!);
      return issueCertificate(template(d), key, { certificate: issuerCertificate, key: issuerKey }, now);
    })().then((certificate) => {
      d.certificate = certificate;
      d.certificatePem = certificate.pem;
      return certificate;
    });
    certificates.set(d.plan.id, issued);
  }
  await Promise.all(certificates.values());

  if (sa.action === 'create') {
    sa.key = await saKey;
    sa.keyPem = sa.key.toPem();
  }
  material.privateKeys.set('sa', sa.keyPem!);
  material.publicKeys.set('sa', sa.publicKeyPem ?? sa.key!.publicKeyPem());
  for (const [id, d] of decisions.certificates) {
    material.certificates.set(id, d.certificatePem!);
    if (d.keyPem !== undefined) material.privateKeys.set(id, d.keyPem);
  }
  return { material, generatedKeys };
}
