import type { PkiPlan } from '../../plan';
import {
  ParsedCertificate,
  ParsedCertificationRequest,
  checkUserCertificationRequest,
  type CertificateSigner,
} from '../../crypto';
import type { TreeFile } from './read-output-tree';
import type { TreeProblem } from './realize-error';
import { certificateContent } from '../../plan';

/** What kubepki does not make itself: CA certificates from signers that hold the CA keys, and users' CSRs. */
export interface ExternalMaterial {
  /** CA certificates a signer provided, by CA id, for CAs whose certificate is not in the tree yet. */
  caCertificates: Map<string, ParsedCertificate>;
  /** Users' CSRs by certificate id, checked against the plan. */
  certificationRequests: Map<string, ParsedCertificationRequest>;
  /** The offline roots of intermediate CAs, by intermediate CA id. */
  parentCertificates: Map<string, ParsedCertificate>;
  problems: TreeProblem[];
}

/**
 * Gathers and checks the material held outside the tree before anything is decided: every CA whose key lives
 * elsewhere must have its signer (or, for an outside CA, its certificate in the tree), and every user CSR must be
 * well signed and ask for no more than the spec gives.
 */
export async function gatherExternalMaterial(
  plan: PkiPlan,
  existing: ReadonlyMap<string, TreeFile>,
  signers: ReadonlyMap<string, CertificateSigner>,
  requests: ReadonlyMap<string, string>,
  now: Date,
  parents: ReadonlyMap<string, string> = new Map(),
): Promise<ExternalMaterial> {
  const material: ExternalMaterial = {
    caCertificates: new Map(),
    certificationRequests: new Map(),
    parentCertificates: new Map(),
    problems: [],
  };
  for (const ca of plan.certificates.filter((c) => c.parent !== undefined)) {
    const text = parents.get(ca.id);
    let root: ParsedCertificate | undefined;
    try {
      root = text !== undefined ? ParsedCertificate.fromPem(text) : undefined;
    } catch (error) {
      material.problems.push({
        path: ca.parent!,
        code: 'intermediate-refused',
        message: `${(error as Error).message}: spec.pki.caParents.${ca.id}.certificate must be the offline root's PEM certificate`,
      });
      continue;
    }
    if (!root)
      material.problems.push({
        path: ca.parent!,
        code: 'intermediate-refused',
        message: `the offline root of ${ca.id} was not provided: spec.pki.caParents.${ca.id}.certificate names it, relative to the spec file`,
      });
    else material.parentCertificates.set(ca.id, root);
  }
  for (const id of signers.keys()) {
    const ca = plan.certificates.find((c) => c.id === id && c.isCa);
    if (!ca)
      material.problems.push({
        path: id,
        code: 'no-ca-key',
        message: `a signer was given for ${id}, which is not a CA of this plan (CAs: ${plan.certificates
          .filter((c) => c.isCa)
          .map((c) => c.id)
          .join(', ')})`,
      });
    else if (ca.keyHolder === 'kubepki' || ca.keyHolder === 'external-ca') {
      material.problems.push({
        path: id,
        code: 'no-ca-key',
        message: `a signer was given for ${id}, but spec.pki.caKeys.${id} is ${ca.keyHolder}: set it to cfssl or hsm`,
      });
    }
  }
  for (const ca of plan.certificates.filter((c) => c.isCa && (c.keyHolder === 'cfssl' || c.keyHolder === 'hsm'))) {
    const file = plan.files.find((f) => f.content.kind === 'certificate' && f.content.of === ca.id)!;
    const signer = signers.get(ca.id);
    if (!signer) {
      material.problems.push({
        path: file.path,
        code: 'no-ca-key',
        message: `the ${ca.id} key is held by ${ca.keyHolder} (spec.pki.caKeys.${ca.id}) and no signer was given: pass --signer ${ca.id}=${ca.keyHolder === 'cfssl' ? 'cfssl:http://127.0.0.1:8888' : 'pkcs11:token=…;object=…'}`,
      });
      continue;
    }
    const onDisk = existing.get(file.path);
    let present: ParsedCertificate | undefined;
    try {
      present = onDisk ? ParsedCertificate.fromPem(onDisk.content) : undefined;
    } catch {
      continue; // reported as corrupt by the reconciliation
    }
    try {
      const certificate = await signer.caCertificate(certificateContent(ca), present, now);
      if (present && !certificate.publicKeyDer().equals(present.publicKeyDer())) {
        material.problems.push({
          path: file.path,
          code: 'ca-mismatch',
          message: `is not the CA ${ca.keyHolder} signs with (its key differs): restore the right certificate, or point --signer ${ca.id} at the right CA`,
        });
      } else if (!present) {
        material.caCertificates.set(ca.id, certificate);
      }
    } catch (error) {
      material.problems.push({
        path: file.path,
        code: 'no-ca-key',
        message: `the ${ca.keyHolder} signer for ${ca.id} failed: ${(error as Error).message}`,
      });
    }
  }
  for (const leaf of plan.certificates.filter((c) => c.keyHolder === 'user')) {
    const where = leaf.csr ?? leaf.id;
    const text = requests.get(leaf.id);
    if (text === undefined) {
      material.problems.push({
        path: where,
        code: 'csr-refused',
        message: `${leaf.subject.commonName}'s CSR was not provided: the user makes it with kubepki user-request`,
      });
      continue;
    }
    let csr: ParsedCertificationRequest;
    try {
      csr = ParsedCertificationRequest.fromPem(text);
    } catch (error) {
      material.problems.push({
        path: where,
        code: 'csr-refused',
        message: `${(error as Error).message}; the user makes one with kubepki user-request`,
      });
      continue;
    }
    const reasons = await checkUserCertificationRequest(csr, leaf.subject);
    if (reasons.length > 0)
      material.problems.push({ path: where, code: 'csr-refused', message: `refused: ${reasons.join('; ')}` });
    else material.certificationRequests.set(leaf.id, csr);
  }
  return material;
}
