import { buildInventory, renderInventoryJson, renderInventoryMarkdown, renderInventoryYaml } from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

const renderers = { yaml: renderInventoryYaml, json: renderInventoryJson, md: renderInventoryMarkdown };

/** The secret-free inventory of a spec's plan; byte-identical for the same spec, so it can be committed beside it. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('plan')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = outputFormatOf(values, ['yaml', 'json', 'md'] as const, 'yaml');
  io.stdout(renderers[format](buildInventory(loadPlan(positionals[0]))));
  return exitCodes.ok;
}
