import { describe, expect, it } from 'vitest';
import { clusterAdminPath, RbacPolicy } from '../../src/access';
import { type AuthenticatedIdentity, userIdentity } from '../../src/access/authenticated-identity';
import { isClusterAdminEquivalent } from '../../src/access/is-cluster-admin-equivalent';
import { can, clusterRole, clusterRoleBinding, groupSubject, roleBinding, userSubject } from './rbac-fixtures';

describe('RbacPolicy rule matching', () => {
  const ops = userIdentity('ops', ['ops']);
  const policy = RbacPolicy.fromObjects([
    clusterRole('pods-only', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
    clusterRole('pod-logs', [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]),
    clusterRole('any-log', [{ apiGroups: [''], resources: ['*/log'], verbs: ['get'] }]),
    clusterRole('all-core', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }]),
    clusterRole('one-configmap', [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'], verbs: ['get', 'list'] },
    ]),
    clusterRole('logs-reader', [{ nonResourceURLs: ['/logs/*', '/metrics'], verbs: ['get'] }]),
    clusterRole('everything-but-urls', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    roleBinding('sub', 'pods-only', { kind: 'ClusterRole', name: 'pods-only' }, [userSubject('p')]),
    roleBinding('sub', 'pod-logs', { kind: 'ClusterRole', name: 'pod-logs' }, [userSubject('l')]),
    roleBinding('sub', 'any-log', { kind: 'ClusterRole', name: 'any-log' }, [userSubject('s')]),
    roleBinding('sub', 'all-core', { kind: 'ClusterRole', name: 'all-core' }, [userSubject('w')]),
    roleBinding('names', 'one-configmap', { kind: 'ClusterRole', name: 'one-configmap' }, [userSubject('n')]),
    clusterRoleBinding('logs-reader', 'logs-reader', [userSubject('logs')]),
    roleBinding('names', 'logs-reader-ns', { kind: 'ClusterRole', name: 'logs-reader' }, [userSubject('nslogs')]),
    clusterRoleBinding('ops-everything', 'everything-but-urls', [groupSubject('ops')]),
  ]);
  const u = (name: string): AuthenticatedIdentity => userIdentity(name, []);

  it('pods/log is granted only by a rule naming pods/log, */log or *', () => {
    expect(can(policy, u('p'), 'get', 'pods', { namespace: 'sub' })).toMatchObject({
      allowed: true,
      binding: { name: 'pods-only' },
    });
    expect(can(policy, u('p'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });

    expect(can(policy, u('l'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { name: 'pod-logs' },
      rule: { resources: ['pods/log'] },
    });
    expect(can(policy, u('l'), 'get', 'pods', { namespace: 'sub' }).allowed).toBe(false);
    expect(can(policy, u('l'), 'get', 'pods/exec', { namespace: 'sub' }).allowed).toBe(false);

    expect(can(policy, u('s'), 'get', 'services/log', { namespace: 'sub' })).toMatchObject({
      allowed: true,
      binding: { name: 'any-log' },
    });
    expect(can(policy, u('s'), 'get', 'pods/exec', { namespace: 'sub' }).allowed).toBe(false);
    expect(can(policy, u('s'), 'get', 'pods', { namespace: 'sub' }).allowed).toBe(false);

    expect(can(policy, u('w'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({
      allowed: true,
      binding: { name: 'all-core' },
      rule: { resources: ['*'] },
    });
    expect(can(policy, u('w'), 'get', 'deployments.apps/scale', { namespace: 'sub' }).allowed).toBe(false);
  });

  it('resourceNames allow get of a listed name only, and never list', () => {
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names', name: 'x' })).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'RoleBinding', name: 'one-configmap', namespace: 'names' },
      rule: { resourceNames: ['x'] },
    });
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names', name: 'y' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
    expect(can(policy, u('n'), 'list', 'configmaps', { namespace: 'names' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names' }).allowed).toBe(false);
  });

  it('nonResourceURLs match exactly or by a trailing-* prefix, and only through ClusterRoleBindings', () => {
    const logs = u('logs');
    expect(can(policy, logs, 'get', '/logs/kube-apiserver.log')).toMatchObject({
      allowed: true,
      decidedBy: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'logs-reader' },
      rule: { nonResourceURLs: ['/logs/*', '/metrics'] },
    });
    expect(can(policy, logs, 'get', '/logs/').allowed).toBe(true);
    expect(can(policy, logs, 'get', '/logs').allowed).toBe(false);
    expect(can(policy, logs, 'get', '/metrics').allowed).toBe(true);
    expect(can(policy, logs, 'get', '/metrics/slis').allowed).toBe(false);
    expect(can(policy, logs, 'put', '/logs/x').allowed).toBe(false);
    // The same ClusterRole bound by a RoleBinding grants no paths: non-resource requests have no namespace.
    expect(can(policy, u('nslogs'), 'get', '/logs/x', { namespace: 'names' })).toMatchObject({
      allowed: false,
      decidedBy: 'no-rule',
    });
  });

  it('* matches every verb, group and resource, but not non-resource URLs', () => {
    for (const [verb, target, namespace] of [
      ['delete', 'widgets.example.com', 'x'],
      ['escalate', 'clusterroles.rbac.authorization.k8s.io', undefined],
      ['deletecollection', 'pods', 'kube-system'],
      ['update', 'deployments.apps/scale', 'x'],
    ] as const) {
      expect(can(policy, ops, verb, target, { namespace })).toMatchObject({
        allowed: true,
        decidedBy: 'rbac',
        binding: { kind: 'ClusterRoleBinding', name: 'ops-everything' },
        role: { kind: 'ClusterRole', name: 'everything-but-urls' },
      });
    }
    expect(policy.authorize(ops, { verb: '*', apiGroup: '*', resource: '*' }).allowed).toBe(true);
    expect(can(policy, ops, 'get', '/metrics').allowed).toBe(false);
    // Not cluster-admin by its rules (no URLs), yet equivalent: `*` on every resource includes impersonating
    // system:masters.
    expect(isClusterAdminEquivalent(policy, ops)).toBe(true);
    expect(clusterAdminPath(policy, ops)?.via).toMatch(/^can impersonate group system:masters/);
    // A literal '*' in a request matches only rules that use '*'.
    expect(can(policy, u('w'), 'get', '*', { namespace: 'sub' }).allowed).toBe(true);
    expect(can(policy, u('w'), '*', 'pods', { namespace: 'sub' }).allowed).toBe(false);
  });
});
