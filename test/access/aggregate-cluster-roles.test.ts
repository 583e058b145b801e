import { describe, expect, it } from 'vitest';
import { RbacPolicy } from '../../src/access';
import { aggregateClusterRoles } from '../../src/access/aggregate-cluster-roles';
import { bootstrapPolicyObjects } from '../../src/access/bootstrap-policy';
import { labelSelectorMatches } from '../../src/access/label-selector-matches';
import { type PolicyRule, type RbacObject } from '../../src/plan/rbac-objects';

const V1 = 'rbac.authorization.k8s.io/v1';

function clusterRole(
  name: string,
  rules: PolicyRule[] | null,
  labels?: Record<string, string>,
  aggregationRule?: RbacObject['aggregationRule'],
): RbacObject {
  return { apiVersion: V1, kind: 'ClusterRole', metadata: { name, labels }, rules, aggregationRule };
}
const rule = (resource: string, verbs: string[] = ['get']): PolicyRule => ({
  apiGroups: [''],
  resources: [resource],
  verbs,
});

describe('aggregateClusterRoles', () => {
  const bootstrapRules = (name: string): PolicyRule[] => {
    const found = bootstrapPolicyObjects().find((o) => o.kind === 'ClusterRole' && o.metadata.name === name);
    return found?.rules ?? [];
  };

  it('builds view, edit and admin from the bootstrap system:aggregate-to-* roles, in the controller order', () => {
    const policy = RbacPolicy.fromObjects([]);
    const toView = bootstrapRules('system:aggregate-to-view');
    const toEdit = bootstrapRules('system:aggregate-to-edit');
    const toAdmin = bootstrapRules('system:aggregate-to-admin');
    expect(toView.length).toBeGreaterThan(0);
    expect(policy.clusterRole('view')?.rules).toEqual(toView);
    // Selector matches sorted by name: "system:aggregate-to-edit" < "view", and "edit" < "system:aggregate-to-admin".
    expect(policy.clusterRole('edit')?.rules).toEqual([...toEdit, ...toView]);
    expect(policy.clusterRole('admin')?.rules).toEqual([...toEdit, ...toView, ...toAdmin]);
    expect(policy.aggregationProblems).toEqual([]);
    // The bootstrap objects themselves are not modified.
    expect(bootstrapPolicyObjects().find((o) => o.metadata.name === 'view')?.rules).toBeNull();
  });

  it('deduplicates equal rules (missing and empty lists are equal) and skips the role itself', () => {
    const selector = { clusterRoleSelectors: [{ matchLabels: { agg: 'yes' } }] };
    const { clusterRoles } = aggregateClusterRoles([
      clusterRole('target', [rule('ignored')], { agg: 'yes' }, selector),
      clusterRole('b', [rule('pods'), { ...rule('secrets'), resourceNames: [] }], { agg: 'yes' }),
      clusterRole('a', [rule('pods'), rule('services')], { agg: 'yes' }),
      clusterRole('c', [rule('nodes')], { agg: 'no' }),
    ]);
    expect(clusterRoles.get('target')?.rules).toEqual([
      rule('pods'),
      rule('services'),
      { ...rule('secrets'), resourceNames: [] },
    ]);
    expect(clusterRoles.get('c')?.rules).toEqual([rule('nodes')]);
  });

  it('unions several selectors in selector order, with matchExpressions', () => {
    const { clusterRoles } = aggregateClusterRoles([
      clusterRole('union', null, undefined, {
        clusterRoleSelectors: [
          { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] },
          { matchLabels: { team: 'x' }, matchExpressions: [{ key: 'deprecated', operator: 'DoesNotExist' }] },
        ],
      }),
      clusterRole('a-x', [rule('a')], { team: 'x' }),
      clusterRole('b-x-old', [rule('b')], { team: 'x', deprecated: 'true' }),
      clusterRole('z-gold', [rule('z')], { tier: 'gold' }),
    ]);
    expect(clusterRoles.get('union')?.rules).toEqual([rule('z'), rule('a')]);
  });

  it('resolves chains and cycles to the controller fixed point', () => {
    const { clusterRoles } = aggregateClusterRoles([
      clusterRole('top', null, undefined, { clusterRoleSelectors: [{ matchLabels: { 'to-top': 'true' } }] }),
      clusterRole(
        'middle',
        null,
        { 'to-top': 'true' },
        { clusterRoleSelectors: [{ matchLabels: { 'to-middle': 'true' } }] },
      ),
      clusterRole('leaf', [rule('leaves')], { 'to-middle': 'true', 'to-loop': 'true' }),
      clusterRole(
        'loop-a',
        null,
        { 'to-loop': 'true' },
        { clusterRoleSelectors: [{ matchLabels: { 'to-loop': 'true' } }] },
      ),
      clusterRole(
        'loop-b',
        [rule('b')],
        { 'to-loop': 'true' },
        { clusterRoleSelectors: [{ matchLabels: { 'to-loop': 'true' } }] },
      ),
    ]);
    expect(clusterRoles.get('top')?.rules).toEqual([rule('leaves')]);
    expect(clusterRoles.get('middle')?.rules).toEqual([rule('leaves')]);
    // A cycle has several fixed points; the least one is taken, so loop-b's declared rule (which the controller
    // overwrites, but which a lucky processing order could keep alive around the cycle) does not spread.
    expect(clusterRoles.get('loop-a')?.rules).toEqual([rule('leaves')]);
    expect(clusterRoles.get('loop-b')?.rules).toEqual([rule('leaves')]);
  });

  it('an empty selector matches every ClusterRole; no selectors give no rules', () => {
    const { clusterRoles } = aggregateClusterRoles([
      clusterRole('all', null, undefined, { clusterRoleSelectors: [{}] }),
      clusterRole('none', [rule('declared')], undefined, {}),
      clusterRole('x', [rule('x')]),
    ]);
    expect(clusterRoles.get('all')?.rules).toEqual([rule('x')]);
    expect(clusterRoles.get('none')?.rules).toEqual([]);
  });

  it('reports an invalid selector and leaves that role with its declared rules', () => {
    const { clusterRoles, problems } = aggregateClusterRoles([
      clusterRole('bad', [rule('declared')], undefined, {
        clusterRoleSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] }],
      }),
      clusterRole('x', [rule('x')], { k: '2' }),
    ]);
    expect(clusterRoles.get('bad')?.rules).toEqual([rule('declared')]);
    expect(problems).toEqual([{ clusterRole: 'bad', error: 'label selector: unsupported operator "Gt" on "k"' }]);
  });
});

describe('labelSelectorMatches', () => {
  const labels = { app: 'web', tier: 'gold' };
  it('follows In, NotIn, Exists, DoesNotExist and matchLabels', () => {
    expect(labelSelectorMatches({}, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web', tier: 'silver' } }, labels)).toBe(false);
    expect(
      labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }, labels),
    ).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels)).toBe(
      false,
    );
    expect(
      labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels),
    ).toBe(false);
    expect(
      labelSelectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels),
    ).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });

  it('rejects malformed requirements even when another requirement already fails', () => {
    const failing = { key: 'zone', operator: 'Exists' };
    expect(() => labelSelectorMatches({ matchExpressions: [failing, { key: 'a', operator: 'In' }] }, labels)).toThrow(
      /needs values/,
    );
    expect(() =>
      labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, labels),
    ).toThrow(/takes no values/);
  });
});
