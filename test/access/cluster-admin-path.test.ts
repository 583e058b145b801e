import { describe, expect, it } from 'vitest';
import { RbacPolicy, clusterAdminPath } from '../../src/access';
import { isClusterAdminEquivalent } from '../../src/access/is-cluster-admin-equivalent';
import { userIdentity } from '../../src/access/authenticated-identity';
import { type PolicyRule, type RbacObject } from '../../src/plan/rbac-objects';

// Cluster-admin in all but name: rights their holder can turn into cluster-admin.

function policyGranting(rules: PolicyRule[]): RbacPolicy {
  const objects: RbacObject[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'power' }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'power-to-mallory' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'power' },
      subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  ];
  return RbacPolicy.fromObjects(objects);
}
const mallory = userIdentity('mallory', []);

describe('clusterAdminPath', () => {
  it('counts impersonating group system:masters', () => {
    const path = clusterAdminPath(
      policyGranting([{ apiGroups: [''], resources: ['groups'], verbs: ['impersonate'] }]),
      mallory,
    );
    expect(path).toEqual({
      revocable: true,
      via: 'can impersonate group system:masters, through ClusterRoleBinding power-to-mallory',
    });
  });

  it('counts binding cluster-admin to oneself only with both bind and create clusterrolebindings', () => {
    const bindOnly = policyGranting([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] },
    ]);
    expect(isClusterAdminEquivalent(bindOnly, mallory)).toBe(false);
    const both = policyGranting([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] },
    ]);
    expect(clusterAdminPath(both, mallory)?.via).toMatch(/^can bind ClusterRole cluster-admin to itself/);
  });

  it('counts escalate with update on clusterroles', () => {
    const policy = policyGranting([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'update'] },
    ]);
    expect(clusterAdminPath(policy, mallory)?.via).toMatch(/^can escalate ClusterRoles/);
  });

  it('does not count ordinary broad rights, and reports system:masters as unrevocable', () => {
    expect(
      isClusterAdminEquivalent(
        policyGranting([{ apiGroups: ['*'], resources: ['pods', 'secrets', 'deployments'], verbs: ['*'] }]),
        mallory,
      ),
    ).toBe(false);
    expect(clusterAdminPath(RbacPolicy.fromObjects([]), userIdentity('root', ['system:masters']))).toEqual({
      revocable: false,
      via: expect.stringContaining('system:masters'),
    });
  });
});
