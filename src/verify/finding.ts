/** How bad a finding is: `error` breaks a component or trust (verify exits 1), `warning` will, `info` is worth knowing. */
export type FindingSeverity = 'error' | 'warning' | 'info';

/**
 * One thing verification noticed about one file, with the reason. Verification never answers with a bare boolean:
 * a reviewer needs to know which file, which rule, and why it matters.
 */
export interface Finding {
  /** Stable check id, e.g. `chain.wrong-issuer`, `file.mode`, `drift.missing`; tests and scripts match on it. */
  id: string;
  /** Path relative to the verified directory (`cp1/pki/apiserver.crt`, `pki/ca.key`, `admin.conf`). */
  file: string;
  severity: FindingSeverity;
  /** A sentence with the reason and, where there is one, the fix. Never contains key material. */
  message: string;
}

const severityOrder: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then by file and id, so the same tree always prints the same report. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityOrder[a.severity] - severityOrder[b.severity] ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** True when any finding is an error: what makes `kubepki verify` exit 1. */
export function hasErrorFindings(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
