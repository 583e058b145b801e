import { parseArgs } from 'node:util';
import { renderRbac } from '../outputs';
import { exitCodes, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';

/** Prints the RBAC manifests `generate` writes to rbac/, as one multi-document YAML stream for `kubectl apply -f -`. */
export async function rbacCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  io.stdout(renderRbac(loadPlan(positionals[0]).rbac));
  return exitCodes.ok;
}
