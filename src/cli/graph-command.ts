import { renderTrustGraphDot, renderTrustGraphMarkdown, renderTrustGraphMermaid, trustGraph } from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

const renderers = { mermaid: renderTrustGraphMermaid, md: renderTrustGraphMarkdown, dot: renderTrustGraphDot };

/** Who trusts whom: every TLS edge with the client certificate, the server certificate and the CA each side trusts. */
export async function graphCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('graph')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = outputFormatOf(values, ['mermaid', 'dot', 'md'] as const, 'mermaid');
  io.stdout(renderers[format](trustGraph(loadPlan(positionals[0]))));
  return exitCodes.ok;
}
