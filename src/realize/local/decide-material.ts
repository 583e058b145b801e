import type { PkiPlan } from '../../plan';
import { ExistingMaterial } from './existing-material';
import { decideCertificateAuthority } from './decide-certificate-authority';
import { decideLeafCertificate } from './decide-leaf-certificate';
import { decideServiceAccountKey } from './decide-service-account-key';
import type { CertificateDecision, MaterialDecisions } from './material-decisions';
import type { TreeProblem } from './realize-error';
import type { TreeFile } from './read-output-tree';

/**
 * Decides, from the files on disk alone, which certificates to keep, issue or reissue. CAs first, since every leaf
 * is checked against its CA. Collects every problem instead of stopping at the first; the caller writes nothing when
 * there is one.
 */
export function decideMaterial(plan: PkiPlan, files: ReadonlyMap<string, TreeFile>, now: Date): { decisions: MaterialDecisions; problems: TreeProblem[] } {
  const existing = new ExistingMaterial(plan, files);
  const certificates = new Map<string, CertificateDecision>();
  for (const ca of plan.certificates.filter((c) => c.isCa)) {
    const decision = decideCertificateAuthority(ca, existing);
    if (decision) certificates.set(ca.id, decision);
  }
  for (const leaf of plan.certificates.filter((c) => !c.isCa)) {
    const decision = decideLeafCertificate(leaf, certificates.get(leaf.issuer), existing, now);
    if (decision) certificates.set(leaf.id, decision);
  }
  for (const decision of certificates.values()) {
    const issuer = certificates.get(decision.plan.issuer);
    if (decision.action === 'keep' || decision.plan.isCa || issuer?.action !== 'keep') continue;
    const caCertificate = existing.filesOf('certificate', issuer.plan.id)[0]?.path ?? issuer.plan.id;
    if (issuer.certificate.parsed.notAfter.getTime() <= now.getTime()) {
      existing.problems.push({
        path: caCertificate,
        code: 'ca-expired',
        message: `expired ${issuer.certificate.parsed.notAfter.toISOString()}, so ${decision.plan.id} cannot be issued by it: kubepki never replaces a CA implicitly; move the CA files away to start a new PKI`,
      });
    }
    if (!issuer.key) {
      existing.problems.push({
        path: existing.filesOf('private-key', issuer.plan.id)[0]?.path ?? issuer.plan.id,
        code: 'no-ca-key',
        message: `is absent (external CA mode), so ${decision.plan.id} cannot be ${decision.action === 'create' ? 'issued' : 'reissued'}: provide it, or place the certificate and key signed by your CA`,
      });
    }
  }
  const serviceAccountKey = decideServiceAccountKey(existing) ?? { action: 'create' };
  return { decisions: { certificates, serviceAccountKey }, problems: existing.problems };
}
