import {
  resolveIdentity,
  accessPolicyOf,
  resolveAccessAction,
  listAllowedRules,
  renderRulesList,
  discoveryTableFor,
} from '../access';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

// kubectl's namespace when neither -n nor a kubeconfig context names one.
const defaultNamespace = 'default';

/** Like `kubectl auth can-i`, offline: yes/no (exit 0/1) and the binding and rule that decided; or --list. */
export async function canICommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('can-i')!, args);
  const as = values.as as string | undefined;
  if (!as) throw new UsageError('--as is required, e.g. --as user:alice');
  const allNamespaces = values['all-namespaces'] === true;
  if (allNamespaces && values.namespace !== undefined)
    throw new UsageError('-n and -A ask different questions: give one');
  const namespace = allNamespaces ? undefined : ((values.namespace as string | undefined) ?? defaultNamespace);
  const list = values.list === true;
  if (list ? positionals.length !== 1 : positionals.length !== 3) {
    throw new UsageError(list ? 'with --list, expected only <spec>' : 'expected <spec> <verb> <resource>');
  }
  const plan = loadPlan(positionals[0]);
  let who;
  try {
    who = resolveIdentity(plan, as);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // kubectl's -q discards stdout: the exit code alone answers. Warnings still go to stderr, as kubectl's do.
  const quiet = values.quiet === true;
  const policy = accessPolicyOf(plan);
  if (list) {
    if (who.identity.user.startsWith('system:node:'))
      io.stderr("warning: the list may be incomplete: the Node authorizer's rules for kubelets are not listed");
    if (!quiet)
      io.stdout(renderRulesList(listAllowedRules(policy, who.identity, namespace), values['no-headers'] !== true));
    return exitCodes.ok;
  }
  const [, verb, resource] = positionals as [string, string, string];
  const subresource = values.subresource as string | undefined;
  if (subresource !== undefined && resource.includes('/'))
    throw new UsageError(`subresource given twice: ${resource} and --subresource ${subresource}`);
  let resolved;
  try {
    resolved = resolveAccessAction(
      `${verb} ${subresource ? `${resource}/${subresource}` : resource}`,
      namespace,
      plan.cluster.kubernetesVersion,
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const request = resolved.request;
  const { note } = discoveryTableFor(plan.cluster.kubernetesVersion);
  if (note && !quiet) io.stderr(`note: ${note}`);
  if (resolved.warning) io.stderr(`Warning: ${resolved.warning}`);
  const decision = policy.authorize(who.identity, request);
  if (!quiet) {
    io.stdout(decision.allowed ? 'yes' : 'no');
    io.stderr(`${decision.decidedBy}: ${decision.reason}`);
  }
  return decision.allowed ? exitCodes.ok : exitCodes.failed;
}
