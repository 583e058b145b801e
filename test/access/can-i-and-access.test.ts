import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, runKubepki, teamDocument, teamStackFile, writeSpec } from './access-cli';

// `kubepki access` lists who equals cluster-admin and checks the spec's expectations (can-i: can-i-cli.test.ts).

/** Actions in the team stack's own expectations, counted from the YAML, not from kubepki. */
function teamExpectationCount(): number {
  return (teamDocument().spec.expect as { can?: string[]; cannot?: string[] }[]).reduce(
    (n, e) => n + (e.can?.length ?? 0) + (e.cannot?.length ?? 0),
    0,
  );
}

describe('kubepki access', () => {
  let root: string;
  beforeAll(() => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-access-');
  });
  afterAll(() => removeTree(root));

  it('--format json: identities, cluster-admin equivalents, and every team expectation passing (exit 0)', async () => {
    const run = await runKubepki(['access', teamStackFile, '--format', 'json']);
    expect(run.status, describeRun(run)).toBe(0);
    const report = JSON.parse(run.stdout) as {
      cluster: string;
      identities: { ref: string; groups: string[] }[];
      cells: {
        identity: string;
        namespace?: string;
        action: string;
        allowed: boolean;
        decidedBy: string;
        via?: string;
      }[];
      clusterAdminEquivalents: { identity: string; revocable: boolean; via: string }[];
      expectations: { as: string; action: string; expected: string; passed: boolean }[];
    };
    expect(report.cluster).toBe('team');

    // Every identity the spec produces: kubeadm's, the components', each node's, each user's, each service account's.
    expect(report.identities.map((i) => i.ref).sort()).toEqual(
      [
        'serviceAccount:ci/deployer',
        'serviceAccount:project-swan/secret-reader',
        'user:alice',
        'user:bob',
        'user:kube-apiserver-kubelet-client',
        'user:kubernetes-admin',
        'user:kubernetes-super-admin',
        'user:system:kube-controller-manager',
        'user:system:kube-scheduler',
        'user:system:node:cp1',
        'user:system:node:w1',
      ].sort(),
    );
    expect(report.identities.find((i) => i.ref === 'user:alice')!.groups).toEqual(['dev-team']);

    // Equivalent to cluster-admin: exactly the holders of kubeadm:cluster-admins (revocable) and system:masters (not).
    const equivalents = new Map(report.clusterAdminEquivalents.map((e) => [e.identity, e]));
    expect([...equivalents.keys()].sort()).toEqual([
      'user:kube-apiserver-kubelet-client',
      'user:kubernetes-admin',
      'user:kubernetes-super-admin',
    ]);
    expect(equivalents.get('user:kubernetes-admin')).toMatchObject({
      revocable: true,
      via: expect.stringContaining('kubeadm:cluster-admins'),
    });
    expect(equivalents.get('user:kubernetes-super-admin')).toMatchObject({
      revocable: false,
      via: expect.stringContaining('system:masters'),
    });
    expect(equivalents.has('user:alice')).toBe(false);

    // A few matrix cells, cross-checked with the can-i answers above.
    const cell = (identity: string, namespace: string | undefined, action: string) =>
      report.cells.find((c) => c.identity === identity && c.namespace === namespace && c.action === action);
    expect(cell('user:alice', 'app1-dev', 'get secrets')).toMatchObject({
      allowed: true,
      via: 'RoleBinding app1-dev/kubepki:edit',
    });
    expect(cell('user:alice', 'app1-staging', 'get secrets')).toMatchObject({ allowed: false });
    expect(cell('serviceAccount:project-swan/secret-reader', 'project-swan', 'get secrets')).toMatchObject({
      allowed: true,
    });
    expect(cell('user:kubernetes-super-admin', undefined, 'delete namespaces')).toMatchObject({
      allowed: true,
      decidedBy: 'system:masters',
    });
    expect(
      report.cells.filter((c) => c.identity === 'user:system:node:w1').every((c) => c.decidedBy === 'node-authorizer'),
    ).toBe(true);

    // Every action of every team expectation was checked, and all hold.
    expect(report.expectations).toHaveLength(teamExpectationCount());
    expect(report.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(run.stderr).toContain(`${teamExpectationCount()} of ${teamExpectationCount()} expectations hold`);
  });

  it('-o md: one table per namespace, the unrevocable super-admin flagged, no failures', async () => {
    const run = await runKubepki(['access', teamStackFile, '-o', 'md']);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toContain('# Access of cluster team');
    for (const heading of [
      '## Cluster-wide',
      '## Namespace app1-dev',
      '## Namespace app1-staging',
      '## Namespace project-swan',
      '## Namespace kube-system',
    ])
      expect(run.stdout).toContain(heading);
    expect(run.stdout).toMatch(/^- user:kubernetes-super-admin: \*\*UNREVOCABLE\*\*/m);
    expect(run.stdout).toMatch(/^- user:kubernetes-admin: revocable/m);
    expect(run.stdout).not.toContain('**FAIL**');
  });

  it('a spec user in system:masters is flagged as an unrevocable cluster-admin', async () => {
    const doc = teamDocument();
    doc.spec.users.push({ name: 'eve', groups: ['auditors', 'system:masters'] });
    const run = await runKubepki(['access', writeSpec(root, 'masters-user.cluster.yaml', doc), '--format', 'json']);
    expect(run.status, describeRun(run)).toBe(0);
    const report = JSON.parse(run.stdout) as { clusterAdminEquivalents: { identity: string; revocable: boolean }[] };
    expect(report.clusterAdminEquivalents).toContainEqual(
      expect.objectContaining({ identity: 'user:eve', revocable: false }),
    );
    const md = await runKubepki(['access', writeSpec(root, 'masters-user.cluster.yaml', doc), '-o', 'md']);
    expect(md.stdout).toMatch(/^- user:eve: \*\*UNREVOCABLE\*\*/m);
  });

  it('a spec ClusterRole labelled aggregate-to-view reaches view, and through it edit, but grants nothing unbound', async () => {
    const doc = teamDocument();
    doc.spec.roles.push({
      name: 'widget-viewer',
      labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }],
    });
    const spec = writeSpec(root, 'aggregated.cluster.yaml', doc);
    const ask = (as: string, verb: string, ns: string) =>
      runKubepki(['can-i', spec, '--as', as, verb, 'widgets.example.com', '-n', ns]);
    const staging = await ask('user:alice', 'list', 'app1-staging');
    expect(staging.stdout, describeRun(staging)).toBe('yes\n');
    expect(staging.stderr).toContain(
      'RoleBinding "kubepki:view" in namespace "app1-staging" → ClusterRole "view" rule {verbs:[get, list], apiGroups:[example.com], resources:[widgets]}',
    );
    expect((await ask('user:alice', 'get', 'app1-dev')).stdout).toBe('yes\n');
    expect((await ask('user:alice', 'delete', 'app1-dev')).stdout).toBe('no\n');
    expect((await ask('user:alice', 'list', 'project-swan')).stdout).toBe('no\n');
    expect((await ask('serviceAccount:project-swan/secret-reader', 'list', 'project-swan')).stdout).toBe('no\n');
  });

  it('an unknown --format is a usage error', async () => {
    const run = await runKubepki(['access', teamStackFile, '--format', 'xml']);
    expect(run.status, describeRun(run)).toBe(2);
    expect(run.stdout).toBe('');
  });

  describe('a failing expectation exits 1 and says what was expected, what was found and why', () => {
    const variant = (name: string, expectation: Record<string, unknown>) => {
      const doc = teamDocument();
      doc.spec.expect.push(expectation);
      return writeSpec(root, `${name}.cluster.yaml`, doc);
    };

    it('can: alice get secrets in app1-staging (view does not read secrets)', async () => {
      const spec = variant('wrong-can', { as: 'user:alice', can: ['get secrets'], namespace: 'app1-staging' });
      const run = await runKubepki(['access', spec, '--format', 'json']);
      expect(run.status, describeRun(run)).toBe(1);
      const failed = run.stderr.split('\n').filter((l) => l.startsWith('expectation failed'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain('user:alice can "get secrets" in app1-staging');
      expect(failed[0]).toContain('evaluator says denied');
      expect(failed[0]).toMatch(/no rule .* naming user "alice" allows get secrets in namespace "app1-staging"/);
      const total = teamExpectationCount() + 1;
      expect(run.stderr).toContain(`${total - 1} of ${total} expectations hold`);
      // The JSON report carries the same verdict.
      const report = JSON.parse(run.stdout) as {
        expectations: {
          as: string;
          namespace?: string;
          action: string;
          passed: boolean;
          decision: { allowed: boolean };
        }[];
      };
      expect(report.expectations.filter((e) => !e.passed)).toEqual([
        expect.objectContaining({
          as: 'user:alice',
          namespace: 'app1-staging',
          action: 'get secrets',
          expected: 'allowed',
          decision: expect.objectContaining({ allowed: false }),
        }),
      ]);
    });

    it('cannot: the deployer cannot create deployments in app1-dev (but edit lets it)', async () => {
      const spec = variant('wrong-cannot', {
        as: 'serviceAccount:ci/deployer',
        cannot: ['create deployments.apps'],
        namespace: 'app1-dev',
      });
      const run = await runKubepki(['access', spec]);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(
        'expectation failed: serviceAccount:ci/deployer cannot "create deployments.apps" in app1-dev: evaluator says allowed',
      );
      expect(run.stderr).toContain('RoleBinding "kubepki:edit" in namespace "app1-dev" → ClusterRole "edit"');
      // The terminal table marks it too; so does the Markdown.
      expect(run.stdout).toMatch(
        /^ {2}FAIL {3}serviceAccount:ci\/deployer +app1-dev +cannot create deployments\.apps /m,
      );
      expect((await runKubepki(['access', spec, '-o', 'md'])).stdout).toContain('**FAIL**');
    });

    it('cannot "*": dev-team can do nothing in app1-dev (it can) names an action it can do', async () => {
      const spec = variant('wrong-star', { as: 'group:dev-team', cannot: ['*'], namespace: 'app1-dev' });
      const run = await runKubepki(['access', spec]);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stderr).toMatch(
        /expectation failed: group:dev-team cannot "\*" in app1-dev: evaluator says allowed \("get pods" is allowed by RoleBinding "kubepki:edit"/,
      );
    });
  });
});
