import type { Finding } from './finding';

/** One line per finding (`error  cp1/pki/apiserver.crt  chain.wrong-issuer  …`) and a count. */
export function renderFindingsText(findings: readonly Finding[]): string {
  const lines = findings.map((f) => `${f.severity.padEnd(8)}${f.file}  [${f.id}]  ${f.message}`);
  const count = (s: Finding['severity'], noun: string) => {
    const n = findings.filter((f) => f.severity === s).length;
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
  };
  lines.push(`${count('error', 'error')}, ${count('warning', 'warning')}, ${count('info', 'note')}`);
  return `${lines.join('\n')}\n`;
}

/** The findings as a JSON array, for scripts. */
export function renderFindingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify(findings, null, 2)}\n`;
}
