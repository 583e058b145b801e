import type { PlanDiff } from './diff-plans';
import type { AccessChange } from './diff-access';
import { replacementSubject } from './diff-impact';
import type { RotationStageChange } from './rotation-review';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${text}\``;
const list = (items: string[], max = 12) => {
  if (items.length === 0) return '—';
  const shown = items.slice(0, max).map(code).join(', ');
  return items.length > max ? `${shown} … and ${items.length - max} more` : shown;
};

function certificateRows(diff: PlanDiff): string[] {
  const rows: string[] = [];
  for (const c of diff.certificates.changed)
    rows.push(`| changed | ${code(c.id)} | ${c.node ?? '—'} | ${cell(c.changes.map((x) => x.text).join('; '))} |`);
  for (const c of diff.certificates.added)
    rows.push(
      `| added | ${code(c.id)} | ${c.node ?? '—'} | ${cell(`${c.subject}, issuer ${c.issuer}${c.sans.length ? `, SANs ${c.sans.join(' ')}` : ''}`)} |`,
    );
  for (const c of diff.certificates.removed)
    rows.push(
      `| removed | ${code(c.id)} | ${c.node ?? '—'} | ${cell(`${c.subject}; stays valid until it expires unless its CA is replaced`)} |`,
    );
  return rows;
}

/** `ci: get pods, get pods/log; default: get pods` from `<scope>: <action>` cells. */
function byScope(cells: string[]): string {
  const scopes = new Map<string, string[]>();
  for (const c of cells) {
    const [scope, action] = [c.slice(0, c.indexOf(': ')), c.slice(c.indexOf(': ') + 2)];
    scopes.set(scope, [...(scopes.get(scope) ?? []), action]);
  }
  return [...scopes].map(([scope, actions]) => `${scope}: ${actions.join(', ')}`).join('; ') || '—';
}

/** Cluster-admin equivalent before and after, only whether a binding can revoke it moved (system:masters in or out). */
const staysClusterAdmin = (admin: AccessChange['clusterAdmin']): boolean =>
  !!admin && admin.before !== 'no' && admin.after !== 'no';

function accessBanner(a: AccessChange): string[] {
  const admin = a.clusterAdmin;
  if (!admin) return [];
  if (staysClusterAdmin(admin)) {
    const worse = admin.after === 'UNREVOCABLE';
    const why = worse ? 'no RBAC change can revoke it any more' : 'removing its binding now revokes it';
    return [
      `> [!${worse ? 'WARNING' : 'NOTE'}]\n> **${a.identity}** stays cluster-admin equivalent; cluster-admin: ${admin.before} → ${admin.after} (${why}).`,
      '',
    ];
  }
  const becomes = admin.after !== 'no';
  return [
    `> [!WARNING]\n> **${a.identity}** ${becomes ? `becomes cluster-admin equivalent (${admin.after})` : `is no longer cluster-admin equivalent (was ${admin.before})`}.`,
    '',
  ];
}

function accessLines(diff: PlanDiff): string[] {
  const lines: string[] = diff.access.flatMap(accessBanner);
  lines.push('| identity | change | gained | lost |', '|---|---|---|---|');
  for (const a of diff.access) {
    const admin = a.clusterAdmin;
    const stays = staysClusterAdmin(admin);
    const notes = [
      a.groups ? `groups ${a.groups.before.join(', ') || '—'} → ${a.groups.after.join(', ') || '—'}` : '',
      admin && stays ? `cluster-admin: ${admin.before} → ${admin.after}` : '',
    ].filter(Boolean);
    const note =
      a.change === 'removed'
        ? ' (no longer issued; an issued certificate keeps working until it expires)'
        : notes.length
          ? ` (${notes.join('; ')})`
          : '';
    const gained =
      admin && !stays && admin.after !== 'no'
        ? `everything (cluster-admin equivalent, ${admin.after})`
        : byScope(a.gained);
    const lost =
      admin && !stays && admin.before !== 'no' && a.change !== 'removed'
        ? ['cluster-admin equivalence', ...(a.lost.length ? [byScope(a.lost)] : [])].join('; ')
        : byScope(a.lost);
    lines.push(`| ${cell(a.identity)} | ${a.change}${cell(note)} | ${cell(gained)} | ${cell(lost)} |`);
  }
  return lines;
}

/** A rotation stage: what it does, the files per node, then the rollout, one node at a time, with its checks. */
function rotationLines(stage: RotationStageChange): string[] {
  const from = `generation ${stage.from.generation} ${stage.from.phase}`;
  const lines = [
    `### Rotation: ${stage.title} → generation ${stage.to.generation}, stage **${stage.to.phase}** (from ${from})`,
    '',
    `${stage.meaning}.`,
    '',
  ];
  lines.push(`Trusted after this stage: ${stage.trusted.map(code).join(', ')}; signing: ${code(stage.signer)}.`, '');
  lines.push(
    '**Rollout order** — one node at a time; do not start a node before the previous one passes its checks, and do not take the next stage before every node is done:',
    '',
  );
  stage.rollout.forEach((step, index) => {
    lines.push(`${index + 1}. **${step.node}**: copy ${step.files.map(code).join(', ')}`);
    for (const b of step.before) lines.push(`   - first: ${b}`);
    for (const r of step.restart) lines.push(`   - restart ${r.component} (${r.why})`);
    for (const c of step.check) lines.push(`   - check: ${c}`);
  });
  if (stage.rollout.length === 0) lines.push('_No node file changes._');
  if (stage.handOut.length)
    lines.push(`${stage.rollout.length + 1}. **hand out again**: ${stage.handOut.map(code).join(', ')}`);
  lines.push('');
  return lines;
}

/** The diff as a pull-request comment: summary, blocking banner, tables, impact, RBAC, access. No secrets. */
export function renderDiffMarkdown(diff: PlanDiff): string {
  const title = diff.base.name === diff.head.name ? diff.head.name : `${diff.base.name} → ${diff.head.name}`;
  const lines: string[] = [`## kubepki diff: ${title}`, '', `**${diff.summary}**`, ''];
  if (!diff.changed) return `${lines.join('\n')}\nThe PKI, kubeconfigs, RBAC and access are unchanged.\n`;
  for (const r of diff.impact.replacements) {
    const what = replacementSubject(r.id);
    lines.push(
      '> [!CAUTION]',
      `> **Blocking: this change replaces ${what}** (${cell(r.changes.join('; '))}).`,
      `> ${r.consequence}.`,
      '',
    );
  }
  for (const identity of diff.grantsUnrevocableAdmin) {
    lines.push(
      '> [!CAUTION]',
      `> **Blocking: ${identity} becomes cluster-admin equivalent for good** (group system:masters, which kube-apiserver authorizes before RBAC).`,
      '> No binding can take it back: only the certificate expiring, or replacing the cluster CA, ends it. Bind `cluster-admin` to a group instead (revocable).',
      '',
    );
  }
  for (const r of diff.rotations.refused)
    lines.push('> [!CAUTION]', `> **Blocking: rotation stage refused.** ${cell(r.message)}.`, '');
  for (const stage of diff.rotations.stages) lines.push(...rotationLines(stage));
  if (diff.cluster.length) lines.push('### Cluster', '', ...diff.cluster.map((c) => `- ${c}`), '');
  if (diff.nodes.added.length || diff.nodes.removed.length) {
    lines.push('### Nodes', '', `- added: ${list(diff.nodes.added)}`, `- removed: ${list(diff.nodes.removed)}`, '');
  }
  const rows = certificateRows(diff);
  if (rows.length)
    lines.push('### Certificates', '', '| change | certificate | node | what |', '|---|---|---|---|', ...rows, '');
  const k = diff.kubeconfigs;
  if (k.added.length + k.removed.length + k.changed.length > 0) {
    lines.push('### Kubeconfigs', '', '| change | kubeconfig | user | groups | what |', '|---|---|---|---|---|');
    for (const x of k.changed)
      lines.push(
        `| changed | ${code(x.id)} | ${cell(x.user)} | ${cell(x.groups.join(', ') || '—')} | ${cell(x.changes.join('; '))} |`,
      );
    for (const x of k.added)
      lines.push(
        `| added | ${code(x.id)} | ${cell(x.user)} | ${cell(x.groups.join(', ') || '—')} | server ${x.server} |`,
      );
    for (const x of k.removed)
      lines.push(
        `| removed | ${code(x.id)} | ${cell(x.user)} | ${cell(x.groups.join(', ') || '—')} | its certificate stays valid until it expires |`,
      );
    lines.push('');
  }
  const i = diff.impact;
  lines.push('### Impact', '');
  lines.push(
    `- **Reissued certificates** (${i.reissued.length}): ${i.reissued.length ? i.reissued.map((r) => `${code(r.id)} (${cell(r.reason)})`).join(', ') : '—'}`,
  );
  lines.push(`- **New certificates** (${i.issued.length}): ${list(i.issued)}`);
  lines.push(
    `- **Kubeconfigs to hand out** (${i.kubeconfigs.length}): ${i.kubeconfigs.length ? i.kubeconfigs.map((x) => `${code(x.path)} (${cell(x.reason)})`).join(', ') : '—'}`,
  );
  const dirs = i.directories.map(
    (d) =>
      `${d.directory} (${[d.changed.length ? `${d.changed.length} changed` : '', d.added.length ? `${d.added.length} added` : '', d.removed.length ? `${d.removed.length} removed` : ''].filter(Boolean).join(', ')})`,
  );
  lines.push(`- **Directories whose files change**: ${dirs.length ? dirs.join(', ') : '—'}`, '');
  const r = diff.rbac;
  if (r.added.length + r.removed.length + r.changed.length > 0) {
    lines.push('### RBAC', '', '| change | object | file | what |', '|---|---|---|---|');
    for (const x of r.changed)
      lines.push(`| changed | ${code(x.object)} | ${x.file} | ${cell(x.changes.join('; '))} |`);
    for (const x of r.added) lines.push(`| added | ${code(x.object)} | ${x.file} | |`);
    for (const x of r.removed)
      lines.push(`| removed | ${code(x.object)} | ${x.file} | delete it from the cluster: kubectl apply does not |`);
    lines.push('');
  }
  if (diff.access.length) lines.push('### Access', '', ...accessLines(diff), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The diff as JSON for scripts. */
export function renderDiffJson(diff: PlanDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}
