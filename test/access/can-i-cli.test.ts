import { describe, expect, it, beforeAll } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { describeRun, runKubepki, teamStackFile } from './access-cli';

// `kubepki can-i` answers like `kubectl auth can-i` — yes/no on stdout, exit 0/1, the deciding binding and rule (or
// the authorizer) on stderr. Scenarios are the README's: a developer with dev/staging contexts, a CI/CD deployer, a
// secret reader in project-swan, plus kubeadm's own identities.

interface CanICase {
  as: string;
  verb: string;
  resource: string;
  namespace?: string;
  allowed: boolean;
  /** What stderr must say: the authorizer and the binding/role that decided. */
  because: (string | RegExp)[];
}

const canICases: CanICase[] = [
  {
    as: 'user:alice',
    verb: 'get',
    resource: 'pods',
    namespace: 'app1-dev',
    allowed: true,
    because: [/^rbac: allowed by RoleBinding "kubepki:edit" in namespace "app1-dev" → ClusterRole "edit"/],
  },
  {
    as: 'user:alice',
    verb: 'get',
    resource: 'secrets',
    namespace: 'app1-dev',
    allowed: true,
    because: ['RoleBinding "kubepki:edit"', 'secrets'],
  },
  {
    as: 'user:alice',
    verb: 'create',
    resource: 'deployments.apps',
    namespace: 'app1-dev',
    allowed: true,
    because: ['RoleBinding "kubepki:edit"', 'deployments'],
  },
  {
    as: 'user:alice',
    verb: 'create',
    resource: 'deployments.apps',
    namespace: 'app1-staging',
    allowed: false,
    because: [/^no-rule: denied/, 'user "alice"', 'create deployments.apps', '"app1-staging"'],
  },
  {
    as: 'user:alice',
    verb: 'list',
    resource: 'pods',
    namespace: 'app1-staging',
    allowed: true,
    because: ['RoleBinding "kubepki:view" in namespace "app1-staging" → ClusterRole "view"'],
  },
  {
    as: 'user:alice',
    verb: 'get',
    resource: 'secrets',
    namespace: 'app1-staging',
    allowed: false,
    because: ['denied'],
  },
  // A RoleBinding to edit grants nothing outside its namespace.
  {
    as: 'user:alice',
    verb: 'get',
    resource: 'pods',
    namespace: 'default',
    allowed: false,
    because: ['denied', '"default"'],
  },
  { as: 'user:alice', verb: 'list', resource: 'nodes', allowed: false, because: ['denied'] },
  // Every authenticated identity may read the discovery endpoints.
  {
    as: 'user:alice',
    verb: 'get',
    resource: '/healthz',
    allowed: true,
    because: ['ClusterRoleBinding "system:discovery"', '/healthz'],
  },
  {
    as: 'group:dev-team',
    verb: 'delete',
    resource: 'deployments.apps',
    namespace: 'app1-dev',
    allowed: true,
    because: ['RoleBinding "kubepki:edit"'],
  },
  {
    as: 'serviceAccount:ci/deployer',
    verb: 'get',
    resource: 'secrets',
    namespace: 'kube-system',
    allowed: false,
    because: [/^no-rule: denied/, 'system:serviceaccount:ci:deployer', '"kube-system"'],
  },
  {
    as: 'serviceAccount:ci/deployer',
    verb: 'create',
    resource: 'deployments.apps',
    namespace: 'app1-dev',
    allowed: true,
    because: ['RoleBinding "kubepki:edit" in namespace "app1-dev"'],
  },
  {
    as: 'serviceAccount:ci/deployer',
    verb: 'create',
    resource: 'deployments.apps',
    namespace: 'ci',
    allowed: false,
    because: ['denied'],
  },
  {
    as: 'serviceAccount:project-swan/secret-reader',
    verb: 'get',
    resource: 'secrets',
    namespace: 'project-swan',
    allowed: true,
    because: [
      /^rbac: allowed by RoleBinding "kubepki:secret-reader" in namespace "project-swan" → Role "secret-reader"/,
    ],
  },
  {
    as: 'serviceAccount:project-swan/secret-reader',
    verb: 'delete',
    resource: 'secrets',
    namespace: 'project-swan',
    allowed: false,
    because: ['denied'],
  },
  {
    as: 'serviceAccount:project-swan/secret-reader',
    verb: 'get',
    resource: 'secrets',
    namespace: 'app1-dev',
    allowed: false,
    because: ['denied'],
  },
  {
    as: 'user:bob',
    verb: 'get',
    resource: 'pods/log',
    namespace: 'kube-system',
    allowed: true,
    because: ['ClusterRoleBinding "kubepki:pod-logs-reader" → ClusterRole "pod-logs-reader"'],
  },
  { as: 'user:bob', verb: 'get', resource: 'secrets', namespace: 'kube-system', allowed: false, because: ['denied'] },
  {
    as: 'user:kubernetes-super-admin',
    verb: '*',
    resource: '*',
    allowed: true,
    because: [/^system:masters: allowed/, 'system:masters'],
  },
  {
    as: 'user:kubernetes-super-admin',
    verb: 'delete',
    resource: 'namespaces',
    allowed: true,
    because: [/^system:masters:/m],
  },
  {
    as: 'user:kubernetes-super-admin',
    verb: 'get',
    resource: 'secrets',
    namespace: 'kube-system',
    allowed: true,
    because: [/^system:masters:/m],
  },
  {
    as: 'user:kubernetes-admin',
    verb: '*',
    resource: '*',
    allowed: true,
    because: ['ClusterRoleBinding "kubeadm:cluster-admins" → ClusterRole "cluster-admin"'],
  },
];

const argsOf = (c: Pick<CanICase, 'as' | 'verb' | 'resource' | 'namespace'>) => [
  'can-i',
  teamStackFile,
  '--as',
  c.as,
  c.verb,
  c.resource,
  ...(c.namespace ? ['-n', c.namespace] : []),
];

describe('kubepki can-i on the team stack', () => {
  beforeAll(() => ensureBuilt());

  it.each(canICases)('$as $verb $resource -n $namespace → $allowed', async (c) => {
    const run = await runKubepki(argsOf(c));
    expect(run.status, describeRun(run)).toBe(c.allowed ? 0 : 1);
    expect(run.stdout).toBe(c.allowed ? 'yes\n' : 'no\n');
    for (const fragment of c.because) {
      if (typeof fragment === 'string') expect(run.stderr, describeRun(run)).toContain(fragment);
      else expect(run.stderr, describeRun(run)).toMatch(fragment);
    }
  });

  it('a kubelet is reported as decided by the Node authorizer, not by RBAC', async () => {
    const run = await runKubepki(
      argsOf({ as: 'user:system:node:w1', verb: 'get', resource: 'pods', namespace: 'default' }),
    );
    expect(run.stderr, describeRun(run)).toMatch(/^node-authorizer: /);
    expect(run.stderr).toContain('system:node:w1');
    expect(run.stderr).toContain('Node authorizer');
    // RBAC alone grants kubelets nothing here; the Node authorizer would decide for pods bound to the node.
    expect(run.stdout).toBe('no\n');
    expect(run.status).toBe(1);
  });

  it('-q/--quiet prints nothing, as kubectl auth can-i -q: the exit code alone answers', async () => {
    const yes = await runKubepki([
      ...argsOf({ as: 'user:alice', verb: 'get', resource: 'pods', namespace: 'app1-dev' }),
      '--quiet',
    ]);
    expect(yes.status).toBe(0);
    expect(yes.stdout + yes.stderr).toBe('');
    const no = await runKubepki([
      ...argsOf({ as: 'user:alice', verb: 'get', resource: 'secrets', namespace: 'app1-staging' }),
      '-q',
    ]);
    expect(no.status, describeRun(no)).toBe(1);
    expect(no.stdout + no.stderr).toBe('');
    // kubectl's warnings go to stderr even with -q (it discards only the answer).
    const warned = await runKubepki([
      ...argsOf({ as: 'user:alice', verb: 'delete', resource: 'namespaces', namespace: 'app1-dev' }),
      '-q',
    ]);
    expect(warned.status).toBe(1);
    expect(warned.stdout).toBe('');
    expect(warned.stderr).toMatch(/^Warning: resource 'namespaces' is not namespace scoped/);
  });

  it('an identity the cluster does not have is a usage error (exit 2) listing the known users', async () => {
    const run = await runKubepki(argsOf({ as: 'user:mallory', verb: 'get', resource: 'pods', namespace: 'app1-dev' }));
    expect(run.status, describeRun(run)).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('"user:mallory" is not an identity of this cluster');
    expect(run.stderr).toContain('user:alice');
    expect(run.stderr).toContain('user:kubernetes-admin');
  });
});
