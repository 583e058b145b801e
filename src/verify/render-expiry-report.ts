import type { ExpiryEntry, ExpiryReport, NodeExpiry } from './expiry-report';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Go's `Jan 02, 2006 15:04 MST` in UTC, as kubeadm prints EXPIRES. */
export function formatExpiryDate(date: Date): string {
  return `${months[date.getUTCMonth()]} ${two(date.getUTCDate())}, ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

/** apimachinery's `duration.ShortHumanDuration`, as kubeadm prints RESIDUAL TIME (`<invalid>` once expired). */
export function formatResidualTime(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

// kubeadm writes through text/tabwriter (minwidth 10, padding 3): every cell but a row's last is padded to its
// column's width, trailing spaces included, as kubeadm prints them.
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => r[i]!.length + 3)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join(''));
}

// kubeadm prints the last column with %-8v.
const yesNo = (b: boolean) => (b ? 'yes' : 'no').padEnd(8);

function row(e: ExpiryEntry, withCa: boolean): string[] {
  if (e.missing || !e.expires) return [`!MISSING! ${e.name}`, '', '', ...(withCa ? [''] : []), ''];
  return [
    e.name,
    formatExpiryDate(e.expires),
    formatResidualTime(e.residualSeconds!),
    ...(withCa ? [e.caName ?? ''] : []),
    yesNo(e.externallyManaged),
  ];
}

function renderNode(node: NodeExpiry): string[] {
  const lines: string[] = [];
  if (node.certificates.length > 0) {
    lines.push(
      ...table([
        ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED'],
        ...node.certificates.map((e) => row(e, true)),
      ]),
      '',
    );
  }
  if (node.certificateAuthorities.length > 0) {
    lines.push(
      ...table([
        ['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED'],
        ...node.certificateAuthorities.map((e) => row(e, false)),
      ]),
      '',
    );
  }
  return lines;
}

/** kubeadm's two tables; a tree of several node directories (an extension) gets one `[node]` section each. */
export function renderExpiryText(report: ExpiryReport): string {
  const single = report.nodes.length === 1 && report.nodes[0]!.node === '';
  const lines: string[] = [];
  for (const node of report.nodes) {
    if (!single) lines.push(`[${node.node}]`, '');
    lines.push(...renderNode(node));
  }
  for (const p of report.problems) lines.push(`${p.severity}: ${p.message}`);
  while (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

function jsonEntry(e: ExpiryEntry) {
  // kubeadm's fetchCertificateExpirationInfo sets only Name and Missing for a certificate it cannot find: no caName
  // (omitempty), externallyManaged false, the zero expirationDate (null) and residualTime.
  if (e.missing || !e.expires)
    return { name: e.name, expirationDate: null, residualTime: 0, externallyManaged: false, missing: true };
  return {
    name: e.name,
    expirationDate: e.expires ? e.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    residualTime: e.residualSeconds ?? 0,
    externallyManaged: e.externallyManaged,
    ...(e.caName ? { caName: e.caName } : {}),
    missing: e.missing,
  };
}

function jsonNode(node: NodeExpiry) {
  return {
    kind: 'CertificateExpirationInfo',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    certificates: node.certificates.map(jsonEntry),
    certificateAuthorities: node.certificateAuthorities.map(jsonEntry),
  };
}

/**
 * kubeadm's `-o json` (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo, residualTime in seconds); a tree of
 * several node directories gives a List of them, each with its `node`.
 */
export function renderExpiryJson(report: ExpiryReport): string {
  const single = report.nodes.length === 1 && report.nodes[0]!.node === '';
  const value = single
    ? jsonNode(report.nodes[0]!)
    : { kind: 'List', apiVersion: 'v1', items: report.nodes.map((n) => ({ node: n.node, ...jsonNode(n) })) };
  // k8s.io/cli-runtime's JSONPrinter, which kubeadm uses: json.MarshalIndent with four spaces.
  return `${JSON.stringify(value, null, 4)}\n`;
}
