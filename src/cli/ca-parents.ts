import type { PkiPlan } from '../plan';
import { SpecError, type SpecIssue } from '../spec';
import { ParsedCertificate } from '../crypto';
import { readSpecRelativeFile } from './spec-relative-file';

/**
 * Reads the offline root certificate of every intermediate CA (spec.pki.caParents, relative to the spec file) before
 * anything happens to the tree: an unreadable file, or one that is not a CA certificate, is a spec problem naming the
 * field. Returns the PEM by intermediate CA id.
 */
export function loadParentCertificates(plan: PkiPlan, specFile: string): Map<string, string> {
  const roots = new Map<string, string>();
  const issues: SpecIssue[] = [];
  for (const ca of plan.certificates.filter((c) => c.parent !== undefined)) {
    const where = `spec.pki.caParents.${ca.id}.certificate`;
    const text = readSpecRelativeFile(specFile, ca.parent!, where, 'parent_unreadable', issues);
    if (text === undefined) continue;
    let root: ParsedCertificate;
    try {
      root = ParsedCertificate.fromPem(text);
    } catch (error) {
      issues.push({
        code: 'parent_invalid',
        path: where,
        message: `${JSON.stringify(ca.parent)} ${(error as Error).message}: name the offline root's PEM certificate (never its key)`,
      });
      continue;
    }
    if (!root.isCa || !root.keyUsages.includes('keyCertSign')) {
      issues.push({
        code: 'parent_not_ca',
        path: where,
        message: `${JSON.stringify(ca.parent)} (${root.subject}) is not a CA certificate (basicConstraints CA:TRUE and keyCertSign): name the offline root's certificate`,
      });
      continue;
    }
    roots.set(ca.id, text);
  }
  if (issues.length > 0) throw new SpecError(issues, specFile);
  return roots;
}
