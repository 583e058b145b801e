import type { CertificatePlan } from '../../plan';
import { actionableDrift } from '../../compare';
import { ParsedCertificate } from '../../crypto';
import { parseKubeconfig } from '../../outputs';
import type { ExistingMaterial } from './existing-material';
import type { CertificateDecision } from './material-decisions';

const hourMs = 3600_000;

/**
 * A user's certificate: the user holds the key, so the kubeconfig carries only the certificate. Kept while it is
 * signed by its CA, matches the plan and certifies the key of the user's current CSR; reissued otherwise (a new CSR is
 * a new key). Undefined when a problem was recorded.
 */
export function decideUserCertificate(
  leaf: CertificatePlan,
  issuer: CertificateDecision | undefined,
  requestKey: Buffer,
  existing: ExistingMaterial,
  now: Date,
): CertificateDecision | undefined {
  const file = existing.filesOf('kubeconfig', leaf.id)[0]!.path;
  // An outside CA's certificate comes back beside the kubeconfig (users/alice.conf.crt): when there, it is the one.
  const exchange = existing.exchangeOf(leaf.id);
  const returned = exchange ? existing.text(exchange.returnedFile) : undefined;
  const text = existing.text(file);
  if (text === undefined && returned === undefined) return { action: 'create', plan: leaf, reasons: [] };
  let pem: string | undefined;
  let parsed: ParsedCertificate;
  try {
    pem = returned ?? parseKubeconfig(text!).clientCertificatePem;
    if (!pem) return { action: 'create', plan: leaf, reasons: ['no client certificate'] };
    parsed = ParsedCertificate.fromPem(pem);
  } catch (error) {
    existing.problems.push({
      path: returned !== undefined ? exchange!.returnedFile : file,
      code: 'corrupt',
      message: `${(error as Error).message}; delete it to have it reissued`,
    });
    return undefined;
  }
  const issuerCertificate = issuer?.action === 'keep' ? issuer.certificate.parsed : undefined;
  const reasons = actionableDrift(leaf, parsed, issuerCertificate?.notAfter).map((d) => d.message);
  if (issuerCertificate && !parsed.isIssuedBy(issuerCertificate)) reasons.push(`not signed by ${leaf.issuer}`);
  if (!parsed.publicKeyDer().equals(requestKey)) reasons.push("the user's CSR has a new key");
  const renewBeforeMs = (existing.plan.cluster.renewBeforeHours ?? 0) * hourMs;
  if (parsed.notAfter.getTime() - renewBeforeMs <= now.getTime())
    reasons.push(`expires ${parsed.notAfter.toISOString()}`);
  return reasons.length === 0
    ? { action: 'keep', plan: leaf, certificate: { pem: parsed.pem, parsed } }
    : { action: 'reissue', plan: leaf, reasons, previous: parsed };
}
