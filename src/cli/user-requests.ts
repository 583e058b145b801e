import type { PkiPlan } from '../plan';
import { SpecError, type SpecIssue } from '../spec';
import { ParsedCertificationRequest, checkUserCertificationRequest } from '../crypto';
import { readSpecRelativeFile } from './spec-relative-file';

/**
 * Reads the CSR of every user whose spec names one (relative to the spec file) and checks it against the plan before
 * anything is written: a CSR that is unreadable, badly signed, for another name or asking for more groups than the
 * spec gives is a spec problem at `spec.users[i].csr`, with the reason.
 */
export async function loadUserRequests(
  plan: PkiPlan,
  specFile: string,
  userNames: string[],
): Promise<Map<string, string>> {
  const requests = new Map<string, string>();
  const issues: SpecIssue[] = [];
  for (const leaf of plan.certificates.filter((c) => c.keyHolder === 'user')) {
    const where = `spec.users[${userNames.indexOf(leaf.subject.commonName)}].csr`;
    const text = readSpecRelativeFile(specFile, leaf.csr!, where, 'csr_unreadable', issues);
    if (text === undefined) continue;
    let csr: ParsedCertificationRequest;
    try {
      csr = ParsedCertificationRequest.fromPem(text);
    } catch (error) {
      issues.push({
        code: 'csr_invalid',
        path: where,
        message: `${JSON.stringify(leaf.csr)} ${(error as Error).message}; the user makes one with kubepki user-request`,
      });
      continue;
    }
    const reasons = await checkUserCertificationRequest(csr, leaf.subject);
    if (reasons.length > 0)
      issues.push({
        code: 'csr_refused',
        path: where,
        message: `${JSON.stringify(leaf.csr)} is refused: ${reasons.join('; ')}`,
      });
    else requests.set(leaf.id, text);
  }
  if (issues.length > 0) throw new SpecError(issues, specFile);
  return requests;
}
