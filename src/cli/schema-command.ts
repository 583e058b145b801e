import { renderClusterSpecJsonSchema } from '../spec';
import { exitCodes, type CliIo } from './cli-io';

/** Prints the JSON Schema of cluster specs (the committed stacks/cluster.schema.json). */
export async function schemaCommand(_args: string[], io: CliIo): Promise<number> {
  io.stdout(renderClusterSpecJsonSchema());
  return exitCodes.ok;
}
