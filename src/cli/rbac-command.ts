import { renderRbac, synthesizeRbacObjects } from '../outputs';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/**
 * Prints the RBAC manifests `generate` writes to rbac/, in apply order: a multi-document YAML stream, or with -o json
 * the `List` that `kubectl get -o json` prints (both go to `kubectl apply -f -`).
 */
export async function rbacCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('rbac')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = outputFormatOf(values, ['yaml', 'json'] as const, 'yaml');
  const files = loadPlan(positionals[0]).rbac;
  if (format === 'yaml') io.stdout(renderRbac(files));
  else {
    const items = files.flatMap((f) => synthesizeRbacObjects(f));
    io.stdout(JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 2));
  }
  return exitCodes.ok;
}
