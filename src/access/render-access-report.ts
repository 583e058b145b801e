import type { AccessCell, AccessReport } from './access-matrix';
import type { ExpectationResult } from './check-expectations';

const mark = (allowed: boolean, decidedBy: string) =>
  decidedBy === 'node-authorizer' ? 'node' : decidedBy === 'system:masters' ? '**all**' : allowed ? 'yes' : '·';

/** One namespace's table: its actions, and per identity the cell of each action in that order. */
interface NamespaceTable {
  namespace: string | null;
  actions: string[];
  rows: { identity: string; cells: AccessCell[] }[];
}

/**
 * The cells laid out as tables, one per namespace, indexed in one pass: rendering stays linear in the number of cells
 * (looking each cell up in the whole list made the text table quadratic: 10 s at 1,000 users).
 */
function namespaceTables(report: AccessReport): NamespaceTable[] {
  const byNamespace = new Map<string | null, Map<string, Map<string, AccessCell>>>();
  for (const c of report.cells) {
    const ns = c.namespace ?? null;
    let byIdentity = byNamespace.get(ns);
    if (!byIdentity) byNamespace.set(ns, (byIdentity = new Map<string, Map<string, AccessCell>>()));
    let row = byIdentity.get(c.identity);
    if (!row) byIdentity.set(c.identity, (row = new Map<string, AccessCell>()));
    row.set(c.action, c);
  }
  return report.namespaces.map((ns) => {
    const byIdentity = byNamespace.get(ns) ?? new Map<string, Map<string, AccessCell>>();
    const actions = [...new Set([...byIdentity.values()].flatMap((row) => [...row.keys()]))];
    const rows = report.identities.map((i) => {
      const row = byIdentity.get(i.ref)!;
      return { identity: i.ref, cells: actions.map((a) => row.get(a)!) };
    });
    return { namespace: ns, actions, rows };
  });
}

/** The access matrix as Markdown: one table per namespace, then cluster-admin equivalents and expectations. */
export function renderAccessMarkdown(report: AccessReport, expectations: ExpectationResult[]): string {
  const lines: string[] = [`# Access of cluster ${report.cluster}`, ''];
  lines.push(
    '`yes` allowed by RBAC · `**all**` system:masters (bypasses RBAC) · `node` decided by the Node authorizer · `·` denied',
    '',
  );
  for (const { namespace: ns, actions, rows } of namespaceTables(report)) {
    lines.push(`## ${ns ? `Namespace ${ns}` : 'Cluster-wide'}`, '');
    lines.push(`| identity | ${actions.join(' | ')} |`, `|---|${actions.map(() => '---').join('|')}|`);
    for (const { identity, cells } of rows)
      lines.push(`| ${identity} | ${cells.map((c) => mark(c.allowed, c.decidedBy)).join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Equivalent to cluster-admin', '');
  if (report.clusterAdminEquivalents.length === 0) lines.push('None.');
  for (const e of report.clusterAdminEquivalents)
    lines.push(`- ${e.identity}: ${e.revocable ? 'revocable, via' : '**UNREVOCABLE**,'} ${e.via}`);
  lines.push('');
  if (expectations.length > 0) {
    lines.push(
      '## Expectations',
      '',
      '| result | as | namespace | action | expected | found |',
      '|---|---|---|---|---|---|',
    );
    for (const r of expectations) {
      lines.push(
        `| ${r.passed ? (r.warning ? '**WARN**' : 'pass') : '**FAIL**'} | ${r.as} | ${r.namespace ?? '(cluster)'} | \`${r.action}\` | ${r.expected} | ${found(r).replace(/\|/g, '\\|')} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * What the evaluator found, led by kubectl's warning when a name was not resolved: a `cannot:` entry whose resource
 * is misspelt passes (nothing grants a resource that does not exist), and the row itself must say it proves nothing.
 */
const found = (r: ExpectationResult) => (r.warning ? `Warning: ${r.warning}; ${r.decision.reason}` : r.decision.reason);

/** How many holding expectations carry a warning: they hold as written, which may not be what was meant. */
const warned = (expectations: ExpectationResult[]) => {
  const n = expectations.filter((r) => r.passed && r.warning).length;
  return n === 0 ? '' : `; WARN: ${n} of them only as written, see the warning`;
};

/** A failing expectation, worded for a terminal: expected, found, why. */
export function describeFailedExpectation(r: ExpectationResult): string {
  return `expectation failed: ${r.as} ${r.expected === 'allowed' ? 'can' : 'cannot'} "${r.action}" in ${r.namespace ?? 'the cluster scope'}: evaluator says ${r.decision.allowed ? 'allowed' : 'denied'} (${r.decision.reason})${r.warning ? `; warning: ${r.warning}` : ''}`;
}

const textMark = (allowed: boolean, decidedBy: string) =>
  decidedBy === 'node-authorizer' ? 'node' : decidedBy === 'system:masters' ? 'ALL' : allowed ? 'yes' : '-';

/** Columns padded to their widest cell, three spaces apart, as kubectl prints tables. */
function aligned(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd(),
  );
}

/** The access matrix for a terminal: one aligned table per namespace, then cluster-admin equivalents and expectations. */
export function renderAccessText(report: AccessReport, expectations: ExpectationResult[]): string {
  const lines: string[] = [
    `Access of cluster ${report.cluster}: yes allowed by RBAC, ALL system:masters (bypasses RBAC), node decided by the Node authorizer, - denied`,
    '',
  ];
  for (const { namespace: ns, actions, rows } of namespaceTables(report)) {
    lines.push(ns ? `Namespace ${ns}` : 'Cluster-wide');
    const table = rows.map(({ identity, cells }) => [identity, ...cells.map((c) => textMark(c.allowed, c.decidedBy))]);
    lines.push(...aligned([['IDENTITY', ...actions.map((a) => a.toUpperCase())], ...table]).map((l) => `  ${l}`), '');
  }
  lines.push('Equivalent to cluster-admin:');
  if (report.clusterAdminEquivalents.length === 0) lines.push('  none');
  for (const e of report.clusterAdminEquivalents)
    lines.push(`  ${e.identity}: ${e.revocable ? 'revocable, via' : 'UNREVOCABLE,'} ${e.via}`);
  if (expectations.length > 0) {
    lines.push(
      '',
      `Expectations (${expectations.filter((r) => r.passed).length} of ${expectations.length} hold${warned(expectations)}):`,
    );
    lines.push(
      ...aligned(
        expectations.map((r) => [
          r.passed ? (r.warning ? 'WARN' : 'pass') : 'FAIL',
          r.as,
          r.namespace ?? '(cluster)',
          `${r.expected === 'allowed' ? 'can' : 'cannot'} ${r.action}`,
          found(r),
        ]),
      ).map((l) => `  ${l}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
