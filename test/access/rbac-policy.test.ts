import { describe, expect, it } from 'vitest';
import { RbacPolicy } from '../../src/access';
import { explainAccess } from '../../src/access/explain-access';
import { userIdentity } from '../../src/access/authenticated-identity';
import { type RbacObject } from '../../src/plan/rbac-objects';
import { can, clusterRole, clusterRoleBinding, role, roleBinding, userSubject, V1 } from './rbac-fixtures';

const alice = userIdentity('alice', []);

describe('RbacPolicy objects', () => {
  it('a user ClusterRole labelled aggregate-to-view extends view, and through it edit and admin', () => {
    const widgetReader = clusterRole(
      'widget-reader',
      [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }],
      {
        'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      },
    );
    const binding = (name: string, roleName: string): RbacObject =>
      roleBinding('a', name, { kind: 'ClusterRole', name: roleName }, [userSubject(name)]);
    const policy = RbacPolicy.fromObjects([
      widgetReader,
      binding('viewer', 'view'),
      binding('editor', 'edit'),
      binding('admin', 'admin'),
    ]);
    for (const name of ['viewer', 'editor', 'admin']) {
      const decision = can(policy, userIdentity(name, []), 'list', 'widgets.example.com', { namespace: 'a' });
      expect(decision).toMatchObject({
        allowed: true,
        decidedBy: 'rbac',
        binding: { name },
        rule: widgetReader.rules?.[0],
      });
    }
    expect(policy.clusterRole('view')?.rules).toContainEqual(widgetReader.rules?.[0]);

    const unlabelled = RbacPolicy.fromObjects([
      { ...widgetReader, metadata: { name: 'widget-reader' } },
      binding('viewer', 'view'),
    ]);
    expect(can(unlabelled, userIdentity('viewer', []), 'list', 'widgets.example.com', { namespace: 'a' }).allowed).toBe(
      false,
    );
  });

  it('a binding to a missing role grants nothing and says so', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('a', 'ghost', { kind: 'Role', name: 'does-not-exist' }, [userSubject('alice')]),
      clusterRoleBinding('ghost-cluster', 'no-such-clusterrole', [userSubject('alice')]),
      // A ClusterRoleBinding cannot reach a Role, even one with that name.
      role('a', 'pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      clusterRoleBinding('crb-to-role', 'pod-reader', [userSubject('alice')], 'Role'),
    ]);
    const decision = can(policy, alice, 'get', 'pods', { namespace: 'a' });
    expect(decision).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(decision.reason).toContain('RoleBinding "ghost" refers to missing Role "does-not-exist"');
    expect(decision.reason).toContain(
      'ClusterRoleBinding "ghost-cluster" refers to missing ClusterRole "no-such-clusterrole"',
    );
    const explained = explainAccess(policy, alice, 'a')
      .filter((b) => !b.roleFound)
      .map((b) => b.binding.name);
    expect(explained).toEqual(['ghost-cluster', 'crb-to-role', 'ghost']);
  });

  it('explainAccess lists the applicable bindings in visiting order', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('a', 'alice-view', { kind: 'ClusterRole', name: 'view' }, [userSubject('alice')]),
      roleBinding('b', 'alice-edit', { kind: 'ClusterRole', name: 'edit' }, [userSubject('alice')]),
    ]);
    const summary = (namespace?: string): string[] =>
      explainAccess(policy, alice, namespace).map(
        (b) => `${b.binding.kind}/${b.binding.name}→${b.role.kind}/${b.role.name}`,
      );
    const clusterWide = [
      'ClusterRoleBinding/system:basic-user→ClusterRole/system:basic-user',
      'ClusterRoleBinding/system:discovery→ClusterRole/system:discovery',
      'ClusterRoleBinding/system:public-info-viewer→ClusterRole/system:public-info-viewer',
    ];
    expect(summary()).toEqual(clusterWide);
    expect(summary('a')).toEqual([...clusterWide, 'RoleBinding/alice-view→ClusterRole/view']);
    expect(explainAccess(policy, alice, 'a')[3]).toMatchObject({
      roleFound: true,
      binding: { namespace: 'a' },
      subject: { kind: 'User', name: 'alice' },
    });
    expect(explainAccess(policy, alice, 'a')[3].rules).toEqual(policy.clusterRole('view')?.rules);
  });

  it('ignores non-RBAC objects, expands Lists, and puts namespace-less Roles and RoleBindings in "default"', () => {
    const policy = RbacPolicy.fromObjects(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a' } },
        {
          apiVersion: 'example.com/v1',
          kind: 'Role',
          metadata: { name: 'not-rbac', namespace: 'a' },
          rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        },
        {
          apiVersion: 'v1',
          kind: 'List',
          metadata: { name: '' },
          items: [
            role('', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]),
            {
              apiVersion: V1,
              kind: 'RoleBinding',
              metadata: { name: 'reader' },
              roleRef: { kind: 'Role', name: 'reader' },
              subjects: [userSubject('alice')],
            },
          ],
        } as RbacObject,
      ],
      { includeBootstrap: false },
    );
    expect(policy.clusterRoles()).toEqual([]);
    expect(policy.role('a', 'not-rbac')).toBeUndefined();
    expect(policy.role('default', 'reader')?.metadata.namespace).toBe('default');
    expect(policy.namespaces()).toEqual(['default']);
    expect(can(policy, alice, 'list', 'pods', { namespace: 'default' })).toMatchObject({
      allowed: true,
      binding: { kind: 'RoleBinding', name: 'reader', namespace: 'default' },
      role: { kind: 'Role', name: 'reader', namespace: 'default' },
    });
  });

  it('rejects RBAC objects without a name or a binding without a roleRef', () => {
    expect(() => RbacPolicy.fromObjects([{ apiVersion: V1, kind: 'ClusterRole', metadata: { name: '' } }])).toThrow(
      /no metadata.name/,
    );
    expect(() =>
      RbacPolicy.fromObjects([{ apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'x' } }]),
    ).toThrow(/no roleRef/);
  });
});
