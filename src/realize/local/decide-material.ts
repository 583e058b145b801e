import { authorityOfId, type PkiPlan } from '../../plan';
import { ExistingMaterial } from './existing-material';
import { decideCertificateAuthority } from './decide-certificate-authority';
import { decideLeafCertificate } from './decide-leaf-certificate';
import { decideServiceAccountKey } from './decide-service-account-key';
import type { CertificateDecision, MaterialDecisions } from './material-decisions';
import { externalCaCertificateMissing, externalCaCertificateOutdated } from './external-ca-problems';
import type { TreeProblem } from './realize-error';
import type { TreeFile } from './read-output-tree';
import type { ParsedCertificate, ParsedCertificationRequest } from '../../crypto';
import { decideUserCertificate } from './decide-user-certificate';

/** Material from outside the tree (see gatherExternalMaterial in external-material.ts), and the CAs whose signers hold their keys. */
export interface ExternalDecisionInput {
  readonly caCertificates: ReadonlyMap<string, ParsedCertificate>;
  readonly certificationRequests: ReadonlyMap<string, ParsedCertificationRequest>;
  readonly signedElsewhere: ReadonlySet<string>;
  /**
   * `kubepki csr`: only the keys and CSRs of the leaves an outside CA signs are wanted, so an outside CA's
   * certificate may be absent and nothing is refused for want of a CA key. @default false
   */
  readonly requestsOnly?: boolean;
  /** The offline roots of intermediate CAs, by intermediate CA id. */
  readonly parentCertificates?: ReadonlyMap<string, ParsedCertificate>;
}

const nothingExternal: ExternalDecisionInput = {
  caCertificates: new Map(),
  certificationRequests: new Map(),
  signedElsewhere: new Set(),
};
import type { LocatedAuthorities } from '../../compare';
import type { ServiceAccountKeyDecision } from './material-decisions';

/**
 * Decides, from the files on disk alone, which certificates to keep, issue or reissue. CAs first, since every leaf
 * is checked against its CA. Collects every problem instead of stopping at the first; the caller writes nothing when
 * there is one.
 */
export async function decideMaterial(
  plan: PkiPlan,
  files: ReadonlyMap<string, TreeFile>,
  now: Date,
  external: ExternalDecisionInput = nothingExternal,
  renew: ReadonlySet<string> = new Set(),
  located?: LocatedAuthorities,
): Promise<{ decisions: MaterialDecisions; problems: TreeProblem[] }> {
  const existing = new ExistingMaterial(plan, files);
  const certificates = new Map<string, CertificateDecision>();
  for (const ca of plan.certificates.filter((c) => c.isCa)) {
    let decision = decideCertificateAuthority(ca, existing, located, external.parentCertificates?.get(ca.id));
    if (decision?.action === 'create' && ca.keyHolder !== 'kubepki') {
      // Never make a CA whose key the spec puts elsewhere: its signer handed over its certificate, or it is missing.
      const provided = external.caCertificates.get(ca.id);
      if (provided) {
        decision = { action: 'keep', plan: ca, certificate: { pem: provided.pem, parsed: provided } };
      } else {
        if (ca.keyHolder === 'external-ca' && !external.requestsOnly) {
          existing.problems.push({
            path: existing.filesOf('certificate', ca.id)[0]!.path,
            code: 'no-ca-key',
            message: `is missing: the ${ca.id} key is held by an outside CA (spec.pki.caKeys.${ca.id}: external-ca); place that CA's certificate here`,
          });
        }
        decision = undefined;
      }
    }
    if (decision) certificates.set(ca.id, decision);
  }
  const leaves = plan.certificates.filter((c) => !c.isCa);
  const kept = (decision: CertificateDecision | undefined) =>
    decision?.action === 'keep' ? decision.certificate.parsed : undefined;
  await Promise.all(
    leaves
      .filter((leaf) => !external.certificationRequests.has(leaf.id) && leaf.keyHolder !== 'user')
      .map((leaf) =>
        existing.checkSignaturesAhead(leaf, [
          kept(certificates.get(leaf.issuer)),
          kept(retiringSibling(plan, leaf.issuer, certificates)),
        ]),
      ),
  );
  for (const leaf of leaves) {
    const request = external.certificationRequests.get(leaf.id);
    if (leaf.keyHolder === 'user' && !request) continue; // reported by gatherExternalMaterial
    const decision = request
      ? decideUserCertificate(leaf, certificates.get(leaf.issuer), request.publicKeyDer(), existing, now)
      : decideLeafCertificate(
          leaf,
          certificates.get(leaf.issuer),
          existing,
          now,
          renew.has(leaf.id),
          retiringSibling(plan, leaf.issuer, certificates),
        );
    if (decision) certificates.set(leaf.id, decision);
  }
  for (const decision of certificates.values()) {
    const issuer = certificates.get(decision.plan.issuer);
    // Only issuing needs a CA key and an unexpired CA: `kubepki csr` issues nothing.
    if (decision.action === 'keep' || decision.plan.isCa || issuer?.action !== 'keep' || external.requestsOnly)
      continue;
    const caCertificate = existing.filesOf('certificate', issuer.plan.id)[0]?.path ?? issuer.plan.id;
    if (issuer.certificate.parsed.notAfter.getTime() <= now.getTime()) {
      existing.problems.push({
        path: caCertificate,
        code: 'ca-expired',
        message: `expired ${issuer.certificate.parsed.notAfter.toISOString()}, so ${decision.plan.id} cannot be issued by it: kubepki never replaces a CA implicitly; move the CA files away to start a new PKI`,
      });
    }
    if (!issuer.key && !external.signedElsewhere.has(issuer.plan.id)) {
      const exchange = existing.exchangeOf(decision.plan.id);
      if (exchange) {
        const requested =
          exchange.keyFile !== undefined
            ? decision.key !== undefined
            : existing.text(exchange.requestFile) !== undefined;
        existing.problems.push(
          decision.action === 'create'
            ? externalCaCertificateMissing(exchange, requested)
            : externalCaCertificateOutdated(exchange, decision.reasons),
        );
        continue;
      }
      existing.problems.push({
        path: existing.filesOf('private-key', issuer.plan.id)[0]?.path ?? issuer.plan.id,
        code: 'no-ca-key',
        message: `is absent (external CA mode), so ${decision.plan.id} cannot be ${decision.action === 'create' ? 'issued' : 'reissued'}: provide it, or place the certificate and key signed by your CA`,
      });
    }
  }
  if (located) {
    const serviceAccountKeys = new Map<string, ServiceAccountKeyDecision>();
    for (const pair of plan.keyPairs) {
      const found = located.serviceAccountKeys.get(pair.id);
      serviceAccountKeys.set(
        pair.id,
        !found
          ? { action: 'create' }
          : found.key
            ? { action: 'keep', key: { pem: found.keyPem!, pair: found.key }, publicKeyPem: found.publicKeyPem }
            : { action: 'public', publicKeyPem: found.publicKeyPem },
      );
    }
    return {
      decisions: { certificates, serviceAccountKey: serviceAccountKeys.get(plan.keyPairs[0]!.id)!, serviceAccountKeys },
      problems: existing.problems,
    };
  }
  const serviceAccountKey = decideServiceAccountKey(existing) ?? { action: 'create' };
  return {
    decisions: { certificates, serviceAccountKey, serviceAccountKeys: new Map([['sa', serviceAccountKey]]) },
    problems: existing.problems,
  };
}

/** The generation a rotation is replacing, beside the CA `issuer` names, when the tree still holds it. */
function retiringSibling(
  plan: PkiPlan,
  issuer: string,
  decided: ReadonlyMap<string, CertificateDecision>,
): CertificateDecision | undefined {
  const previous = authorityOfId(plan, issuer)?.authority.previous;
  const decision = previous !== undefined && previous !== issuer ? decided.get(previous) : undefined;
  return decision?.action === 'keep' ? decision : undefined;
}
