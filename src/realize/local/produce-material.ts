import { certificateContent, type PkiPlan } from '../../plan';
import { KeyPair, issueCertificate, type KeyPool, type ParsedCertificate } from '../../crypto';
import type { PkiMaterial } from '../../outputs';
import type { CertificateDecision, MaterialDecisions } from './material-decisions';

export interface ProducedMaterial {
  readonly material: PkiMaterial;
  readonly generatedKeys: number;
}

/**
 * Produces the keys and certificates the decisions call for, as a pipeline: every missing key starts generating at
 * once on libuv's thread pool (CA keys first in its queue), and each certificate is signed as soon as its own key and
 * its issuer's certificate exist — signing overlaps key generation instead of waiting for the last key.
 */
export async function produceMaterial(plan: PkiPlan, decisions: MaterialDecisions, now: Date, keyPool?: KeyPool): Promise<ProducedMaterial> {
  let generatedKeys = 0;
  const newKey = (algorithm: KeyPair['algorithm']): Promise<KeyPair> => {
    generatedKeys++;
    return keyPool ? keyPool.take(algorithm) : KeyPair.generate(algorithm);
  };
  const all = [...decisions.certificates.values()];
  const byCaFirst = [...all.filter((d) => d.plan.isCa), ...all.filter((d) => !d.plan.isCa)];
  const keys = new Map<string, Promise<KeyPair>>();
  for (const d of byCaFirst) keys.set(d.plan.id, d.key ? Promise.resolve(d.key.pair) : newKey(d.plan.algorithm));
  const sa = decisions.serviceAccountKey;
  const saKey = sa.action === 'keep' ? Promise.resolve(sa.key.pair) : newKey(plan.keyPairs[0]!.algorithm);

  const certificates = new Map<string, Promise<ParsedCertificate>>();
  const certificateOf = (id: string): Promise<ParsedCertificate> => {
    const found = certificates.get(id);
    if (!found) throw new Error(`internal: no decision for ${id}`);
    return found;
  };
  const issue = async (d: CertificateDecision): Promise<ParsedCertificate> => {
    if (d.action === 'keep') return d.certificate.parsed;
    const key = await keys.get(d.plan.id)!;
    if (d.plan.isCa) return issueCertificate(certificateContent(d.plan), key, undefined, now);
    const [issuerCertificate, issuerKey] = await Promise.all([certificateOf(d.plan.issuer), keys.get(d.plan.issuer)!]);
    return issueCertificate(certificateContent(d.plan), key, { certificate: issuerCertificate, key: issuerKey }, now);
  };
  // CAs are registered before leaves, so a leaf's issuer promise always exists when the leaf asks for it.
  for (const d of byCaFirst) certificates.set(d.plan.id, issue(d));

  // Awaited together, so that the first failure is the one reported and no rejection is left unhandled.
  await Promise.all([...certificates.values(), ...keys.values(), saKey]);
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map() };
  for (const d of byCaFirst) {
    const certificate = await certificates.get(d.plan.id)!;
    material.certificates.set(d.plan.id, d.action === 'keep' ? d.certificate.pem : certificate.pem);
    // External CA mode: a kept CA without its key has no key file to write.
    if (d.key) material.privateKeys.set(d.plan.id, d.key.pem);
    else if (d.action !== 'keep') material.privateKeys.set(d.plan.id, (await keys.get(d.plan.id)!).toPem());
  }
  const serviceAccount = await saKey;
  material.privateKeys.set('sa', sa.action === 'keep' ? sa.key.pem : serviceAccount.toPem());
  material.publicKeys.set('sa', sa.action === 'keep' && sa.publicKeyPem !== undefined ? sa.publicKeyPem : serviceAccount.publicKeyPem());
  return { material, generatedKeys };
}

/** The material that exists already, for a dry run (which generates nothing). */
export function keptMaterial(decisions: MaterialDecisions): PkiMaterial {
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map() };
  for (const [id, d] of decisions.certificates) {
    if (d.action === 'keep') material.certificates.set(id, d.certificate.pem);
    // A reissued certificate usually keeps its key: that key file stays as it is.
    if (d.key) material.privateKeys.set(id, d.key.pem);
  }
  const sa = decisions.serviceAccountKey;
  if (sa.action === 'keep') {
    material.privateKeys.set('sa', sa.key.pem);
    material.publicKeys.set('sa', sa.publicKeyPem ?? sa.key.pair.publicKeyPem());
  }
  return material;
}
