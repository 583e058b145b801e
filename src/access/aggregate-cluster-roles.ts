import { labelSelectorMatches } from './label-selector-matches';
import { type PolicyRule, type RbacObject } from '../plan';

/** A ClusterRole whose aggregationRule could not be evaluated, so (as with the real controller) it kept its rules. */
export interface AggregationProblem {
  clusterRole: string;
  error: string;
}

/** The ClusterRoles after aggregation, by name, plus any aggregation rules that could not be applied. */
export interface AggregatedClusterRoles {
  clusterRoles: Map<string, RbacObject>;
  problems: AggregationProblem[];
}

// Fixed-point passes before giving up; aggregation chains in practice are a few levels deep (view → edit → admin).
const MAX_PASSES = 100;

/**
 * Resolves `aggregationRule` ClusterRoles the way kube-controller-manager's clusterrole-aggregation controller does
 * (pkg/controller/clusterroleaggregation): for each selector in order, the ClusterRoles whose labels match, sorted by
 * name and skipping the role itself, contribute their current rules, each rule kept once (first occurrence wins).
 *
 * The controller reads other roles' current rules, so an aggregated role that is itself aggregated into another (edit
 * into admin) contributes its aggregated rules once the controller has converged; this computes that converged state
 * by iterating to a fixed point. Aggregated roles start from no rules, because the controller overwrites whatever
 * rules they were created with. Without cycles the fixed point is unique; when aggregated roles select each other in
 * a cycle, this is the least fixed point (a live cluster may, depending on processing order, keep an aggregated
 * role's originally declared rules circulating). Inputs are not modified; aggregated roles are returned as copies.
 *
 * @param clusterRoles ClusterRole objects with unique names.
 */
export function aggregateClusterRoles(clusterRoles: readonly RbacObject[]): AggregatedClusterRoles {
  const byName = [...clusterRoles].sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
  const current = new Map<string, PolicyRule[]>();
  const problems: AggregationProblem[] = [];
  const aggregated: RbacObject[] = [];

  for (const role of clusterRoles) {
    const declared = role.rules ?? [];
    if (role.aggregationRule == null) {
      current.set(role.metadata.name, declared);
      continue;
    }
    const error = selectorError(role);
    if (error === undefined) {
      aggregated.push(role);
      current.set(role.metadata.name, []);
    } else {
      problems.push({ clusterRole: role.metadata.name, error });
      current.set(role.metadata.name, declared);
    }
  }

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const role of aggregated) {
      const next = aggregateOnce(role, byName, current);
      if (!sameRuleList(next, current.get(role.metadata.name) ?? [])) {
        current.set(role.metadata.name, next);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const result = new Map<string, RbacObject>();
  for (const role of clusterRoles) {
    const isAggregated = aggregated.includes(role);
    result.set(role.metadata.name, isAggregated ? { ...role, rules: current.get(role.metadata.name) ?? [] } : role);
  }
  return { clusterRoles: result, problems };
}

function aggregateOnce(
  role: RbacObject,
  byName: readonly RbacObject[],
  current: ReadonlyMap<string, PolicyRule[]>,
): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    for (const candidate of byName) {
      if (candidate.metadata.name === role.metadata.name) continue;
      if (!labelSelectorMatches(selector, candidate.metadata.labels ?? {})) continue;
      for (const rule of current.get(candidate.metadata.name) ?? []) {
        const key = ruleKey(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
  }
  return rules;
}

// Probes every selector once so an invalid one is reported up front instead of throwing mid-iteration.
// labelSelectorMatches validates the whole selector before looking at labels, so any label set will do.
function selectorError(role: RbacObject): string | undefined {
  try {
    for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
      labelSelectorMatches(selector, {});
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Identity of a rule for deduplication: equality.Semantic.DeepEqual compares every field in order and treats a
 * missing list like an empty one.
 */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([
    rule.verbs ?? [],
    rule.apiGroups ?? [],
    rule.resources ?? [],
    rule.resourceNames ?? [],
    rule.nonResourceURLs ?? [],
  ]);
}

function sameRuleList(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((rule, i) => ruleKey(rule) === ruleKey(b[i]));
}

// Go's sort by name compares strings byte-wise; for the ASCII names RBAC objects carry, code-unit order is the same.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
