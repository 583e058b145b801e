import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, runKubepki, teamDocument, teamStackFile, writeSpec } from './access-cli';

// The rbac/ files of a generated team tree, parsed back, must hold exactly the objects the spec implies — written out
// here by hand from stacks/team.cluster.yaml, not computed with planRbac — and nothing else.

type Manifest = Record<string, any>;

const rbacApi = 'rbac.authorization.k8s.io/v1';
const group = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });
const serviceAccount = (namespace: string, name: string) => ({ kind: 'ServiceAccount', name, namespace });
const roleRef = (kind: 'Role' | 'ClusterRole', name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });

/** What stacks/team.cluster.yaml implies, file by file. */
const teamExpected: Record<string, Manifest[]> = {
  '10-namespaces.yaml': ['app1-dev', 'app1-staging', 'ci', 'project-swan'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  })),
  '20-service-accounts.yaml': [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'ci' } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'secret-reader', namespace: 'project-swan' },
      automountServiceAccountToken: false,
    },
  ],
  '30-cluster-roles.yaml': [
    {
      apiVersion: rbacApi,
      kind: 'ClusterRole',
      metadata: { name: 'pod-logs-reader' },
      rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }],
    },
  ],
  '40-roles.yaml': [
    {
      apiVersion: rbacApi,
      kind: 'Role',
      metadata: { name: 'secret-reader', namespace: 'project-swan' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
    },
  ],
  '50-cluster-role-bindings.yaml': [
    {
      apiVersion: rbacApi,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubepki:pod-logs-reader' },
      roleRef: roleRef('ClusterRole', 'pod-logs-reader'),
      subjects: [group('sre')],
    },
  ],
  '60-role-bindings.yaml': [
    {
      apiVersion: rbacApi,
      kind: 'RoleBinding',
      metadata: { name: 'kubepki:edit', namespace: 'app1-dev' },
      roleRef: roleRef('ClusterRole', 'edit'),
      subjects: [group('dev-team'), serviceAccount('ci', 'deployer')],
    },
    {
      apiVersion: rbacApi,
      kind: 'RoleBinding',
      metadata: { name: 'kubepki:view', namespace: 'app1-staging' },
      roleRef: roleRef('ClusterRole', 'view'),
      subjects: [group('dev-team')],
    },
    {
      apiVersion: rbacApi,
      kind: 'RoleBinding',
      metadata: { name: 'kubepki:secret-reader', namespace: 'project-swan' },
      roleRef: roleRef('Role', 'secret-reader'),
      subjects: [serviceAccount('project-swan', 'secret-reader')],
    },
  ],
  '70-kubeadm.yaml': [
    {
      apiVersion: rbacApi,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:cluster-admins' },
      roleRef: roleRef('ClusterRole', 'cluster-admin'),
      subjects: [group('kubeadm:cluster-admins')],
    },
    {
      apiVersion: rbacApi,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:node-autoapprove-certificate-rotation' },
      roleRef: roleRef('ClusterRole', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient'),
      subjects: [group('system:nodes')],
    },
  ],
};

const namespacedKinds = new Set(['ServiceAccount', 'Role', 'RoleBinding']);
const identity = (o: Manifest) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const sortObjects = (objects: Manifest[]) => [...objects].sort((a, b) => identity(a).localeCompare(identity(b)));

/** Every YAML document of a text, skipping empty ones (a leading `---`). */
const documents = (text: string) =>
  (yaml.loadAll(text) as (Manifest | null | undefined)[]).filter((d): d is Manifest => d != null);

function readRbacDirectory(dir: string): Map<string, string> {
  const rbac = path.join(dir, 'rbac');
  return new Map(
    fs
      .readdirSync(rbac)
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(rbac, name), 'utf8')]),
  );
}

async function generate(spec: string, out: string): Promise<Map<string, string>> {
  const run = await runKubepki(['generate', spec, '--out', out, '--quiet']);
  if (run.status !== 0) throw new Error(`generate failed\n${describeRun(run)}`);
  return readRbacDirectory(out);
}

describe('rbac/ manifests of the team stack', () => {
  let root: string;
  let files: Map<string, string>;

  beforeAll(async () => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-rbac-');
    files = await generate(teamStackFile, path.join(root, 'first'));
  });
  afterAll(() => removeTree(root));

  it('has one stable file per category, in apply order', () => {
    expect([...files.keys()]).toEqual(Object.keys(teamExpected));
  });

  it.each(Object.keys(teamExpected))('%s holds exactly the objects the spec implies', (name) => {
    expect(documents(files.get(name)!)).toEqual(teamExpected[name]);
  });

  it('the whole set is exactly the implied set: no object missing, none extra, no duplicates', () => {
    const all = [...files.values()].flatMap(documents);
    const expected = Object.values(teamExpected).flat();
    expect(sortObjects(all)).toEqual(sortObjects(expected));
    expect(new Set(all.map(identity)).size).toBe(all.length);
  });

  it('namespaced objects carry their namespace, cluster-scoped ones none; names are never hashed or rewritten', () => {
    const all = [...files.values()].flatMap(documents);
    for (const o of all) {
      if (namespacedKinds.has(o.kind)) expect(o.metadata.namespace, identity(o)).toMatch(/^[a-z0-9-]+$/);
      else expect(o.metadata, identity(o)).not.toHaveProperty('namespace');
      // cdk8s appends -c8xxxxxx hashes unless told not to; kubepki's names are spec names or kubepki:/kubeadm: names.
      expect(o.metadata.name, identity(o)).not.toMatch(/-c8[0-9a-f]{6}$/);
    }
    const namespaces = all.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    for (const builtin of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      expect(namespaces).not.toContain(builtin);
  });

  it('only the secret-reader ServiceAccount sets automountServiceAccountToken (to false)', () => {
    const accounts = documents(files.get('20-service-accounts.yaml')!);
    expect(accounts.map((a) => [a.metadata.name, a.automountServiceAccountToken])).toEqual([
      ['deployer', undefined],
      ['secret-reader', false],
    ]);
  });

  it('`kubepki rbac` prints the same objects, file by file, as one stream', async () => {
    const run = await runKubepki(['rbac', teamStackFile]);
    expect(run.status, describeRun(run)).toBe(0);
    expect(documents(run.stdout)).toEqual([...files.values()].flatMap(documents));
    // Each file's text appears verbatim under a comment naming it, so the stream and the directory cannot drift.
    expect(run.stdout).toBe([...files].map(([name, text]) => `# rbac/${name}\n${text}`).join(''));
  });

  it('is deterministic: a second generate into a fresh directory gives byte-identical files', async () => {
    const again = await generate(teamStackFile, path.join(root, 'second'));
    expect([...again.keys()]).toEqual([...files.keys()]);
    for (const [name, text] of files) expect(again.get(name), name).toBe(text);
  });

  it('reordering access entries (and roles, service accounts, users) that bind different roles renames nothing', async () => {
    const doc = teamDocument();
    doc.spec.access.reverse();
    doc.spec.roles.reverse();
    doc.spec.serviceAccounts.reverse();
    doc.spec.users.reverse();
    const reordered = writeSpec(root, 'team-reordered.cluster.yaml', doc);
    const again = await generate(reordered, path.join(root, 'reordered'));
    for (const [name, text] of files) expect(again.get(name), name).toBe(text);
    const run = await runKubepki(['rbac', reordered]);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toBe((await runKubepki(['rbac', teamStackFile])).stdout);
  });

  it('kubeadm bindings follow the version: before 1.29 admin.conf is system:masters and there is no kubeadm:cluster-admins', async () => {
    const doc = teamDocument();
    doc.spec.kubernetesVersion = 'v1.28.0';
    doc.spec.pki.encryptionAlgorithm = 'RSA-2048';
    const run = await runKubepki(['rbac', writeSpec(root, 'team-128.cluster.yaml', doc)]);
    expect(run.status, describeRun(run)).toBe(0);
    const names = documents(run.stdout)
      .filter((o) => o.metadata.name.startsWith('kubeadm:'))
      .map((o) => o.metadata.name);
    expect(names).toEqual(['kubeadm:node-autoapprove-certificate-rotation']);
  });

  it('access entries granting the same role in the same namespace merge into one binding with all subjects', async () => {
    const doc = teamDocument();
    doc.spec.access.push({
      subjects: ['user:bob', 'group:dev-team'],
      clusterRole: 'edit',
      namespaces: ['app1-dev', 'ci'],
    });
    const run = await runKubepki(['rbac', writeSpec(root, 'team-merged.cluster.yaml', doc)]);
    expect(run.status, describeRun(run)).toBe(0);
    const edits = documents(run.stdout).filter((o) => o.kind === 'RoleBinding' && o.roleRef.name === 'edit');
    expect(
      edits.map((b) => [
        b.metadata.namespace,
        b.metadata.name,
        b.subjects.map((s: Manifest) => `${s.kind}:${s.namespace ? `${s.namespace}/` : ''}${s.name}`),
      ]),
    ).toEqual([
      ['app1-dev', 'kubepki:edit', ['Group:dev-team', 'ServiceAccount:ci/deployer', 'User:bob']],
      ['ci', 'kubepki:edit', ['User:bob', 'Group:dev-team']],
    ]);
    // The new namespace the binding names gets its Namespace object (ci already had one for its service account).
    expect(
      documents(run.stdout)
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    ).toEqual(['app1-dev', 'app1-staging', 'ci', 'project-swan']);
  });
});

describe('edge cases once missed (kept as regression tests)', () => {
  let root: string;
  beforeAll(() => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-rbac-gaps-');
  });
  afterAll(() => removeTree(root));

  it('a Role and a ClusterRole of one name, both bound in its namespace, give two distinctly named RoleBindings', async () => {
    // planRbac names every binding kubepki:<role name>, so RoleBinding→Role reader and RoleBinding→ClusterRole reader
    // in ns1 collide: cdk8s throws "There is already a Construct with name 'RoleBinding--ns1--kubepki:reader'" and
    // `kubepki rbac` / `kubepki generate` exit 1 with that internal message, although the spec passed validation.
    const doc = {
      apiVersion: 'kubepki.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'collide' },
      spec: {
        controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
        pki: { encryptionAlgorithm: 'ECDSA-P256' },
        roles: [
          { name: 'reader', namespace: 'ns1', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
          { name: 'reader', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
        ],
        access: [
          { subjects: ['group:a'], role: 'reader' },
          { subjects: ['group:b'], clusterRole: 'reader', namespaces: ['ns1'] },
        ],
      },
    };
    const run = await runKubepki(['rbac', writeSpec(root, 'collide.cluster.yaml', doc)]);
    expect(run.status, describeRun(run)).toBe(0);
    const bindings = documents(run.stdout).filter((o) => o.kind === 'RoleBinding');
    expect(bindings.map((b) => b.roleRef.kind).sort()).toEqual(['ClusterRole', 'Role']);
    expect(new Set(bindings.map((b) => b.metadata.name)).size).toBe(2);
  });
});
