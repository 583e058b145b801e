/**
 * Everyday resource names in `can-i`, `access` and `expect`: resolved through the discovery table as kubectl resolves
 * them (see test/conformance/kubectl-resource-names.test.ts for the name-by-name comparison with kubectl), unknown
 * names answered with kubectl's warning, never a silent "no"; and `can-i --list` / `-A` as kubectl has them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, runKubepki, teamDocument, teamStackFile, writeSpec } from './access-cli';

let root: string;
beforeAll(() => {
  ensureBuilt();
  root = temporaryDirectory('kubepki-resource-names-');
});
afterAll(() => removeTree(root));

const canI = (...args: string[]) => runKubepki(['can-i', teamStackFile, ...args]);

describe('can-i resolves names as kubectl does', () => {
  it.each(['deployments', 'deploy', 'deployment', 'Deployment', 'deployments.apps', 'deploy.apps'])(
    'group:dev-team create %s -n app1-dev → yes (edit grants it)',
    async (name) => {
      const run = await canI('--as', 'group:dev-team', 'create', name, '-n', 'app1-dev');
      expect(run.stdout, describeRun(run)).toBe('yes\n');
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('apiGroups:[apps], resources:[daemonsets, deployments,');
      expect(run.stderr).not.toContain('Warning');
    },
  );

  it.each(['po', 'pod', 'pods'])('user:alice get %s -n app1-dev → yes', async (name) => {
    expect((await canI('--as', 'user:alice', 'get', name, '-n', 'app1-dev')).stdout).toBe('yes\n');
  });

  it("an unknown name: kubectl's warning with a suggestion, and the answer for the name as typed", async () => {
    const run = await canI('--as', 'user:alice', 'get', 'deploymnets', '-n', 'app1-dev');
    expect(run.stdout).toBe('no\n');
    expect(run.stderr).toMatch(
      /^Warning: the server doesn't have a resource type 'deploymnets': did you mean "deployments"\?$/m,
    );
    const sub = await canI('--as', 'user:alice', 'get', 'pods/logs', '-n', 'app1-dev');
    expect(sub.stderr).toContain('Warning: pods has no subresource \'logs\': did you mean "pods/log"?');
  });

  it("a cluster-scoped resource asked in a namespace: kubectl's warning", async () => {
    expect((await canI('--as', 'user:alice', 'list', 'no', '-n', 'app1-dev')).stderr).toContain(
      "Warning: resource 'nodes' is not namespace scoped",
    );
  });

  it('-A asks for all namespaces: a RoleBinding in one namespace does not answer it', async () => {
    expect((await canI('--as', 'user:alice', 'get', 'pods', '-n', 'app1-dev')).stdout).toBe('yes\n');
    const all = await canI('--as', 'user:alice', 'get', 'pods', '-A');
    expect(all.stdout).toBe('no\n');
    expect(all.stderr).toContain('cluster-wide');
    expect((await canI('--as', 'user:kubernetes-admin', 'get', 'pods', '-A')).stdout).toBe('yes\n');
    expect((await canI('--as', 'user:alice', 'get', 'pods', '-A', '-n', 'x')).status).toBe(2);
  });

  it("--list: kubectl's table of what the identity may do in the namespace", async () => {
    const run = await canI('--as', 'user:alice', '--list', '-n', 'app1-dev');
    expect(run.status, describeRun(run)).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Resources +Non-Resource URLs +Resource Names +Verbs$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^deployments\.apps +\[\] +\[\] +\[create delete deletecollection patch update get list watch\]$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^pods\/log +\[\] +\[\] +\[get list watch\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ +\[\/healthz\] +\[\] +\[get\]$/));
    // Not in app1-staging's view-only list, nor cluster-wide.
    const staging = await canI('--as', 'user:alice', '--list', '-n', 'app1-staging', '--no-headers');
    expect(staging.stdout).not.toMatch(/^Resources/);
    expect(staging.stdout).not.toMatch(/^deployments\.apps .*create/m);
    expect(staging.stdout).toMatch(/^deployments\.apps +\[\] +\[\] +\[get list watch\]$/m);
    const masters = await canI('--as', 'user:kubernetes-super-admin', '--list', '--no-headers');
    expect(masters.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^\*\.\* +\[\] +\[\] +\[\*\]$/),
      expect.stringMatching(/^ +\[\*\] +\[\] +\[\*\]$/),
    ]);
  });
});

describe('expect entries use the same names', () => {
  it('can: [create deployments, get po, list deploy] holds for dev-team in app1-dev', async () => {
    const doc = teamDocument();
    doc.spec.expect.push({
      as: 'group:dev-team',
      can: ['create deployments', 'get po', 'list deploy'],
      namespace: 'app1-dev',
    });
    const run = await runKubepki(['access', writeSpec(root, 'short-names.cluster.yaml', doc), '-o', 'json']);
    expect(run.status, describeRun(run)).toBe(0);
    const results = JSON.parse(run.stdout).expectations as { action: string; passed: boolean; warning?: string }[];
    for (const action of ['create deployments', 'get po', 'list deploy'])
      expect(results.find((r) => r.action === action)).toMatchObject({ passed: true });
  });

  it("an unknown name in can: fails with kubectl's warning in the message, not a bare denial", async () => {
    const doc = teamDocument();
    doc.spec.expect.push({ as: 'group:dev-team', can: ['create deploymentz'], namespace: 'app1-dev' });
    const run = await runKubepki(['access', writeSpec(root, 'typo.cluster.yaml', doc)]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`expectation failed: group:dev-team can "create deploymentz" in app1-dev`);
    expect(run.stderr).toContain(
      `warning: the server doesn't have a resource type 'deploymentz': did you mean "deployments"?`,
    );
  });
});

describe("the spec's kubernetesVersion picks the discovery table", () => {
  const specOf = (version: string) => {
    const doc = teamDocument();
    doc.spec.kubernetesVersion = version;
    return writeSpec(root, `team-${version}.cluster.yaml`, doc);
  };
  const ask = (version: string, resource: string) =>
    runKubepki(['can-i', specOf(version), '--as', 'user:kubernetes-admin', 'list', resource, '-A']);

  it('v1.31: podschedulingcontexts is a resource; devicetaintrules is not, with kubectl’s warning', async () => {
    const known = await ask('v1.31.0', 'podschedulingcontexts');
    expect(known.stdout, describeRun(known)).toBe('yes\n');
    expect(known.stderr).not.toMatch(/Warning|note/);
    const unknown = await ask('v1.31.0', 'devicetaintrules');
    expect(unknown.stderr).toMatch(/^Warning: the server doesn't have a resource type 'devicetaintrules'/m);
  });

  it('v1.33: the other way round', async () => {
    expect((await ask('v1.33.0', 'devicetaintrules')).stderr).not.toMatch(/Warning|note/);
    expect((await ask('v1.33.0', 'podschedulingcontexts')).stderr).toMatch(
      /^Warning: the server doesn't have a resource type 'podschedulingcontexts'/m,
    );
  });

  it('v1.34: podcertificaterequests is a resource, unknown to a v1.33 spec', async () => {
    const run = await ask('v1.34.1', 'podcertificaterequests');
    expect(run.stdout, describeRun(run)).toBe('yes\n');
    expect(run.stderr).not.toMatch(/Warning|note/);
    expect((await ask('v1.33.0', 'podcertificaterequests')).stderr).toMatch(
      /^Warning: the server doesn't have a resource type 'podcertificaterequests'/m,
    );
  });

  it('a minor without its own table says which one answers', async () => {
    const newer = await ask('v1.35.0', 'devicetaintrules');
    expect(newer.stdout, describeRun(newer)).toBe('yes\n');
    expect(newer.stderr).toMatch(
      /^note: Kubernetes 1\.35 is newer than the newest discovery table \(kubepki has 1\.31, 1\.33, 1\.34\): resource names resolved with 1\.34's$/m,
    );
    const between = await ask('v1.32.0', 'podschedulingcontexts');
    expect(between.stderr).toMatch(/^note: Kubernetes 1\.32 is without a discovery table of its own .* with 1\.31's$/m);
    expect(between.stderr).not.toMatch(/Warning/);
    // access says it too, when expectations name resources.
    const doc = teamDocument();
    doc.spec.kubernetesVersion = 'v1.32.3';
    const run = await runKubepki(['access', writeSpec(root, 'team-access-1.32.cluster.yaml', doc), '-o', 'json']);
    expect(run.stderr).toContain('note: Kubernetes 1.32 is without a discovery table of its own');
  });
});
