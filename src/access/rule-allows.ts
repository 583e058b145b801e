import { type AccessRequest, isNonResourceRequest } from './access-request';
import { type PolicyRule } from '../plan';

// Each matcher transcribes its namesake in k8s.io/component-helpers/auth/rbac (rbacv1helpers), which the RBAC
// authorizer's RuleAllows calls; keeping them separate keeps the correspondence checkable line by line.

const ALL = '*';

/** True if the rule lists the verb or `*`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((ruleVerb) => ruleVerb === ALL || ruleVerb === verb);
}

/** True if the rule lists the API group or `*`. */
export function apiGroupMatches(rule: PolicyRule, apiGroup: string): boolean {
  return (rule.apiGroups ?? []).some((ruleGroup) => ruleGroup === ALL || ruleGroup === apiGroup);
}

/**
 * True if the rule covers `resource[/subresource]`: `*` covers everything, an exact `pods/log` covers that
 * subresource, `*` + `/log` covers the log subresource of every resource. Plain `pods` does not cover `pods/log`.
 */
export function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const ruleResource of rule.resources ?? []) {
    if (ruleResource === ALL || ruleResource === combinedResource) return true;
    if (subresource === '') continue;
    if (
      ruleResource.length === subresource.length + 2 &&
      ruleResource.startsWith('*/') &&
      ruleResource.endsWith(subresource)
    ) {
      return true;
    }
  }
  return false;
}

/** True if the rule has no resourceNames, or lists the requested name (a request without a name matches only `""`). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** True if the rule lists the path, `*`, or a prefix ending in `*` (all trailing stars trimmed, as Go's TrimRight). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const ruleURL of rule.nonResourceURLs ?? []) {
    if (ruleURL === ALL || ruleURL === path) return true;
    if (ruleURL.endsWith('*') && path.startsWith(ruleURL.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** Whether one policy rule allows the request (plugin/pkg/auth/authorizer/rbac RuleAllows). */
export function ruleAllows(request: AccessRequest, rule: PolicyRule): boolean {
  if (isNonResourceRequest(request)) {
    return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.nonResourceURL);
  }
  const subresource = request.subresource ?? '';
  const combined = subresource === '' ? request.resource : `${request.resource}/${subresource}`;
  return (
    verbMatches(rule, request.verb) &&
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, combined, subresource) &&
    resourceNameMatches(rule, request.name ?? '')
  );
}
