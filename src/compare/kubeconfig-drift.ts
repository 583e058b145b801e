import type { KubeconfigPlan } from '../plan';

/** What a kubeconfig file says, as far as the plan decides it. */
export interface KubeconfigFacts {
  server: string;
  clusterName: string;
  userName: string;
  contexts: { name: string; namespace?: string }[];
  currentContext: string;
}

/** The planned properties a kubeconfig lacks, worded `server a → b`; empty when it is what the plan says. */
export function kubeconfigDrift(plan: KubeconfigPlan, actual: KubeconfigFacts): string[] {
  const changes: string[] = [];
  if (actual.server !== plan.server) changes.push(`server ${actual.server} → ${plan.server}`);
  if (actual.clusterName !== plan.clusterName) changes.push(`cluster ${actual.clusterName} → ${plan.clusterName}`);
  if (actual.userName !== plan.userName) changes.push(`user ${actual.userName} → ${plan.userName}`);
  const contextsText = (contexts: KubeconfigFacts['contexts']) => contexts.map((c) => `${c.name}${c.namespace ? `(${c.namespace})` : ''}`).join(', ');
  const actualContexts = contextsText(actual.contexts);
  const plannedContexts = contextsText(plan.contexts);
  if (actualContexts !== plannedContexts) changes.push(`contexts [${actualContexts}] → [${plannedContexts}]`);
  if (actual.currentContext !== plan.currentContext) changes.push(`current-context ${actual.currentContext} → ${plan.currentContext}`);
  return changes;
}
