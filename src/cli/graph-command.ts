import { parseArgs } from 'node:util';
import { renderTrustGraphDot, renderTrustGraphMarkdown, renderTrustGraphMermaid, trustGraph } from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';


const renderers = { mermaid: renderTrustGraphMermaid, md: renderTrustGraphMarkdown, dot: renderTrustGraphDot };

/** Who trusts whom: every TLS edge with the client certificate, the server certificate and the CA each side trusts. */
export async function graphCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'o', default: 'mermaid' } } });
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = values.format as keyof typeof renderers;
  if (!Object.hasOwn(renderers, format)) throw new UsageError(`--format ${JSON.stringify(values.format)}: use mermaid, md or dot`);
  io.stdout(renderers[format](trustGraph(loadPlan(positionals[0]))));
  return exitCodes.ok;
}
