import {
  renderTrustGraphDot,
  renderTrustGraphMarkdown,
  renderTrustGraphMermaid,
  trustGraph,
  type TrustGraph,
} from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** The graph as data: its nodes (every component, per node) once each, then the edges and tokens that join them. */
function graphData(graph: TrustGraph) {
  const nodes = new Map<string, { component: string; node?: string }>();
  for (const { client, server } of [
    ...graph.edges,
    ...graph.tokens.map((t) => ({ client: t.signer, server: t.verifier })),
  ])
    for (const e of [client, server]) nodes.set(`${e.component}@${e.node ?? ''}`, e);
  return { cluster: graph.cluster, nodes: [...nodes.values()], edges: graph.edges, tokens: graph.tokens };
}

const renderers = {
  mermaid: renderTrustGraphMermaid,
  dot: renderTrustGraphDot,
  md: renderTrustGraphMarkdown,
  json: (graph: TrustGraph) => JSON.stringify(graphData(graph), null, 2),
  yaml: (graph: TrustGraph) => renderYaml(graphData(graph)),
};

/** Who trusts whom: every TLS edge with the client certificate, the server certificate and the CA each side trusts. */
export async function graphCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('graph')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = outputFormatOf(values, ['mermaid', 'dot', 'md', 'json', 'yaml'] as const, 'mermaid');
  io.stdout(renderers[format](trustGraph(loadPlan(positionals[0]))));
  return exitCodes.ok;
}
