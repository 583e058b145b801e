import type { Finding } from './finding';

/** One line per finding (`error  cp1/pki/apiserver.crt  chain.wrong-issuer  …`) and a count. */
export function renderFindingsText(findings: readonly Finding[]): string {
  const lines = findings.map((f) => `${f.severity.padEnd(8)}${f.file}  [${f.id}]  ${f.message}`);
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  lines.push(`${count('error')} errors, ${count('warning')} warnings, ${count('info')} notes`);
  return `${lines.join('\n')}\n`;
}

/** The findings as a JSON array, for scripts. */
export function renderFindingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify(findings, null, 2)}\n`;
}
