import { describe, expect, it } from 'vitest';
import {
  AuthenticatedIdentity,
  Decision,
  explainAccess,
  isClusterAdminEquivalent,
  parseAccessRequest,
  PolicyRule,
  RbacObject,
  RbacPolicy,
  RbacSubject,
  serviceAccountIdentity,
  userIdentity,
} from '../../../src/verify/rbac';

const V1 = 'rbac.authorization.k8s.io/v1';

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): RbacObject {
  return { apiVersion: V1, kind: 'ClusterRole', metadata: { name, labels }, rules };
}
function role(namespace: string, name: string, rules: PolicyRule[]): RbacObject {
  return { apiVersion: V1, kind: 'Role', metadata: { name, namespace }, rules };
}
function clusterRoleBinding(name: string, roleName: string, subjects: RbacSubject[], kind: 'Role' | 'ClusterRole' = 'ClusterRole'): RbacObject {
  return { apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName }, subjects };
}
function roleBinding(namespace: string, name: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: RbacSubject[]): RbacObject {
  return { apiVersion: V1, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects };
}
const userSubject = (name: string): RbacSubject => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
const groupSubject = (name: string): RbacSubject => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });

function can(policy: RbacPolicy, identity: AuthenticatedIdentity, verb: string, target: string, opts?: { namespace?: string; name?: string }): Decision {
  return policy.authorize(identity, parseAccessRequest(verb, target, opts));
}

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
    expect(pods.reason).toMatch(/^allowed by RoleBinding "alice-view" in namespace "team-a" → ClusterRole "view" rule \{verbs:\[get, list, watch\], apiGroups:\[""\], resources:\[configmaps, /);
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
    expect(deployments).toMatchObject({ allowed: true, decidedBy: 'rbac', role: { kind: 'ClusterRole', name: 'edit' } });
    expect(deployments.rule).toMatchObject({ apiGroups: ['apps'], verbs: expect.arrayContaining(['create']) });
    // edit does not include RBAC objects: that is what separates it from admin.
    expect(can(policy, bob, 'create', 'rolebindings.rbac.authorization.k8s.io', { namespace: 'team-a' }).allowed).toBe(false);
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
    expect(can(policy, carol, 'create', 'rolebindings.rbac.authorization.k8s.io', { namespace: 'team-b' }).allowed).toBe(false);
  });

  it('a RoleBinding to edit in namespace a grants nothing in namespace b nor cluster-wide', () => {
    expect(can(policy, bob, 'create', 'deployments.apps', { namespace: 'team-b' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    const clusterWide = can(policy, bob, 'list', 'pods');
    expect(clusterWide).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(clusterWide.reason).toContain('no rule of the 3 ClusterRoleBindings naming user "bob" allows list pods cluster-wide');
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

describe('RbacPolicy rule matching', () => {
  const ops = userIdentity('ops', ['ops']);
  const policy = RbacPolicy.fromObjects([
    clusterRole('pods-only', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
    clusterRole('pod-logs', [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]),
    clusterRole('any-log', [{ apiGroups: [''], resources: ['*/log'], verbs: ['get'] }]),
    clusterRole('all-core', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }]),
    clusterRole('one-configmap', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'], verbs: ['get', 'list'] }]),
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
    expect(can(policy, u('p'), 'get', 'pods', { namespace: 'sub' })).toMatchObject({ allowed: true, binding: { name: 'pods-only' } });
    expect(can(policy, u('p'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });

    expect(can(policy, u('l'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({
      allowed: true, decidedBy: 'rbac', binding: { name: 'pod-logs' }, rule: { resources: ['pods/log'] },
    });
    expect(can(policy, u('l'), 'get', 'pods', { namespace: 'sub' }).allowed).toBe(false);
    expect(can(policy, u('l'), 'get', 'pods/exec', { namespace: 'sub' }).allowed).toBe(false);

    expect(can(policy, u('s'), 'get', 'services/log', { namespace: 'sub' })).toMatchObject({ allowed: true, binding: { name: 'any-log' } });
    expect(can(policy, u('s'), 'get', 'pods/exec', { namespace: 'sub' }).allowed).toBe(false);
    expect(can(policy, u('s'), 'get', 'pods', { namespace: 'sub' }).allowed).toBe(false);

    expect(can(policy, u('w'), 'get', 'pods/log', { namespace: 'sub' })).toMatchObject({ allowed: true, binding: { name: 'all-core' }, rule: { resources: ['*'] } });
    expect(can(policy, u('w'), 'get', 'deployments.apps/scale', { namespace: 'sub' }).allowed).toBe(false);
  });

  it('resourceNames allow get of a listed name only, and never list', () => {
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names', name: 'x' })).toMatchObject({
      allowed: true, decidedBy: 'rbac', binding: { kind: 'RoleBinding', name: 'one-configmap', namespace: 'names' }, rule: { resourceNames: ['x'] },
    });
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names', name: 'y' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(can(policy, u('n'), 'list', 'configmaps', { namespace: 'names' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(can(policy, u('n'), 'get', 'configmaps', { namespace: 'names' }).allowed).toBe(false);
  });

  it('nonResourceURLs match exactly or by a trailing-* prefix, and only through ClusterRoleBindings', () => {
    const logs = u('logs');
    expect(can(policy, logs, 'get', '/logs/kube-apiserver.log')).toMatchObject({
      allowed: true, decidedBy: 'rbac', binding: { kind: 'ClusterRoleBinding', name: 'logs-reader' }, rule: { nonResourceURLs: ['/logs/*', '/metrics'] },
    });
    expect(can(policy, logs, 'get', '/logs/').allowed).toBe(true);
    expect(can(policy, logs, 'get', '/logs').allowed).toBe(false);
    expect(can(policy, logs, 'get', '/metrics').allowed).toBe(true);
    expect(can(policy, logs, 'get', '/metrics/slis').allowed).toBe(false);
    expect(can(policy, logs, 'put', '/logs/x').allowed).toBe(false);
    // The same ClusterRole bound by a RoleBinding grants no paths: non-resource requests have no namespace.
    expect(can(policy, u('nslogs'), 'get', '/logs/x', { namespace: 'names' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
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
    expect(isClusterAdminEquivalent(policy, ops)).toBe(false);
    // A literal '*' in a request matches only rules that use '*'.
    expect(can(policy, u('w'), 'get', '*', { namespace: 'sub' }).allowed).toBe(true);
    expect(can(policy, u('w'), '*', 'pods', { namespace: 'sub' }).allowed).toBe(false);
  });
});

describe('RbacPolicy identities', () => {
  it('system:masters is allowed everything with no bindings at all', () => {
    const policy = RbacPolicy.fromObjects([], { includeBootstrap: false });
    const root = userIdentity('kubernetes-admin', ['system:masters']);
    for (const [verb, target, namespace] of [['delete', 'nodes', undefined], ['get', 'secrets', 'kube-system'], ['post', '/anything', undefined]] as const) {
      const decision = can(policy, root, verb, target, { namespace });
      expect(decision).toMatchObject({ allowed: true, decidedBy: 'system:masters' });
      expect(decision.binding).toBeUndefined();
      expect(decision.reason).toMatch(/privileged group/);
    }
    expect(isClusterAdminEquivalent(policy, root)).toBe(true);
    expect(can(policy, userIdentity('nobody', []), 'get', '/healthz')).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
  });

  it('service-account groups: a RoleBinding to system:serviceaccounts:ci grants ci service accounts only, in ci only', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('ci', 'ci-sas-edit', { kind: 'ClusterRole', name: 'edit' }, [groupSubject('system:serviceaccounts:ci')]),
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
    expect(can(policy, serviceAccountIdentity('other', 'deployer'), 'create', 'deployments.apps', { namespace: 'ci' })).toMatchObject({
      allowed: false, decidedBy: 'no-rule',
    });
    expect(can(policy, deployer, 'create', 'deployments.apps', { namespace: 'other' }).allowed).toBe(false);
  });

  it('ServiceAccount subjects: namespace defaults to the RoleBinding, and to nothing in a ClusterRoleBinding', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('ci', 'builder-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'builder' }]),
      clusterRoleBinding('builder-edit-nowhere', 'edit', [{ kind: 'ServiceAccount', name: 'builder' }]),
      clusterRoleBinding('prod-runner-view', 'view', [{ kind: 'ServiceAccount', name: 'runner', namespace: 'prod' }]),
    ]);
    expect(can(policy, serviceAccountIdentity('ci', 'builder'), 'list', 'pods', { namespace: 'ci' })).toMatchObject({
      allowed: true, binding: { name: 'builder-view' }, subject: { kind: 'ServiceAccount', name: 'builder' },
    });
    expect(can(policy, serviceAccountIdentity('ci', 'builder'), 'create', 'pods', { namespace: 'ci' }).allowed).toBe(false);
    expect(can(policy, serviceAccountIdentity('prod', 'runner'), 'list', 'pods', { namespace: 'ci' })).toMatchObject({
      allowed: true, binding: { kind: 'ClusterRoleBinding', name: 'prod-runner-view' },
    });
    expect(can(policy, serviceAccountIdentity('ci', 'runner'), 'list', 'pods', { namespace: 'ci' }).allowed).toBe(false);
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
    expect(healthz).toMatchObject({ allowed: true, decidedBy: 'node-authorizer', binding: { kind: 'ClusterRoleBinding', name: 'system:discovery' } });
    expect(healthz.reason).toMatch(/RBAC alone allowed by ClusterRoleBinding "system:discovery"/);

    // Both the user-name form and the group are needed; otherwise it is an ordinary RBAC subject.
    expect(can(policy, userIdentity('system:node:worker-1', []), 'get', 'pods', { namespace: 'default' }).decidedBy).toBe('no-rule');
    expect(can(policy, userIdentity('worker-1', ['system:nodes']), 'get', 'pods', { namespace: 'default' }).decidedBy).toBe('no-rule');
    // system:masters outranks the Node authorizer.
    expect(can(policy, userIdentity('system:node:w', ['system:nodes', 'system:masters']), 'get', 'pods').decidedBy).toBe('system:masters');
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
      allowed: true, role: { kind: 'ClusterRole', name: 'system:kube-controller-manager' },
    });
    expect(can(policy, kcm, 'get', 'leases.coordination.k8s.io', { namespace: 'kube-system', name: 'kube-controller-manager' })).toMatchObject({
      allowed: true, binding: { kind: 'ClusterRoleBinding', name: 'system:kube-controller-manager' }, rule: { resourceNames: ['kube-controller-manager'] },
    });
    expect(can(policy, kcm, 'get', 'leases.coordination.k8s.io', { namespace: 'kube-system', name: 'other' })).toMatchObject({
      allowed: true,
      binding: { kind: 'RoleBinding', name: 'system::leader-locking-kube-controller-manager', namespace: 'kube-system' },
      role: { kind: 'Role', name: 'system::leader-locking-kube-controller-manager', namespace: 'kube-system' },
    });
    expect(can(policy, kcm, 'get', 'leases.coordination.k8s.io', { namespace: 'default', name: 'other' }).allowed).toBe(false);
    // Controllers run with their own service-account credentials; the shared identity cannot delete pods.
    expect(can(policy, kcm, 'delete', 'pods', { namespace: 'default' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
  });

  it('system:kube-scheduler can bind and read pods but not create them', () => {
    const policy = RbacPolicy.fromObjects([]);
    const scheduler = userIdentity('system:kube-scheduler', []);
    const schedulerRole = { binding: { kind: 'ClusterRoleBinding', name: 'system:kube-scheduler' }, role: { kind: 'ClusterRole', name: 'system:kube-scheduler' } };
    expect(can(policy, scheduler, 'create', 'bindings', { namespace: 'default' })).toMatchObject({ allowed: true, decidedBy: 'rbac', ...schedulerRole });
    expect(can(policy, scheduler, 'create', 'pods/binding', { namespace: 'default' })).toMatchObject({ allowed: true, ...schedulerRole });
    expect(can(policy, scheduler, 'get', 'pods', { namespace: 'default' })).toMatchObject({ allowed: true, ...schedulerRole });
    expect(can(policy, scheduler, 'create', 'pods', { namespace: 'default' })).toMatchObject({ allowed: false, decidedBy: 'no-rule' });
    expect(can(policy, scheduler, 'update', 'persistentvolumes')).toMatchObject({
      allowed: true, binding: { kind: 'ClusterRoleBinding', name: 'system:volume-scheduler' }, role: { kind: 'ClusterRole', name: 'system:volume-scheduler' },
    });
    expect(can(policy, scheduler, 'get', 'configmaps', { namespace: 'kube-system', name: 'extension-apiserver-authentication' })).toMatchObject({
      allowed: true,
      binding: { kind: 'RoleBinding', name: 'system::extension-apiserver-authentication-reader', namespace: 'kube-system' },
      role: { kind: 'Role', name: 'extension-apiserver-authentication-reader', namespace: 'kube-system' },
    });
  });
});

describe('RbacPolicy objects', () => {
  it('a user ClusterRole labelled aggregate-to-view extends view, and through it edit and admin', () => {
    const widgetReader = clusterRole('widget-reader', [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }], {
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
    });
    const binding = (name: string, roleName: string): RbacObject => roleBinding('a', name, { kind: 'ClusterRole', name: roleName }, [userSubject(name)]);
    const policy = RbacPolicy.fromObjects([widgetReader, binding('viewer', 'view'), binding('editor', 'edit'), binding('admin', 'admin')]);
    for (const name of ['viewer', 'editor', 'admin']) {
      const decision = can(policy, userIdentity(name, []), 'list', 'widgets.example.com', { namespace: 'a' });
      expect(decision).toMatchObject({ allowed: true, decidedBy: 'rbac', binding: { name }, rule: widgetReader.rules?.[0] });
    }
    expect(policy.clusterRole('view')?.rules).toContainEqual(widgetReader.rules?.[0]);

    const unlabelled = RbacPolicy.fromObjects([{ ...widgetReader, metadata: { name: 'widget-reader' } }, binding('viewer', 'view')]);
    expect(can(unlabelled, userIdentity('viewer', []), 'list', 'widgets.example.com', { namespace: 'a' }).allowed).toBe(false);
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
    expect(decision.reason).toContain('ClusterRoleBinding "ghost-cluster" refers to missing ClusterRole "no-such-clusterrole"');
    const explained = explainAccess(policy, alice, 'a').filter((b) => !b.roleFound).map((b) => b.binding.name);
    expect(explained).toEqual(['ghost-cluster', 'crb-to-role', 'ghost']);
  });

  it('explainAccess lists the applicable bindings in visiting order', () => {
    const policy = RbacPolicy.fromObjects([
      roleBinding('a', 'alice-view', { kind: 'ClusterRole', name: 'view' }, [userSubject('alice')]),
      roleBinding('b', 'alice-edit', { kind: 'ClusterRole', name: 'edit' }, [userSubject('alice')]),
    ]);
    const summary = (namespace?: string): string[] =>
      explainAccess(policy, alice, namespace).map((b) => `${b.binding.kind}/${b.binding.name}→${b.role.kind}/${b.role.name}`);
    const clusterWide = [
      'ClusterRoleBinding/system:basic-user→ClusterRole/system:basic-user',
      'ClusterRoleBinding/system:discovery→ClusterRole/system:discovery',
      'ClusterRoleBinding/system:public-info-viewer→ClusterRole/system:public-info-viewer',
    ];
    expect(summary()).toEqual(clusterWide);
    expect(summary('a')).toEqual([...clusterWide, 'RoleBinding/alice-view→ClusterRole/view']);
    expect(explainAccess(policy, alice, 'a')[3]).toMatchObject({ roleFound: true, binding: { namespace: 'a' }, subject: { kind: 'User', name: 'alice' } });
    expect(explainAccess(policy, alice, 'a')[3].rules).toEqual(policy.clusterRole('view')?.rules);
  });

  it('ignores non-RBAC objects, expands Lists, and puts namespace-less Roles and RoleBindings in "default"', () => {
    const policy = RbacPolicy.fromObjects(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a' } },
        { apiVersion: 'example.com/v1', kind: 'Role', metadata: { name: 'not-rbac', namespace: 'a' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] },
        {
          apiVersion: 'v1',
          kind: 'List',
          metadata: { name: '' },
          items: [
            role('', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]),
            { apiVersion: V1, kind: 'RoleBinding', metadata: { name: 'reader' }, roleRef: { kind: 'Role', name: 'reader' }, subjects: [userSubject('alice')] },
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
      allowed: true, binding: { kind: 'RoleBinding', name: 'reader', namespace: 'default' }, role: { kind: 'Role', name: 'reader', namespace: 'default' },
    });
  });

  it('rejects RBAC objects without a name or a binding without a roleRef', () => {
    expect(() => RbacPolicy.fromObjects([{ apiVersion: V1, kind: 'ClusterRole', metadata: { name: '' } }])).toThrow(/no metadata.name/);
    expect(() => RbacPolicy.fromObjects([{ apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'x' } }])).toThrow(/no roleRef/);
  });
});
