/**
 * Kubeconfigs that merge safely: every per-user and CI kubeconfig names its cluster, user and contexts after its own
 * cluster, so `KUBECONFIG=a:b:c` over kubepki files of several clusters never binds a context to another cluster's
 * credentials (kubectl keeps the first entry of a name and drops the rest). Checked with the installed kubectl's
 * `config view --merge`; and the user's own `kubectl config use-context` choice survives a re-run of generate.
 */
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, kubectlStatus, runKubepki, teamDocument, writeSpec } from './access-cli';

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context': string;
}

const caOf = (file: string) =>
  Buffer.from(
    (yaml.load(fs.readFileSync(file, 'utf8')) as Kubeconfig).clusters[0]!.cluster['certificate-authority-data']!,
    'base64',
  ).toString('utf8');

describe('kubeconfigs of several clusters merge without shadowing', () => {
  const kubectlCheck = kubectlStatus();
  let root: string;
  let files: string[];
  beforeAll(async () => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-merge-');
    // Two clusters with the same users and the same default clusterName "kubernetes": the worst case for names.
    const base = teamDocument();
    base.spec.clusterName = 'kubernetes';
    for (const name of ['east', 'west']) {
      const doc = structuredClone(base);
      doc.metadata.name = name;
      const real = await runKubepki([
        'generate',
        writeSpec(root, `${name}.cluster.yaml`, doc),
        '--out',
        path.join(root, name),
        '--quiet',
      ]);
      expect(real.status, describeRun(real)).toBe(0);
    }
    const token = await runKubepki([
      'token',
      '--pki',
      path.join(root, 'east', 'cp1'),
      '--service-account',
      'ci/deployer',
      '--spec',
      path.join(root, 'east.cluster.yaml'),
      '--kubeconfig',
      path.join(root, 'ci-east.conf'),
    ]);
    expect(token.status, describeRun(token)).toBe(0);
    const tokenWest = await runKubepki([
      'token',
      '--pki',
      path.join(root, 'west', 'cp1'),
      '--service-account',
      'ci/deployer',
      '--spec',
      path.join(root, 'west.cluster.yaml'),
      '--kubeconfig',
      path.join(root, 'ci-west.conf'),
    ]);
    expect(tokenWest.status, describeRun(tokenWest)).toBe(0);
    files = [
      path.join(root, 'east/users/alice.conf'),
      path.join(root, 'west/users/alice.conf'),
      path.join(root, 'ci-east.conf'),
      path.join(root, 'ci-west.conf'),
    ];
  });
  afterAll(() => removeTree(root));

  it('no two files share a cluster or user name', () => {
    const docs = files.map((f) => yaml.load(fs.readFileSync(f, 'utf8')) as Kubeconfig);
    const clusters = docs.flatMap((d) => d.clusters.map((c) => c.name));
    const users = docs.flatMap((d) => d.users.map((u) => u.name));
    const contexts = docs.flatMap((d) => d.contexts.map((c) => c.name));
    expect(new Set(users).size).toBe(users.length);
    expect(new Set(contexts).size).toBe(contexts.length);
    // The user files of one cluster share their cluster entry (same CA, same server); across clusters none do.
    expect(new Set(clusters).size).toBe(clusters.length);
  });

  it.skipIf(!kubectlCheck.available)(
    'kubectl config view --merge over KUBECONFIG=a:b:c:d: every context uses its own cluster CA and credentials',
    () => {
      const env = { ...process.env, KUBECONFIG: files.join(path.delimiter) };
      const run = spawnSync('kubectl', ['config', 'view', '--merge', '--raw', '-o', 'json'], {
        encoding: 'utf8',
        timeout: 30_000,
        env,
      });
      expect(run.status, run.stderr).toBe(0);
      const merged = JSON.parse(run.stdout) as Kubeconfig;
      const sources = files.map((f) => ({ file: f, doc: yaml.load(fs.readFileSync(f, 'utf8')) as Kubeconfig }));
      expect(merged.contexts).toHaveLength(sources.reduce((n, s) => n + s.doc.contexts.length, 0));
      for (const { file, doc } of sources) {
        for (const context of doc.contexts) {
          const viewed = merged.contexts.find((c) => c.name === context.name)!;
          const cluster = merged.clusters.find((c) => c.name === viewed.context.cluster)!;
          const user = merged.users.find((u) => u.name === viewed.context.user)!;
          // The CA and the credentials the merged context uses are this file's, byte for byte.
          expect(cluster.cluster['certificate-authority-data'], `${context.name} (${file})`).toBe(
            doc.clusters[0]!.cluster['certificate-authority-data'],
          );
          expect(user.user, `${context.name} (${file})`).toEqual(doc.users[0]!.user);
        }
      }
      // The two clusters really are different: a context bound across would have trusted the other CA.
      expect(new X509Certificate(caOf(files[0]!)).fingerprint256).not.toBe(
        new X509Certificate(caOf(files[1]!)).fingerprint256,
      );
    },
  );

  it.skipIf(!kubectlCheck.available)(
    "the user's own current-context survives a re-run, even one that rewrites the file",
    async () => {
      const spec = path.join(root, 'east.cluster.yaml');
      const file = path.join(root, 'east/users/alice.conf');
      const use = spawnSync('kubectl', ['--kubeconfig', file, 'config', 'use-context', 'alice@east/app1-staging'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(use.status, use.stderr).toBe(0);
      const rerun = await runKubepki(['generate', spec, '--out', path.join(root, 'east')]);
      expect(rerun.status, describeRun(rerun)).toBe(0);
      expect(rerun.stdout).toMatch(/^kept +users\/alice\.conf$/m);
      expect((yaml.load(fs.readFileSync(file, 'utf8')) as Kubeconfig)['current-context']).toBe(
        'alice@east/app1-staging',
      );

      // A change that reissues alice's certificate rewrites the file, and keeps her choice.
      const doc = yaml.load(fs.readFileSync(spec, 'utf8')) as Record<string, any>;
      doc.spec.users.find((u: { name: string }) => u.name === 'alice').groups.push('oncall');
      const changed = await runKubepki([
        'generate',
        writeSpec(root, 'east.cluster.yaml', doc),
        '--out',
        path.join(root, 'east'),
      ]);
      expect(changed.stdout, describeRun(changed)).toMatch(/^reissued +users\/alice\.conf/m);
      expect((yaml.load(fs.readFileSync(file, 'utf8')) as Kubeconfig)['current-context']).toBe(
        'alice@east/app1-staging',
      );
      const verify = await runKubepki([
        'verify',
        path.join(root, 'east'),
        '--spec',
        path.join(root, 'east.cluster.yaml'),
      ]);
      expect(verify.stdout, describeRun(verify)).not.toContain('current-context');
    },
  );
});
