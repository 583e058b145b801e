import type { PkiPlan } from '../../plan';
import {
  KeyPair,
  LocalKeySigner,
  createCertificationRequest,
  issueCertificate,
  type CertificateSigner,
  type KeyPool,
  type ParsedCertificate,
  type ParsedCertificationRequest,
  type SigningSubject,
} from '../../crypto';
import type { PkiMaterial } from '../../outputs';
import type { CertificateDecision, MaterialDecisions } from './reconcile-material';
import { certificateTemplate } from './certificate-template';

/** Signers of CAs whose keys kubepki does not hold, and users' CSRs, by id. */
export interface SigningContext {
  signers: ReadonlyMap<string, CertificateSigner>;
  certificationRequests: ReadonlyMap<string, ParsedCertificationRequest>;
}

/**
 * Generates the keys and certificates the decisions call for, as a pipeline: every missing key starts generating at
 * once on libuv's thread pool (CA keys first in its queue), and each certificate is signed as soon as its own key and
 * its issuer's certificate exist — signing overlaps key generation instead of waiting for the last key. Each leaf is
 * signed through its CA's signer: the CA key in memory by default, or a signer that holds it elsewhere.
 */
export async function materialize(
  plan: PkiPlan,
  decisions: MaterialDecisions,
  now: Date,
  keyPool?: KeyPool,
  context: SigningContext = { signers: new Map(), certificationRequests: new Map() },
): Promise<{ material: PkiMaterial; generatedKeys: number }> {
  const newKey = (algorithm: KeyPair['algorithm']) => (keyPool ? keyPool.take(algorithm) : KeyPair.generate(algorithm));
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map(), certificationRequests: new Map() };
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
  // Users keep their keys: their certificates certify the key in their CSR.
  const keys = new Map(pending.filter((d) => d.plan.keyHolder === 'kubepki').map((d) => [d.plan.id, keyOf(d)]));
  const sa = decisions.serviceAccountKey;
  const saKey = sa.action === 'create' ? (generatedKeys++, newKey(plan.keyPairs[0]!.algorithm)) : Promise.resolve(sa.key!);

  const certificates = new Map<string, Promise<ParsedCertificate>>();
  for (const d of all.filter((x) => x.action === 'keep')) certificates.set(d.plan.id, Promise.resolve(d.certificate!));
  const localSigners = new Map<string, Promise<CertificateSigner>>();
  const signerOf = (caId: string): Promise<CertificateSigner> => {
    const remote = context.signers.get(caId);
    if (remote) return Promise.resolve(remote);
    let local = localSigners.get(caId);
    if (!local) {
      const ca = decisions.certificates.get(caId)!;
      local = Promise.all([certificates.get(caId)!, ca.key ?? keys.get(caId)!]).then(([certificate, key]) => new LocalKeySigner(key, certificate));
      localSigners.set(caId, local);
    }
    return local;
  };
  const subjectOf = (d: CertificateDecision, key: KeyPair | undefined): SigningSubject => {
    const request = context.certificationRequests.get(d.plan.id);
    if (request) return { publicKey: () => request.publicCryptoKey(), certificationRequest: () => Promise.resolve(request.pem) };
    return {
      publicKey: () => key!.publicCryptoKey(),
      certificationRequest: () => createCertificationRequest(key!, { commonName: d.plan.subject.commonName, organizations: d.plan.subject.organizations, ...d.plan.sans }),
    };
  };
  for (const d of pending) {
    const issued = (async () => {
      const key = await keys.get(d.plan.id);
      if (d.plan.isCa) return issueCertificate(certificateTemplate(d.plan), key!, undefined, now);
      await certificates.get(d.plan.issuer)!;
      const signer = await signerOf(d.plan.issuer);
      return signer.sign({ template: certificateTemplate(d.plan), profile: d.plan.profile, subject: subjectOf(d, key), now });
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
  for (const [id, request] of context.certificationRequests) material.certificationRequests!.set(id, request.pem);
  return { material, generatedKeys };
}
