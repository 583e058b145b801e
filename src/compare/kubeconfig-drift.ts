import type { KubeconfigPlan } from '../plan';
import { setDelta } from './certificate-changes';

/** What a kubeconfig file says, as far as the plan decides it. */
export interface KubeconfigFacts {
  server: string;
  clusterName: string;
  userName: string;
  contexts: { name: string; namespace?: string }[];
  currentContext: string;
}

/**
 * The planned properties a kubeconfig lacks, worded `server a → b`; empty when it is what the plan says. Review asks
 * the same of two plans (a KubeconfigPlan is KubeconfigFacts too), so verify --spec and diff word changes alike.
 */
export function kubeconfigDrift(plan: KubeconfigPlan, actual: KubeconfigFacts): string[] {
  const changes: string[] = [];
  if (actual.server !== plan.server) changes.push(`server ${actual.server} → ${plan.server}`);
  if (actual.clusterName !== plan.clusterName) changes.push(`cluster ${actual.clusterName} → ${plan.clusterName}`);
  if (actual.userName !== plan.userName) changes.push(`user ${actual.userName} → ${plan.userName}`);
  const contextTexts = (contexts: KubeconfigFacts['contexts']) =>
    contexts.map((c) => `${c.name}${c.namespace ? `(${c.namespace})` : ''}`);
  const contexts = setDelta(contextTexts(actual.contexts), contextTexts(plan.contexts));
  if (contexts) changes.push(`contexts ${contexts}`);
  else if (contextTexts(actual.contexts).join('\n') !== contextTexts(plan.contexts).join('\n'))
    changes.push('contexts reordered');
  // Which planned context is current is the user's choice (`kubectl config use-context`): generate keeps it too.
  if (actual.currentContext !== plan.currentContext && !plan.contexts.some((c) => c.name === actual.currentContext)) {
    changes.push(`current-context ${actual.currentContext} → ${plan.currentContext}`);
  }
  return changes;
}
