import type { PolicyRule } from '../plan';
import { mastersGroup } from '../vocabulary';
import type { AuthenticatedIdentity } from './authenticated-identity';
import { explainAccess } from './explain-access';
import type { RbacPolicy } from './rbac-policy';

/**
 * The rules a SelfSubjectRulesReview returns for the identity in a namespace (every ClusterRoleBinding's and the
 * namespace's RoleBindings' rules; `*.*` and `*` for system:masters, as kube-apiserver's privileged-group authorizer
 * reports them), broken down and compacted as `kubectl auth can-i --list` prints them (rbac/v1 helpers BreakdownRule,
 * CompactRules, SortableRuleSlice).
 */
export function listAllowedRules(
  policy: RbacPolicy,
  identity: AuthenticatedIdentity,
  namespace: string | undefined,
): PolicyRule[] {
  const rules: PolicyRule[] = [];
  if (identity.groups.includes(mastersGroup))
    rules.push({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] });
  for (const binding of explainAccess(policy, identity, namespace)) rules.push(...binding.rules);
  return compactRules(rules.flatMap(breakdownRule)).sort((a, b) =>
    ruleSortKey(a) < ruleSortKey(b) ? -1 : ruleSortKey(a) > ruleSortKey(b) ? 1 : 0,
  );
}

function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      if (rule.resourceNames?.length)
        for (const name of rule.resourceNames)
          out.push({ apiGroups: [group], resources: [resource], verbs: rule.verbs, resourceNames: [name] });
      else out.push({ apiGroups: [group], resources: [resource], verbs: rule.verbs });
    }
  }
  for (const url of rule.nonResourceURLs ?? []) out.push({ nonResourceURLs: [url], verbs: rule.verbs });
  return out;
}

/** Rules on one group and resource that differ only by verbs become one, verbs in first-seen order. */
function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const simple = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const rule of rules) {
    if (rule.resourceNames?.length || rule.nonResourceURLs?.length) {
      out.push(rule);
      continue;
    }
    const key = `${rule.apiGroups![0]}\n${rule.resources![0]}`;
    const existing = simple.get(key);
    if (!existing) {
      const copy = { ...rule, verbs: [...rule.verbs] };
      simple.set(key, copy);
      out.push(copy);
    } else for (const verb of rule.verbs) if (!existing.verbs.includes(verb)) existing.verbs.push(verb);
  }
  return out;
}

const goList = (values: string[] | undefined) => `[${(values ?? []).join(' ')}]`;

/** The Go String() of an rbac/v1 PolicyRule, which kubectl sorts the list by. */
function ruleSortKey(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** kubectl's CombineResourceGroup: `deployments.apps`, `pods/log`, `deployments.apps/scale`. */
function resourceColumn(rule: PolicyRule): string {
  const resource = rule.resources?.[0];
  if (!resource) return '';
  const [name, sub] = resource.split(/\/(.*)/s);
  const group = rule.apiGroups?.[0];
  return `${name}${group ? `.${group}` : ''}${sub !== undefined ? `/${sub}` : ''}`;
}

/** `kubectl auth can-i --list`'s table (text/tabwriter, minwidth 6, padding 3). */
export function renderRulesList(rules: PolicyRule[], headers: boolean): string {
  const rows = [
    ...(headers ? [['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']] : []),
    ...rules.map((r) => [resourceColumn(r), goList(r.nonResourceURLs), goList(r.resourceNames), goList(r.verbs)]),
  ];
  if (rows.length === 0) return '';
  const widths = [0, 1, 2].map((i) => Math.max(6, ...rows.map((r) => r[i]!.length + 3)));
  return `${rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('')).join('\n')}\n`;
}
