import { parseArgs } from 'node:util';
import { accessPolicyOf, parseAccessAction, resolveIdentity } from '../access';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';

/** Like `kubectl auth can-i`, offline: yes/no (exit 0/1) and the binding and rule that decided. */
export async function canICommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { as: { type: 'string' }, namespace: { type: 'string', short: 'n' }, quiet: { type: 'boolean', short: 'q' } },
  });
  if (!values.as) throw new UsageError('--as is required, e.g. --as user:alice');
  if (positionals.length !== 3) throw new UsageError('expected <spec> <verb> <resource>');
  const [specFile, verb, resource] = positionals as [string, string, string];
  const plan = loadPlan(specFile);
  let who;
  let request;
  try {
    who = resolveIdentity(plan, values.as);
    request = parseAccessAction(`${verb} ${resource}`, values.namespace);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const decision = accessPolicyOf(plan).authorize(who.identity, request);
  io.stdout(decision.allowed ? 'yes' : 'no');
  if (!values.quiet) io.stderr(`${decision.decidedBy}: ${decision.reason}`);
  return decision.allowed ? exitCodes.ok : exitCodes.failed;
}
