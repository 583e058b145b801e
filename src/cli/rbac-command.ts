import { renderRbac } from '../outputs';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/** Prints the RBAC manifests `generate` writes to rbac/, as one multi-document YAML stream for `kubectl apply -f -`. */
export async function rbacCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseVerbArgs(verbNamed('rbac')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  io.stdout(renderRbac(loadPlan(positionals[0]).rbac));
  return exitCodes.ok;
}
