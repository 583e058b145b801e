import { renderClusterSpecJsonSchema } from '../spec';
import { exitCodes, UsageError, type CliIo } from './cli-io';

/** Prints the JSON Schema of cluster specs (the committed stacks/cluster.schema.json). */
export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected ${JSON.stringify(args[0])}: schema takes no arguments`);
  io.stdout(renderClusterSpecJsonSchema());
  return exitCodes.ok;
}
