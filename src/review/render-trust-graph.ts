import { endpointLabel, type TrustEdge, type TrustEndpoint, type TrustGraph } from './trust-graph';

/**
 * A Mermaid/DOT identifier that only ever stands for `text`: letters and digits stay, every other UTF-8 byte becomes
 * `_xx` (hex). Collapsing them instead made users `alice.smith` and `alice-smith` one box with both users' arrows.
 */
const escapeId = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
// `__` never occurs inside escapeId's output (`_` is always followed by hex), so it separates component and node.
const nodeId = (e: TrustEndpoint) =>
  e.node === undefined ? escapeId(e.component) : `${escapeId(e.component)}__${escapeId(e.node)}`;
const quote = (text: string) => text.replace(/"/g, '#quot;');

function endpoints(graph: TrustGraph): TrustEndpoint[] {
  const seen = new Map<string, TrustEndpoint>();
  for (const e of graph.edges) for (const p of [e.client, e.server]) seen.set(nodeId(p), p);
  return [...seen.values()];
}

/**
 * A Mermaid flowchart: components grouped by node, one arrow per edge labelled with both sides —
 * `client cert ⇢ CA the server trusts / server cert ⇢ CA the client trusts`.
 */
export function renderTrustGraphMermaid(graph: TrustGraph): string {
  const lines = ['flowchart LR'];
  const byNode = new Map<string, TrustEndpoint[]>();
  for (const p of endpoints(graph)) byNode.set(p.node ?? '', [...(byNode.get(p.node ?? '') ?? []), p]);
  for (const [node, members] of byNode) {
    if (node) lines.push(`  subgraph node_${escapeId(node)}["${quote(node)}"]`);
    for (const p of members) lines.push(`${node ? '    ' : '  '}${nodeId(p)}["${quote(p.component)}"]`);
    if (node) lines.push('  end');
  }
  for (const e of graph.edges) {
    const label = edgeLabel(e);
    lines.push(`  ${nodeId(e.client)} -->|"${quote(label)}"| ${nodeId(e.server)}`);
  }
  for (const t of graph.tokens) lines.push(`  ${nodeId(t.signer)} -.->|"sa token"| ${nodeId(t.verifier)}`);
  return `${lines.join('\n')}\n`;
}

/** The "who trusts whom" matrix as Markdown, with the Mermaid diagram above it. */
export function renderTrustGraphMarkdown(graph: TrustGraph): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  const lines = [
    `# Who trusts whom: ${graph.cluster}`,
    '',
    '```mermaid',
    renderTrustGraphMermaid(graph).trimEnd(),
    '```',
    '',
    '| client | server | purpose | client certificate | server verifies it with | server certificate | client verifies it with | server name |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const e of graph.edges) {
    lines.push(
      `| ${endpointLabel(e.client)} | ${endpointLabel(e.server)} | ${cell(e.purpose)} | \`${e.clientCertificate}\` | ${e.serverTrusts} (${cell(e.serverTrustsVia)}) | ${e.serverCertificate ? `\`${e.serverCertificate}\`` : 'its own (not kubeadm PKI)'} | ${e.clientTrusts ? `${e.clientTrusts} (${cell(e.clientTrustsVia ?? '')})` : 'not verified against a kubeadm CA'} | ${e.serverName ?? '—'} |`,
    );
  }
  lines.push('', 'Service-account tokens (not TLS):', '');
  for (const t of graph.tokens)
    lines.push(`- ${endpointLabel(t.signer)} signs, ${endpointLabel(t.verifier)} verifies: ${t.via}`);
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT of the same edges. */
export function renderTrustGraphDot(graph: TrustGraph): string {
  const q = (t: string) => `"${t.replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${q(`trust-${graph.cluster}`)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const p of endpoints(graph)) lines.push(`  ${q(nodeId(p))} [label=${q(endpointLabel(p))}];`);
  for (const e of graph.edges)
    lines.push(`  ${q(nodeId(e.client))} -> ${q(nodeId(e.server))} [label=${q(edgeLabel(e))}];`);
  for (const t of graph.tokens)
    lines.push(`  ${q(nodeId(t.signer))} -> ${q(nodeId(t.verifier))} [style=dashed, label="sa token"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Both halves of a trust edge: what the client presents and who checks it, and the same for the server. */
function edgeLabel(e: TrustEdge): string {
  const server = e.serverCertificate ? `${e.serverCertificate} ⇢ ${e.clientTrusts}` : 'its own serving certificate';
  return `${e.clientCertificate} ⇢ ${e.serverTrusts} / ${server}`;
}
