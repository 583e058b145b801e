import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, parseSpec, SpecError } from '../../src/spec';
import { formatSpecIssue } from '../../src/spec/spec-error';
import { planPki } from '../../src/plan';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, fixtureFile, listFiles, runKubepki } from './access-cli';
import { issuesOf, specErrorOfFile } from '../spec/spec-test-documents';

// The access part of a spec (users, service accounts, roles, bindings, expectations) is cross-checked: every binding
// and expectation must name something the spec or Kubernetes defines. Each problem is an issue with its path, the
// quoted value and the fix; all of them come in one SpecError; the CLI exits 2 and writes nothing.

/** A spec with one user, one service account, one Role and one ClusterRole — the things bindings may name. */
function accessDocument(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'access' },
    spec: {
      controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
      workers: [{ name: 'w1' }],
      users: [{ name: 'alice', groups: ['dev-team'], namespaces: ['app1-dev'] }],
      serviceAccounts: [{ name: 'deployer', namespace: 'ci' }],
      roles: [
        {
          name: 'secret-reader',
          namespace: 'project-swan',
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
        },
        { name: 'pod-logs-reader', rules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] },
      ],
      ...spec,
    },
  };
}

interface Case {
  name: string;
  spec: Record<string, unknown>;
  code: string;
  path: string;
  /** The quoted value and the fix. */
  says: (string | RegExp)[];
}

const cases: Case[] = [
  {
    name: 'a binding to a ClusterRole neither the spec nor Kubernetes defines',
    spec: { access: [{ subjects: ['group:dev-team'], clusterRole: 'deployment-manager' }] },
    code: 'unknown_role',
    path: 'spec.access[0].clusterRole',
    says: ['"deployment-manager"', 'spec.roles without namespace', 'cluster-admin, admin, edit, view'],
  },
  {
    name: 'a binding to a Role the spec does not define',
    spec: { access: [{ subjects: ['group:dev-team'], role: 'config-editor' }] },
    code: 'unknown_role',
    path: 'spec.access[0].role',
    says: ['"config-editor"', 'add it to spec.roles with a namespace'],
  },
  {
    name: 'a namespaced Role bound cluster-wide (clusterRole: names a Role)',
    spec: { access: [{ subjects: ['serviceAccount:ci/deployer'], clusterRole: 'secret-reader' }] },
    code: 'namespaced_role_bound_cluster_wide',
    path: 'spec.access[0].clusterRole',
    says: ['"secret-reader"', 'Role in namespace project-swan', 'bind it with role: secret-reader'],
  },
  {
    name: 'a namespaced Role bound in a namespace where it does not exist',
    spec: { access: [{ subjects: ['group:dev-team'], role: 'secret-reader', namespaces: ['app1-dev'] }] },
    code: 'namespaced_role_bound_elsewhere',
    path: 'spec.access[0].namespaces',
    says: ['["app1-dev"]', 'only in namespace project-swan', 'drop namespaces'],
  },
  {
    name: 'a ClusterRole bound with role:',
    spec: { access: [{ subjects: ['group:dev-team'], role: 'pod-logs-reader' }] },
    code: 'unknown_role',
    path: 'spec.access[0].role',
    says: ['"pod-logs-reader"', 'is a ClusterRole', 'bind it with clusterRole: pod-logs-reader'],
  },
  {
    name: 'role and clusterRole both',
    spec: { access: [{ subjects: ['group:dev-team'], role: 'secret-reader', clusterRole: 'view' }] },
    code: 'invalid_binding',
    path: 'spec.access[0]',
    says: ['both', 'set exactly one'],
  },
  {
    name: 'role and clusterRole neither',
    spec: { access: [{ subjects: ['group:dev-team'] }] },
    code: 'invalid_binding',
    path: 'spec.access[0]',
    says: ['neither', 'set exactly one'],
  },
  {
    name: 'a user subject that is not a spec user (third subject)',
    spec: { access: [{ subjects: ['group:dev-team', 'user:alice', 'user:mallory'], clusterRole: 'view' }] },
    code: 'unknown_subject',
    path: 'spec.access[0].subjects[2]',
    says: ['"user:mallory"', 'not a user of this spec', 'add it to spec.users'],
  },
  {
    name: 'a misspelt user subject gets a suggestion',
    spec: { access: [{ subjects: ['user:alise'], clusterRole: 'view' }] },
    code: 'unknown_subject',
    path: 'spec.access[0].subjects[0]',
    says: ['"user:alise"', 'did you mean "user:alice"?'],
  },
  {
    name: 'a service account that is not declared',
    spec: {
      access: [{ subjects: ['group:dev-team', 'serviceAccount:ci/ghost'], clusterRole: 'view', namespaces: ['ci'] }],
    },
    code: 'unknown_subject',
    path: 'spec.access[0].subjects[1]',
    says: ['"serviceAccount:ci/ghost"', 'add {name: ghost, namespace: ci} to spec.serviceAccounts'],
  },
  {
    name: 'a declared name in another namespace is still undeclared',
    spec: { access: [{ subjects: ['serviceAccount:default/deployer'], clusterRole: 'view' }] },
    code: 'unknown_subject',
    path: 'spec.access[0].subjects[0]',
    says: ['"serviceAccount:default/deployer"', 'add {name: deployer, namespace: default} to spec.serviceAccounts'],
  },
  {
    name: 'a subject of none of the three forms',
    spec: { access: [{ subjects: ['group:dev-team', 'robot:x'], clusterRole: 'view' }] },
    code: 'invalid_subject',
    path: 'spec.access[0].subjects[1]',
    says: ['"robot:x"', 'user:<name>, group:<name> or serviceAccount:<namespace>/<name>'],
  },
  {
    name: 'a service-account subject without a namespace',
    spec: { access: [{ subjects: ['serviceAccount:deployer'], clusterRole: 'view' }] },
    code: 'invalid_subject',
    path: 'spec.access[0].subjects[0]',
    says: ['"serviceAccount:deployer"', 'serviceAccount:<namespace>/<name>'],
  },
  {
    name: 'an expectation naming an unknown user',
    spec: { expect: [{ as: 'user:mallory', can: ['get pods'], namespace: 'app1-dev' }] },
    code: 'unknown_subject',
    path: 'spec.expect[0].as',
    says: ['"user:mallory"', 'add it to spec.users'],
  },
  {
    name: 'an expectation naming an undeclared service account',
    spec: { expect: [{ as: 'serviceAccount:ci/ghost', cannot: ['get secrets'], namespace: 'ci' }] },
    code: 'unknown_subject',
    path: 'spec.expect[0].as',
    says: ['"serviceAccount:ci/ghost"', 'spec.serviceAccounts'],
  },
  {
    name: 'an expectation naming a group no user has and no binding names',
    spec: { expect: [{ as: 'group:dev-tema', cannot: ['*'], namespace: 'kube-system' }] },
    code: 'unknown_subject',
    path: 'spec.expect[0].as',
    says: ['"group:dev-tema"', 'check the spelling'],
  },
  {
    name: 'an expectation naming an identity of none of the forms',
    spec: { expect: [{ as: 'alice', can: ['get pods'] }] },
    code: 'invalid_subject',
    path: 'spec.expect[0].as',
    says: ['"alice"', 'user:<name>'],
  },
  {
    name: 'an expectation with neither can nor cannot',
    spec: { expect: [{ as: 'user:alice', namespace: 'app1-dev' }] },
    code: 'empty_expectation',
    path: 'spec.expect[0]',
    says: ['neither can nor cannot', '"get pods"'],
  },
  {
    name: 'an action that is not "<verb> <resource>"',
    spec: { expect: [{ as: 'user:alice', can: ['get pods', 'get pods in app1-dev'], namespace: 'app1-dev' }] },
    code: 'invalid_action',
    path: 'spec.expect[0].can[1]',
    says: ['"get pods in app1-dev"', '"<verb> <resource>"'],
  },
];

describe('access cross-references: one issue each, with path, value and fix', () => {
  it.each(cases)('$name → $path', ({ spec, code, path: at, says }) => {
    const issues = issuesOf(accessDocument(spec));
    expect(issues.map(formatSpecIssue)).toHaveLength(1);
    const [issue] = issues;
    expect(issue).toMatchObject({ code, path: at });
    for (const fragment of says) {
      if (typeof fragment === 'string') expect(issue!.message).toContain(fragment);
      else expect(issue!.message).toMatch(fragment);
    }
  });

  it('accepts everything a binding may legitimately name (the control for the cases above)', () => {
    const spec = parseSpec(
      accessDocument({
        access: [
          // kubeadm's own identities, node users and arbitrary groups are valid subjects; any system: role is a default.
          {
            subjects: ['user:kubernetes-admin', 'user:system:node:w1', 'user:system:kube-scheduler', 'group:anything'],
            clusterRole: 'view',
          },
          {
            subjects: ['group:dev-team', 'user:alice', 'serviceAccount:ci/deployer'],
            clusterRole: 'edit',
            namespaces: ['app1-dev', 'ci'],
          },
          { subjects: ['serviceAccount:ci/deployer'], role: 'secret-reader' },
          { subjects: ['serviceAccount:ci/deployer'], role: 'secret-reader', namespaces: ['project-swan'] },
          { subjects: ['group:sre'], clusterRole: 'pod-logs-reader', namespaces: ['kube-system'] },
          { subjects: ['group:auditors'], clusterRole: 'system:aggregate-to-view' },
        ],
        expect: [
          { as: 'user:kubernetes-super-admin', can: ['*'] },
          { as: 'group:sre', can: ['get pods/log'], namespace: 'kube-system' },
          { as: 'group:system:serviceaccounts', cannot: ['get secrets'], namespace: 'default' },
          { as: 'serviceAccount:ci/deployer', can: ['get secrets'], namespace: 'project-swan' },
        ],
      }),
    );
    expect(spec.spec.access).toHaveLength(6);
    expect(spec.spec.expect).toHaveLength(4);
  });

  it('reports every problem of the fixture in one SpecError, in document order', () => {
    const file = fixtureFile('access-invalid-references.cluster.yaml');
    const error = specErrorOfFile(file);
    const issues = (error as SpecError).issues;
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['spec.access[0].subjects[2]', 'unknown_subject'],
      ['spec.access[0].subjects[3]', 'unknown_subject'],
      ['spec.access[0].subjects[4]', 'invalid_subject'],
      ['spec.access[0].clusterRole', 'unknown_role'],
      ['spec.access[1].clusterRole', 'namespaced_role_bound_cluster_wide'],
      ['spec.access[2].role', 'unknown_role'],
      ['spec.access[3]', 'invalid_binding'],
      ['spec.access[4]', 'invalid_binding'],
      ['spec.access[5].role', 'unknown_role'],
      ['spec.expect[0].as', 'unknown_subject'],
      ['spec.expect[1].as', 'unknown_subject'],
      ['spec.expect[2].as', 'unknown_subject'],
    ]);
    expect((error as SpecError).message).toMatch(/^12 problems in .*access-invalid-references\.cluster\.yaml:/);
    // Each message quotes its own value, so a reader can find the line without counting list items.
    const quoted = [
      '"user:mallory"',
      '"serviceAccount:ci/ghost"',
      '"robot:x"',
      '"deployment-manager"',
      '"secret-reader"',
      '"pod-logs-reader"',
      'both',
      'neither',
      '"config-editor"',
      '"user:mallory"',
      '"serviceAccount:ci/ghost"',
      '"group:dev-tema"',
    ];
    issues.forEach((issue, i) => expect(issue.message).toContain(quoted[i]));
  });

  describe('the CLI refuses the spec with exit 2 and writes nothing', () => {
    let dir: string;
    beforeAll(() => {
      ensureBuilt();
      dir = temporaryDirectory('kubepki-access-errors-');
    });
    afterAll(() => removeTree(dir));

    const expectedLines = () => {
      try {
        loadSpecFile(fixtureFile('access-invalid-references.cluster.yaml'));
      } catch (error) {
        return (error as SpecError).issues.map(formatSpecIssue);
      }
      throw new Error('fixture unexpectedly valid');
    };

    it('generate: exit 2, every issue on stderr, no output directory', async () => {
      const out = path.join(dir, 'out');
      const run = await runKubepki(['generate', fixtureFile('access-invalid-references.cluster.yaml'), '--out', out]);
      expect(run.status, describeRun(run)).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('invalid spec: 12 problems');
      for (const line of expectedLines()) expect(run.stderr).toContain(line);
      expect(run.stderr).toContain('nothing was written');
      expect(fs.existsSync(out)).toBe(false);
      expect(listFiles(dir)).toEqual([]);
    });

    it.each([
      ['rbac', []],
      ['access', ['--format', 'json']],
      ['can-i', ['--as', 'user:alice', 'get', 'pods', '-n', 'app1-dev']],
    ])('%s: exit 2, nothing on stdout', async (verb, extra) => {
      const run = await runKubepki([verb, fixtureFile('access-invalid-references.cluster.yaml'), ...extra]);
      expect(run.status, describeRun(run)).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('spec.access[0].subjects[2]: "user:mallory"');
      expect(run.stderr).toContain('spec.expect[2].as: "group:dev-tema"');
    });
  });
});

describe('edge cases once missed (kept as regression tests)', () => {
  it('reports access problems together with schema problems elsewhere in the same document', () => {
    // checkAccessSpec only runs when the whole schema passed, so the unknown subject hides behind the bad IP and the
    // user needs a second run to see it — unlike checkSpecConsistency, which reads the raw document leniently.
    const document = accessDocument({ access: [{ subjects: ['user:mallory'], clusterRole: 'view' }] });
    (document.spec as Record<string, unknown>).controlPlane = [{ name: 'cp1', advertiseAddress: '10.0.0.300' }];
    const paths = issuesOf(document).map((i) => i.path);
    expect(paths).toContain('spec.controlPlane[0].advertiseAddress');
    expect(paths).toContain('spec.access[0].subjects[0]');
  });

  it('a spec user named like a kubeadm identity is refused (its second credential would be invisible to access)', () => {
    // users/kubernetes-admin.conf (O=viewers) and users/system:node:cp1.conf (no system:nodes) are issued next to
    // kubeadm's certificates of the same CN, but planIdentities keeps one identity per CN — kubeadm's — so can-i and
    // the access matrix describe credentials other than the ones handed out.
    const issues = issuesOf(
      accessDocument({ users: [{ name: 'kubernetes-admin', groups: ['viewers'] }, { name: 'system:node:cp1' }] }),
    );
    expect(issues.map((i) => i.path)).toEqual(['spec.users[0].name', 'spec.users[1].name']);
  });

  it('an explicit empty namespaces list never becomes a cluster-wide grant', () => {
    // `namespaces: []` is not "absent", yet planRbac treats it as absent and writes a ClusterRoleBinding to admin.
    let spec;
    try {
      spec = parseSpec(
        accessDocument({ access: [{ subjects: ['group:dev-team'], clusterRole: 'admin', namespaces: [] }] }),
      );
    } catch (error) {
      // Refusing it with a path is as good as granting nothing.
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toContain('spec.access[0].namespaces');
      return;
    }
    const clusterBindings = planPki(spec)
      .rbac.flatMap((f) => f.objects)
      .filter((o) => o.kind === 'ClusterRoleBinding' && o.roleRef?.name === 'admin');
    expect(clusterBindings).toEqual([]);
  });
});
