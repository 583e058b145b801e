import type { AccessReport } from './access-matrix';
import type { ExpectationResult } from './check-expectations';

const mark = (allowed: boolean, decidedBy: string) => (decidedBy === 'node-authorizer' ? 'node' : decidedBy === 'system:masters' ? '**all**' : allowed ? 'yes' : '·');

/** The access matrix as Markdown: one table per namespace, then cluster-admin equivalents and expectations. */
export function renderAccessMarkdown(report: AccessReport, expectations: ExpectationResult[]): string {
  const lines: string[] = [`# Access of cluster ${report.cluster}`, ''];
  lines.push('`yes` allowed by RBAC · `**all**` system:masters (bypasses RBAC) · `node` decided by the Node authorizer · `·` denied', '');
  for (const ns of report.namespaces) {
    const cells = report.cells.filter((c) => (c.namespace ?? null) === ns);
    const actions = [...new Set(cells.map((c) => c.action))];
    lines.push(`## ${ns ? `Namespace ${ns}` : 'Cluster-wide'}`, '');
    lines.push(`| identity | ${actions.join(' | ')} |`, `|---|${actions.map(() => '---').join('|')}|`);
    for (const i of report.identities) {
      const row = actions.map((a) => {
        const c = cells.find((x) => x.identity === i.ref && x.action === a)!;
        return mark(c.allowed, c.decidedBy);
      });
      lines.push(`| ${i.ref} | ${row.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('## Equivalent to cluster-admin', '');
  if (report.clusterAdminEquivalents.length === 0) lines.push('None.');
  for (const e of report.clusterAdminEquivalents) lines.push(`- ${e.identity}: ${e.revocable ? 'revocable, via' : '**UNREVOCABLE**,'} ${e.via}`);
  lines.push('');
  if (expectations.length > 0) {
    lines.push('## Expectations', '', '| result | as | namespace | action | expected | found |', '|---|---|---|---|---|---|');
    for (const r of expectations) {
      lines.push(`| ${r.passed ? 'pass' : '**FAIL**'} | ${r.as} | ${r.namespace ?? '(cluster)'} | \`${r.action}\` | ${r.expected} | ${r.decision.reason.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A failing expectation, worded for a terminal: expected, found, why. */
export function describeFailedExpectation(r: ExpectationResult): string {
  return `expectation failed: ${r.as} ${r.expected === 'allowed' ? 'can' : 'cannot'} "${r.action}" in ${r.namespace ?? 'the cluster scope'}: evaluator says ${r.decision.allowed ? 'allowed' : 'denied'} (${r.decision.reason})`;
}
