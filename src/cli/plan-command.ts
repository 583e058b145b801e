import { parseArgs } from 'node:util';
import { buildInventory, renderInventoryJson, renderInventoryMarkdown, renderInventoryYaml } from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';


const renderers = { yaml: renderInventoryYaml, json: renderInventoryJson, md: renderInventoryMarkdown };

/** The secret-free inventory of a spec's plan; byte-identical for the same spec, so it can be committed beside it. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'o', default: 'yaml' } } });
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = values.format as keyof typeof renderers;
  if (!Object.hasOwn(renderers, format)) throw new UsageError(`--format ${JSON.stringify(values.format)}: use yaml, json or md`);
  io.stdout(renderers[format](buildInventory(loadPlan(positionals[0]))));
  return exitCodes.ok;
}
