import * as yaml from 'js-yaml';
import type { Inventory } from './inventory';

/** YAML in the inventory's own field order (not sorted), no folding, no anchors: stable and diff-friendly. */
export function renderInventoryYaml(inventory: Inventory): string {
  return yaml.dump(inventory, { lineWidth: -1, noRefs: true });
}

export function renderInventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const list = (items: string[]) => (items.length ? items.map(cell).join(', ') : '—');

/** The inventory as Markdown tables, for a README or a pull request. */
export function renderInventoryMarkdown(inventory: Inventory): string {
  const c = inventory.cluster;
  const lines: string[] = [
    `# PKI inventory: ${inventory.metadata.name}`,
    '',
    `Cluster \`${c.clusterName}\`, Kubernetes ${c.kubernetesVersion}, ${c.algorithm} keys, endpoint ${c.endpoint}, ${c.etcd} etcd, DNS domain ${c.dnsDomain}.`,
    '',
    `Nodes: ${inventory.nodes.map((n) => `${n.name} (${n.role}${n.address ? `, ${n.address}` : ''})`).join(', ')}.`,
    '',
    '## Certificates',
    '',
    '| id | issuer | subject | SANs | usages | algorithm | validity | files | key held by | signed by |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const x of inventory.certificates) {
    const subject = `CN=${x.subject.commonName}${x.subject.organizations.map((o) => `, O=${o}`).join('')}`;
    const usages = [...x.keyUsages, ...x.extendedKeyUsages, ...(x.isCa ? ['CA'] : [])];
    lines.push(
      `| \`${x.id}\` | ${x.issuer} | ${cell(subject)} | ${list([...x.sans.dnsNames, ...x.sans.ipAddresses])} | ${list(usages)} | ${x.algorithm} | ${x.validity} | ${list(x.paths)} | ${x.keyHolder} | ${x.signedBy}${x.parent ? ` (${x.parent})` : ''} |`,
    );
  }
  lines.push(
    '',
    `Service-account key: ${inventory.serviceAccountKey.algorithm}, in ${list(inventory.serviceAccountKey.paths)}.`,
    '',
  );
  for (const r of inventory.rotation ?? [])
    lines.push(
      `Rotation: ${r.authority} generation ${r.generation}, ${r.phase}: trusted ${r.trusted.join(' + ')}, signed by ${r.signer}.`,
      '',
    );
  lines.push('## Kubeconfigs', '', '| file | user | groups | server | contexts |', '|---|---|---|---|---|');
  for (const k of inventory.kubeconfigs)
    lines.push(`| \`${k.path}\` | ${cell(k.user)} | ${list(k.groups)} | ${k.server} | ${list(k.contexts)} |`);
  lines.push('', '## RBAC objects', '');
  for (const f of inventory.rbac) lines.push(`- \`${f.file}\`: ${list(f.objects)}`);
  lines.push(
    '',
    '## Access',
    '',
    '| identity | kind | groups | cluster-admin | allowed (common actions) |',
    '|---|---|---|---|---|',
  );
  for (const a of inventory.access.identities) {
    const allowed = a.allowed
      ? Object.entries(a.allowed).map(([scope, actions]) => `${scope}: ${actions.join(', ')}`)
      : [];
    if (a.nodeAuthorizer) allowed.push('node-scoped requests: Node authorizer');
    // A cluster-admin equivalent may do everything: say so rather than leave the cell looking like "nothing".
    if (a.clusterAdmin) allowed.unshift('everything, in every namespace (cluster-admin equivalent)');
    lines.push(
      `| ${cell(a.identity)} | ${a.kind} | ${list(a.groups)} | ${a.clusterAdmin ? cell(a.clusterAdmin) : 'no'} | ${allowed.length ? cell(allowed.join('; ')) : 'nothing beyond discovery'} |`,
    );
  }
  const e = inventory.access.expectations;
  lines.push(
    '',
    `Expectations: ${e.passed} of ${e.total} hold.${e.failed.length ? ` Failing: ${e.failed.join('; ')}.` : ''}`,
    '',
  );
  return lines.join('\n');
}
