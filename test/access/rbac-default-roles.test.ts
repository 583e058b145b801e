import { describe, expect, it } from 'vitest';
import { RbacPolicy } from '../../src/access';
import { isClusterAdminEquivalent } from '../../src/access/is-cluster-admin-equivalent';
import { userIdentity } from '../../src/access/authenticated-identity';
import { can, clusterRoleBinding, groupSubject, roleBinding, userSubject } from './rbac-fixtures';

const alice = userIdentity('alice', []);
const bob = userIdentity('bob', ['developers']);

describe('RbacPolicy with the bootstrap default roles', () => {
  const policy = RbacPolicy.fromObjects([
    roleBinding('team-a', 'alice-view', { kind: 'ClusterRole', name: 'view' }, [userSubject('alice')]),
    roleBinding('team-a', 'developers-edit', { kind: 'ClusterRole', name: 'edit' }, [groupSubject('developers')]),
    roleBinding('team-a', 'carol-admin', { kind: 'ClusterRole', name: 'admin' }, [userSubject('carol')]),
    clusterRoleBinding('auditors-view', 'view', [groupSubject('auditors')]),
    clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [groupSubject('kubeadm:cluster-admins')]),
  ]);

  it('view cannot get secrets but can list pods', () => {
    const secrets = can(policy, alice, 'get', 'secrets', { namespace: 'team-a' });
    expect(secrets).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(secrets.binding).toBeUndefined();
    expect(secrets.reason).toMatch(/^denied: .*user "alice".*get secrets in namespace "team-a"/);

    const pods = can(policy, alice, 'list', 'pods', { namespace: 'team-a' });
    expect(pods).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'RoleBinding', name: 'alice-view', namespace: 'team-a' },
      role: { kind: 'ClusterRole', name: 'view' },
      subject: { kind: 'User', name: 'alice' },
    });
    expect(pods.rule?.resources).toContain('pods');
    expect(pods.reason).toMatch(
      /^allowed by RoleBinding "alice-view" in namespace "team-a" → ClusterRole "view" rule \{verbs:\[get, list, watch\], apiGroups:\[""\], resources:\[configmaps, /,
    );
  });

  it('edit can get secrets and create deployments.apps', () => {
    const secrets = can(policy, bob, 'get', 'secrets', { namespace: 'team-a', name: 'db-password' });
    expect(secrets).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'RoleBinding', name: 'developers-edit', namespace: 'team-a' },
      role: { kind: 'ClusterRole', name: 'edit' },
      subject: { kind: 'Group', name: 'developers' },
    });
    expect(secrets.rule?.resources).toContain('secrets');

    const deployments = can(policy, bob, 'create', 'deployments.apps', { namespace: 'team-a' });
    expect(deployments).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      role: { kind: 'ClusterRole', name: 'edit' },
    });
    expect(deployments.rule).toMatchObject({ apiGroups: ['apps'], verbs: expect.arrayContaining(['create']) });
    // edit does not include RBAC objects: that is what separates it from admin.
    expect(can(policy, bob, 'create', 'rolebindings.rbac.authorization.k8s.io', { namespace: 'team-a' }).allowed).toBe(
      false,
    );
  });

  it('admin can create rolebindings in its namespace only', () => {
    const carol = userIdentity('carol', []);
    const decision = can(policy, carol, 'create', 'rolebindings.rbac.authorization.k8s.io', { namespace: 'team-a' });
    expect(decision).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'RoleBinding', name: 'carol-admin', namespace: 'team-a' },
      role: { kind: 'ClusterRole', name: 'admin' },
      rule: { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'] },
    });
    expect(
      can(policy, carol, 'create', 'rolebindings.rbac.authorization.k8s.io', { namespace: 'team-b' }).allowed,
    ).toBe(false);
  });

  it('a RoleBinding to edit in namespace a grants nothing in namespace b nor cluster-wide', () => {
    expect(can(policy, bob, 'create', 'deployments.apps', { namespace: 'team-b' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
    const clusterWide = can(policy, bob, 'list', 'pods');
    expect(clusterWide).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(clusterWide.reason).toContain(
      'no rule of the 3 ClusterRoleBindings naming user "bob" allows list pods cluster-wide',
    );
  });

  it('a ClusterRoleBinding to view grants list pods in every namespace and cluster-wide', () => {
    const auditor = userIdentity('dave', ['auditors']);
    for (const namespace of ['team-a', 'kube-system', undefined]) {
      expect(can(policy, auditor, 'list', 'pods', { namespace })).toMatchObject({
        allowed: true,
        decidedBy: 'rbac',
        binding: { kind: 'ClusterRoleBinding', name: 'auditors-view' },
        role: { kind: 'ClusterRole', name: 'view' },
      });
    }
    expect(can(policy, auditor, 'delete', 'pods', { namespace: 'team-a' }).allowed).toBe(false);
  });

  it('cluster-admin through a ClusterRoleBinding, with the documented reason sentence', () => {
    const admin = userIdentity('kubernetes-admin', ['kubeadm:cluster-admins']);
    const decision = can(policy, admin, 'delete', 'nodes');
    expect(decision).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'kubeadm:cluster-admins' },
      role: { kind: 'ClusterRole', name: 'cluster-admin' },
    });
    expect(decision.reason).toBe(
      'allowed by ClusterRoleBinding "kubeadm:cluster-admins" → ClusterRole "cluster-admin" rule {verbs:[*], apiGroups:[*], resources:[*]}',
    );
    expect(can(policy, admin, 'get', '/metrics').rule).toEqual({ nonResourceURLs: ['*'], verbs: ['*'] });
    expect(isClusterAdminEquivalent(policy, admin)).toBe(true);
    expect(isClusterAdminEquivalent(policy, userIdentity('dave', ['auditors']))).toBe(false);
  });

  it('every authenticated user may create self-subject reviews and read /healthz', () => {
    const review = can(policy, alice, 'create', 'selfsubjectaccessreviews.authorization.k8s.io');
    expect(review).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'system:basic-user' },
      role: { kind: 'ClusterRole', name: 'system:basic-user' },
      subject: { kind: 'Group', name: 'system:authenticated' },
    });
    // system:discovery also lists /healthz and comes first among the bootstrap ClusterRoleBindings.
    expect(can(policy, alice, 'get', '/healthz')).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'system:discovery' },
    });
    expect(can(policy, alice, 'post', '/healthz').allowed).toBe(false);
  });

  it('system:public-info-viewer serves /healthz to anonymous requests, and to authenticated ones once system:discovery is gone', () => {
    const anonymous = { user: 'system:anonymous', groups: ['system:unauthenticated'] };
    expect(can(policy, anonymous, 'get', '/healthz')).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'system:public-info-viewer' },
      role: { kind: 'ClusterRole', name: 'system:public-info-viewer' },
      subject: { kind: 'Group', name: 'system:unauthenticated' },
    });
    expect(can(policy, anonymous, 'get', '/apis').allowed).toBe(false);

    // A same-named object replaces the bootstrap one, as `kubectl apply` would.
    const withoutDiscovery = RbacPolicy.fromObjects([clusterRoleBinding('system:discovery', 'system:discovery', [])]);
    expect(can(withoutDiscovery, alice, 'get', '/healthz')).toMatchObject({
      allowed: true,
      binding: { kind: 'ClusterRoleBinding', name: 'system:public-info-viewer' },
      subject: { kind: 'Group', name: 'system:authenticated' },
    });
    expect(can(withoutDiscovery, alice, 'get', '/apis').allowed).toBe(false);
  });
});
