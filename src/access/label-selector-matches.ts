import { type LabelSelector } from '../plan';

/**
 * Whether a label set satisfies a label selector, following metav1.LabelSelectorAsSelector: all matchLabels and all
 * matchExpressions must hold, and a selector with neither matches everything.
 *
 * Throws on an operator other than In / NotIn / Exists / DoesNotExist, or on values that contradict the operator,
 * because LabelSelectorAsSelector rejects the whole selector then (whatever the labels), and the aggregation
 * controller leaves the role untouched. Label key/value syntax is not validated.
 */
export function labelSelectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const expressions = selector.matchExpressions ?? [];
  // Validate everything before matching anything: an invalid selector is an error even when an earlier
  // requirement already fails to match.
  for (const { key, operator, values = [] } of expressions) {
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      throw new Error(`label selector: operator ${operator} on "${key}" needs values`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      throw new Error(`label selector: operator ${operator} on "${key}" takes no values`);
    }
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) {
      throw new Error(`label selector: unsupported operator "${operator}" on "${key}"`);
    }
  }

  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels[key] !== value) return false;
  }
  return expressions.every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return has(key) && values.includes(labels[key]);
      case 'NotIn':
        return !(has(key) && values.includes(labels[key]));
      case 'Exists':
        return has(key);
      default: // DoesNotExist, the only operator left after validation
        return !has(key);
    }
  });
}
