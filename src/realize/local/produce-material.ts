import { certificateContent, type PkiPlan } from '../../plan';
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
import type { CertificateDecision, MaterialDecisions } from './material-decisions';

export interface ProducedMaterial {
  readonly material: PkiMaterial;
  readonly generatedKeys: number;
}

/** Signers of CAs whose keys kubepki does not hold, and users' CSRs, by id. */
export interface SigningContext {
  readonly signers: ReadonlyMap<string, CertificateSigner>;
  readonly certificationRequests: ReadonlyMap<string, ParsedCertificationRequest>;
}

const noSigningContext: SigningContext = { signers: new Map(), certificationRequests: new Map() };

/**
 * Produces the keys and certificates the decisions call for, as a pipeline: every missing key starts generating at
 * once on libuv's thread pool (CA keys first in its queue), and each certificate is signed as soon as its own key and
 * its issuer's certificate exist — signing overlaps key generation instead of waiting for the last key.
 */
export async function produceMaterial(
  plan: PkiPlan,
  decisions: MaterialDecisions,
  now: Date,
  keyPool?: KeyPool,
  context: SigningContext = noSigningContext,
): Promise<ProducedMaterial> {
  let generatedKeys = 0;
  const newKey = (algorithm: KeyPair['algorithm']): Promise<KeyPair> => {
    generatedKeys++;
    return keyPool ? keyPool.take(algorithm) : KeyPair.generate(algorithm);
  };
  const all = [...decisions.certificates.values()];
  const byCaFirst = [...all.filter((d) => d.plan.isCa), ...all.filter((d) => !d.plan.isCa)];
  const keys = new Map<string, Promise<KeyPair>>();
  // Keys held elsewhere — users', CAs' in cfssl or an HSM — are never generated here.
  for (const d of byCaFirst) {
    if (d.key) keys.set(d.plan.id, Promise.resolve(d.key.pair));
    else if (d.plan.keyHolder === 'kubepki' && d.action !== 'keep') keys.set(d.plan.id, newKey(d.plan.algorithm));
  }
  const saKeys = plan.keyPairs.map((pair) => {
    const sa = decisions.serviceAccountKeys.get(pair.id)!;
    return {
      id: pair.id,
      sa,
      key:
        sa.action === 'keep'
          ? Promise.resolve(sa.key.pair)
          : sa.action === 'create'
            ? newKey(pair.algorithm)
            : undefined,
    };
  });

  const certificates = new Map<string, Promise<ParsedCertificate>>();
  const certificateOf = (id: string): Promise<ParsedCertificate> => {
    const found = certificates.get(id);
    if (!found) throw new Error(`internal: no decision for ${id}`);
    return found;
  };
  // Each leaf is signed through its CA's signer: the CA key in memory by default, or a signer that holds it elsewhere.
  const localSigners = new Map<string, Promise<CertificateSigner>>();
  const signerOf = (caId: string): Promise<CertificateSigner> => {
    const remote = context.signers.get(caId);
    if (remote) return Promise.resolve(remote);
    let local = localSigners.get(caId);
    if (!local) {
      local = Promise.all([certificateOf(caId), keys.get(caId)!]).then(
        ([certificate, key]) => new LocalKeySigner(key, certificate),
      );
      localSigners.set(caId, local);
    }
    return local;
  };
  const subjectOf = (d: CertificateDecision): SigningSubject => {
    const request = context.certificationRequests.get(d.plan.id);
    if (request)
      return {
        publicKeyDer: () => Promise.resolve(request.publicKeyDer()),
        certificationRequest: () => Promise.resolve(request.pem),
      };
    const key = keys.get(d.plan.id)!;
    return {
      publicKeyDer: async () => (await key).publicKeyDer(),
      certificationRequest: async () =>
        createCertificationRequest(await key, {
          commonName: d.plan.subject.commonName,
          organizations: d.plan.subject.organizations,
          ...d.plan.sans,
        }),
    };
  };
  const issue = async (d: CertificateDecision): Promise<ParsedCertificate> => {
    if (d.action === 'keep') return d.certificate.parsed;
    if (d.plan.isCa) return issueCertificate(certificateContent(d.plan), await keys.get(d.plan.id)!, undefined, now);
    await certificateOf(d.plan.issuer);
    const signer = await signerOf(d.plan.issuer);
    return signer.sign({ template: certificateContent(d.plan), profile: d.plan.profile, subject: subjectOf(d), now });
  };
  // CAs are registered before leaves, so a leaf's issuer promise always exists when the leaf asks for it.
  for (const d of byCaFirst) certificates.set(d.plan.id, issue(d));

  // Awaited together, so that the first failure is the one reported and no rejection is left unhandled.
  await Promise.all([...certificates.values(), ...keys.values(), ...saKeys.map((k) => k.key)]);
  const material: PkiMaterial = {
    certificates: new Map(),
    privateKeys: new Map(),
    publicKeys: new Map(),
    certificationRequests: requestTexts(context),
  };
  for (const d of byCaFirst) {
    const certificate = await certificates.get(d.plan.id)!;
    material.certificates.set(d.plan.id, d.action === 'keep' ? d.certificate.pem : certificate.pem);
    // External CA mode: a kept CA without its key has no key file to write.
    if (d.key) material.privateKeys.set(d.plan.id, d.key.pem);
    else if (keys.has(d.plan.id)) material.privateKeys.set(d.plan.id, (await keys.get(d.plan.id)!).toPem());
  }
  for (const { id, sa, key } of saKeys) {
    // A rotation's leaving key may be known by its public half only: it verifies, it no longer signs.
    if (sa.action === 'public') {
      material.publicKeys.set(id, sa.publicKeyPem);
      continue;
    }
    const pair = (await key)!;
    material.privateKeys.set(id, sa.action === 'keep' ? sa.key.pem : pair.toPem());
    material.publicKeys.set(
      id,
      sa.action === 'keep' && sa.publicKeyPem !== undefined ? sa.publicKeyPem : pair.publicKeyPem(),
    );
  }
  return { material, generatedKeys };
}

/** The material that exists already, for a dry run (which generates nothing). */
export function keptMaterial(decisions: MaterialDecisions, context: SigningContext = noSigningContext): PkiMaterial {
  const material: PkiMaterial = {
    certificates: new Map(),
    privateKeys: new Map(),
    publicKeys: new Map(),
    certificationRequests: requestTexts(context),
  };
  for (const [id, d] of decisions.certificates) {
    if (d.action === 'keep') material.certificates.set(id, d.certificate.pem);
    // A reissued certificate usually keeps its key: that key file stays as it is.
    if (d.key) material.privateKeys.set(id, d.key.pem);
  }
  for (const [id, sa] of decisions.serviceAccountKeys) {
    if (sa.action === 'keep') {
      material.privateKeys.set(id, sa.key.pem);
      material.publicKeys.set(id, sa.publicKeyPem ?? sa.key.pair.publicKeyPem());
    }
    if (sa.action === 'public') material.publicKeys.set(id, sa.publicKeyPem);
  }
  return material;
}

/** Users' CSRs as the files carry them. */
function requestTexts(context: SigningContext): Map<string, string> {
  return new Map([...context.certificationRequests].map(([id, request]) => [id, request.pem]));
}
