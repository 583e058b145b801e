import { describe, expect, it } from 'vitest';
import { RbacPolicy } from '../../src/access';
import { isClusterAdminEquivalent } from '../../src/access/is-cluster-admin-equivalent';
import { serviceAccountIdentity, userIdentity } from '../../src/access/authenticated-identity';
import { can, clusterRoleBinding, groupSubject, roleBinding } from './rbac-fixtures';

describe('RbacPolicy identities', () => {
  it('system:masters is allowed everything with no bindings at all', () => {
    const policy = RbacPolicy.fromObjects([], { includeBootstrap: false });
    const root = userIdentity('kubernetes-admin', ['system:masters']);
    for (const [verb, target, namespace] of [
      ['delete', 'nodes', undefined],
      ['get', 'secrets', 'kube-system'],
      ['post', '/anything', undefined],
    ] as const) {
      const decision = can(policy, root, verb, target, { namespace });
      expect(decision).toMatchObject({ allowed: true, decidedBy: 'system:masters' });
      expect(decision.binding).toBeUndefined();
      expect(decision.reason).toMatch(/privileged group/);
    }
    expect(isClusterAdminEquivalent(policy, root)).toBe(true);
    expect(can(policy, userIdentity('nobody', []), 'get', '/healthz')).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
  });

  it('service-account groups: a RoleBinding to system:serviceaccounts:ci grants ci service accounts only, in ci only', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('ci', 'ci-sas-edit', { kind: 'ClusterRole', name: 'edit' }, [
        groupSubject('system:serviceaccounts:ci'),
      ]),
    ]);
    const deployer = serviceAccountIdentity('ci', 'deployer');
    expect(deployer).toEqual({
      user: 'system:serviceaccount:ci:deployer',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
    });
    expect(can(policy, deployer, 'create', 'deployments.apps', { namespace: 'ci' })).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'RoleBinding', name: 'ci-sas-edit', namespace: 'ci' },
      role: { kind: 'ClusterRole', name: 'edit' },
      subject: { kind: 'Group', name: 'system:serviceaccounts:ci' },
    });
    expect(
      can(policy, serviceAccountIdentity('other', 'deployer'), 'create', 'deployments.apps', { namespace: 'ci' }),
    ).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
    expect(can(policy, deployer, 'create', 'deployments.apps', { namespace: 'other' }).allowed).toBe(false);
  });

  it('ServiceAccount subjects: namespace defaults to the RoleBinding, and to nothing in a ClusterRoleBinding', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('ci', 'builder-view', { kind: 'ClusterRole', name: 'view' }, [
        { kind: 'ServiceAccount', name: 'builder' },
      ]),
      clusterRoleBinding('builder-edit-nowhere', 'edit', [{ kind: 'ServiceAccount', name: 'builder' }]),
      clusterRoleBinding('prod-runner-view', 'view', [{ kind: 'ServiceAccount', name: 'runner', namespace: 'prod' }]),
    ]);
    expect(can(policy, serviceAccountIdentity('ci', 'builder'), 'list', 'pods', { namespace: 'ci' })).toMatchObject({
      allowed: true,
      binding: { name: 'builder-view' },
      subject: { kind: 'ServiceAccount', name: 'builder' },
    });
    expect(can(policy, serviceAccountIdentity('ci', 'builder'), 'create', 'pods', { namespace: 'ci' }).allowed).toBe(
      false,
    );
    expect(can(policy, serviceAccountIdentity('prod', 'runner'), 'list', 'pods', { namespace: 'ci' })).toMatchObject({
      allowed: true,
      binding: { kind: 'ClusterRoleBinding', name: 'prod-runner-view' },
    });
    expect(can(policy, serviceAccountIdentity('ci', 'runner'), 'list', 'pods', { namespace: 'ci' }).allowed).toBe(
      false,
    );
  });

  it('a kubelet identity is reported as decided by the Node authorizer, with RBAC alone giving allowed', () => {
    const policy = RbacPolicy.fromObjects([]);
    const kubelet = userIdentity('system:node:worker-1', ['system:nodes']);
    const pods = can(policy, kubelet, 'get', 'pods', { namespace: 'default', name: 'web-0' });
    expect(pods).toMatchObject({ allowed: false, decidedBy: 'node-authorizer' });
    expect(pods.reason).toBe(
      'user "system:node:worker-1" is the kubelet of node "worker-1": kube-apiserver\'s Node authorizer and the NodeRestriction admission plugin decide its requests (scoped to objects bound to that node), which this offline evaluator does not model; for get pods "web-0" in namespace "default", RBAC alone does not allow it',
    );

    const healthz = can(policy, kubelet, 'get', '/healthz');
    expect(healthz).toMatchObject({
      allowed: true,
      decidedBy: 'node-authorizer',
      binding: { kind: 'ClusterRoleBinding', name: 'system:discovery' },
    });
    expect(healthz.reason).toMatch(/RBAC alone allowed by ClusterRoleBinding "system:discovery"/);

    // Both the user-name form and the group are needed; otherwise it is an ordinary RBAC subject.
    expect(
      can(policy, userIdentity('system:node:worker-1', []), 'get', 'pods', { namespace: 'default' }).decidedBy,
    ).toBe('no-rule');
    expect(
      can(policy, userIdentity('worker-1', ['system:nodes']), 'get', 'pods', { namespace: 'default' }).decidedBy,
    ).toBe('no-rule');
    // system:masters outranks the Node authorizer.
    expect(
      can(policy, userIdentity('system:node:w', ['system:nodes', 'system:masters']), 'get', 'pods').decidedBy,
    ).toBe('system:masters');
  });

  it('system:kube-controller-manager gets its bootstrap ClusterRole and kube-system leader-election Role', () => {
    const policy = RbacPolicy.fromObjects([]);
    const kcm = userIdentity('system:kube-controller-manager', []);
    expect(can(policy, kcm, 'list', 'widgets.example.com')).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'system:kube-controller-manager' },
      role: { kind: 'ClusterRole', name: 'system:kube-controller-manager' },
      rule: { apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] },
    });
    expect(can(policy, kcm, 'create', 'serviceaccounts/token', { namespace: 'default' })).toMatchObject({
      allowed: true,
      role: { kind: 'ClusterRole', name: 'system:kube-controller-manager' },
    });
    expect(
      can(policy, kcm, 'get', 'leases.coordination.k8s.io', {
        namespace: 'kube-system',
        name: 'kube-controller-manager',
      }),
    ).toMatchObject({
      allowed: true,
      binding: { kind: 'ClusterRoleBinding', name: 'system:kube-controller-manager' },
      rule: { resourceNames: ['kube-controller-manager'] },
    });
    expect(
      can(policy, kcm, 'get', 'leases.coordination.k8s.io', { namespace: 'kube-system', name: 'other' }),
    ).toMatchObject({
      allowed: true,
      binding: {
        kind: 'RoleBinding',
        name: 'system::leader-locking-kube-controller-manager',
        namespace: 'kube-system',
      },
      role: { kind: 'Role', name: 'system::leader-locking-kube-controller-manager', namespace: 'kube-system' },
    });
    expect(can(policy, kcm, 'get', 'leases.coordination.k8s.io', { namespace: 'default', name: 'other' }).allowed).toBe(
      false,
    );
    // Controllers run with their own service-account credentials; the shared identity cannot delete pods.
    expect(can(policy, kcm, 'delete', 'pods', { namespace: 'default' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
  });

  it('system:kube-scheduler can bind and read pods but not create them', () => {
    const policy = RbacPolicy.fromObjects([]);
    const scheduler = userIdentity('system:kube-scheduler', []);
    const schedulerRole = {
      binding: { kind: 'ClusterRoleBinding', name: 'system:kube-scheduler' },
      role: { kind: 'ClusterRole', name: 'system:kube-scheduler' },
    };
    expect(can(policy, scheduler, 'create', 'bindings', { namespace: 'default' })).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      ...schedulerRole,
    });
    expect(can(policy, scheduler, 'create', 'pods/binding', { namespace: 'default' })).toMatchObject({
      allowed: true,
      ...schedulerRole,
    });
    expect(can(policy, scheduler, 'get', 'pods', { namespace: 'default' })).toMatchObject({
      allowed: true,
      ...schedulerRole,
    });
    expect(can(policy, scheduler, 'create', 'pods', { namespace: 'default' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
    expect(can(policy, scheduler, 'update', 'persistentvolumes')).toMatchObject({
      allowed: true,
      binding: { kind: 'ClusterRoleBinding', name: 'system:volume-scheduler' },
      role: { kind: 'ClusterRole', name: 'system:volume-scheduler' },
    });
    expect(
      can(policy, scheduler, 'get', 'configmaps', {
        namespace: 'kube-system',
        name: 'extension-apiserver-authentication',
      }),
    ).toMatchObject({
      allowed: true,
      binding: {
        kind: 'RoleBinding',
        name: 'system::extension-apiserver-authentication-reader',
        namespace: 'kube-system',
      },
      role: { kind: 'Role', name: 'extension-apiserver-authentication-reader', namespace: 'kube-system' },
    });
  });
});
