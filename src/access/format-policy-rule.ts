import { type PolicyRule } from '../plan';

/**
 * A compact one-line rendering of a policy rule for explanations, e.g.
 * `{verbs:[get, list], apiGroups:[""], resources:[pods], resourceNames:[web]}`; the core group shows as `""` so it
 * is not mistaken for a missing list. Empty or absent fields are left out.
 */
export function formatPolicyRule(rule: PolicyRule): string {
  const fields: [string, string[] | undefined][] = [
    ['verbs', rule.verbs],
    ['apiGroups', rule.apiGroups?.map((group) => (group === '' ? '""' : group))],
    ['resources', rule.resources],
    ['resourceNames', rule.resourceNames],
    ['nonResourceURLs', rule.nonResourceURLs],
  ];
  const parts = fields
    .filter((field): field is [string, string[]] => field[1] !== undefined && field[1].length > 0)
    .map(([name, values]) => `${name}:[${values.join(', ')}]`);
  return `{${parts.join(', ')}}`;
}
