import { clusterSpecJsonSchema, renderClusterSpecJsonSchema } from '../spec';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** Prints the JSON Schema of cluster specs (the committed stacks/cluster.schema.json), or the same schema as YAML. */
export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('schema')!, args);
  if (positionals.length > 0)
    throw new UsageError(`unexpected ${JSON.stringify(positionals[0])}: schema takes no arguments`);
  const format = outputFormatOf(values, ['json', 'yaml'] as const, 'json');
  io.stdout(format === 'json' ? renderClusterSpecJsonSchema() : renderYaml(clusterSpecJsonSchema()));
  return exitCodes.ok;
}
