import { createPublicKey } from 'node:crypto';
import type { CertificatePlan } from '../../plan';
import { renewBeforeHours } from '../../plan';
import { actionableDrift } from '../../compare';
import type { ExistingMaterial } from './existing-material';
import type { CertificateDecision } from './material-decisions';
import { externalCaKeyMissing, externalCaWrongIssuer, externalCaWrongKey } from './external-ca-problems';

const hourMs = 3600_000;

/**
 * Keep, issue or reissue one leaf the way kubeadm reuses existing files, plus the checks kubeadm skips (key/cert
 * match, issuer, subject, usages). Undefined when a problem was recorded.
 */
export function decideLeafCertificate(
  leaf: CertificatePlan,
  issuer: CertificateDecision | undefined,
  existing: ExistingMaterial,
  now: Date,
  renew = false,
  leaving?: CertificateDecision,
): CertificateDecision | undefined {
  const texts = existing.leafTexts(leaf);
  if (!texts) return undefined;
  // An outside CA signs it (external-ca): a wrong certificate is refused with what to ask that CA for.
  const exchange = existing.exchangeOf(leaf.id);
  if (texts.certificate !== undefined && texts.key === undefined && exchange) {
    existing.problems.push(externalCaKeyMissing(exchange));
    return undefined;
  }
  if (texts.certificate !== undefined && texts.key === undefined) {
    existing.problems.push({
      path: texts.certificatePath,
      code: 'missing-key',
      message: `exists without its key ${texts.keyPath}: restore the key, or delete the certificate to have both issued`,
    });
    return undefined;
  }
  const key = texts.key !== undefined ? existing.key(texts.key, texts.keyPath) : undefined;
  if (texts.key !== undefined && !key) return undefined;
  if (texts.certificate === undefined) {
    // A key without a certificate (kubeadm's "key only" case): issue a certificate for it if it fits the plan.
    const reusable = key && key.pair.algorithm === leaf.algorithm ? key : undefined;
    return { action: 'create', plan: leaf, reasons: [], ...(reusable ? { key: reusable } : {}) };
  }
  const cert = existing.certificate(texts.certificate, texts.certificatePath);
  if (!cert || !key) return undefined;
  const parsed = cert.parsed;
  if (!parsed.matchesKey(key.pair)) {
    if (exchange) {
      existing.problems.push(externalCaWrongKey(exchange));
      return undefined;
    }
    existing.problems.push({
      path: texts.keyPath,
      code: 'key-mismatch',
      message: `the private key does not match the certificate${texts.certificatePath === texts.keyPath ? '' : ` ${texts.certificatePath}`}: restore the matching pair, or delete both to have them reissued`,
    });
    return undefined;
  }
  // The issue stage of a rotation: a leaf of the leaving generation is reissued by the new one, its key kept.
  if (
    issuer?.action === 'keep' &&
    leaving?.action === 'keep' &&
    !parsed.isIssuedBy(issuer.certificate.parsed) &&
    parsed.isIssuedBy(leaving.certificate.parsed)
  ) {
    const keepKey = key.pair.algorithm === leaf.algorithm;
    return {
      action: 'reissue',
      plan: leaf,
      reasons: [`issued by ${leaving.plan.id}; the rotation's issue stage reissues it by ${leaf.issuer}`],
      previous: parsed,
      ...(keepKey ? { key } : {}),
    };
  }
  if (issuer?.action === 'keep' && !parsed.isIssuedBy(issuer.certificate.parsed)) {
    if (exchange) {
      const caFiles = existing.filesOf('certificate', leaf.issuer).map((f) => f.path);
      const caFile = caFiles.find((f) => f.startsWith(`${leaf.node}/`)) ?? caFiles[0] ?? leaf.issuer;
      existing.problems.push(externalCaWrongIssuer(exchange, parsed.issuer, caFile));
      return undefined;
    }
    existing.problems.push({
      path: texts.certificatePath,
      code: 'wrong-issuer',
      message: `is not signed by its CA ${leaf.issuer} (issuer "${parsed.issuer}"): delete it (and its key) to have it reissued by ${leaf.issuer}, or restore the right CA`,
    });
    return undefined;
  }
  // A CA certified again for its existing key: leaves that key signed stay valid; others cannot be checked.
  const signedByRecertifiedKey =
    issuer?.action === 'create' &&
    issuer.key !== undefined &&
    parsed.node.verify(createPublicKey(issuer.key.pair.privateKey));
  if (issuer?.action === 'create' && !signedByRecertifiedKey) {
    existing.problems.push({
      path: texts.certificatePath,
      code: 'wrong-issuer',
      message: `exists but its CA ${leaf.issuer} does not, so it cannot be verified: restore the CA files, or delete this certificate to have it reissued by a new CA`,
    });
    return undefined;
  }
  const issuerNotAfter = issuer?.action === 'keep' ? issuer.certificate.parsed.notAfter : undefined;
  const reasons = actionableDrift(leaf, parsed, issuerNotAfter, issuer?.plan.retiring).map((d) => d.message);
  // `kubepki renew` (kubeadm certs renew): the same key, a fresh validity from now.
  if (renew) reasons.push('renewal requested');
  if (parsed.notAfter.getTime() - renewBeforeHours(existing.plan, leaf) * hourMs <= now.getTime()) {
    reasons.push(
      parsed.notAfter.getTime() <= now.getTime()
        ? `expired ${parsed.notAfter.toISOString()}`
        : `expires ${parsed.notAfter.toISOString()}, inside the renewal window`,
    );
  }
  if (reasons.length === 0) return { action: 'keep', plan: leaf, certificate: cert, key };
  const keepKey = key.pair.algorithm === leaf.algorithm;
  return { action: 'reissue', plan: leaf, reasons, previous: parsed, ...(keepKey ? { key } : {}) };
}
