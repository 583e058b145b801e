import { renderClusterSpecJsonSchema } from '../spec';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/** Prints the JSON Schema of cluster specs (the committed stacks/cluster.schema.json). */
export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseVerbArgs(verbNamed('schema')!, args);
  if (positionals.length > 0)
    throw new UsageError(`unexpected ${JSON.stringify(positionals[0])}: schema takes no arguments`);
  io.stdout(renderClusterSpecJsonSchema());
  return exitCodes.ok;
}
