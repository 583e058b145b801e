/** `kubepki verify` and `kubepki expiry` as users run them: output formats and exit codes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realizeStack, removeTree, stackFile, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { ensureBuilt } from './built-package';
import { describeRun, kubepki, writeSpec } from './review-cli';

let tree: FixtureTree;
beforeAll(async () => {
  ensureBuilt();
  tree = await realizeStack('lab', 'ECDSA-P256');
});
afterAll(() => removeTree(tree?.dir));

describe('kubepki verify', () => {
  it('a good tree: exit 0, "0 errors" and what was checked, counted from the files; with --spec too', async () => {
    const run = await kubepki(['verify', tree.dir]);
    expect(run.status, describeRun(run)).toBe(0);
    const files = (fs.readdirSync(tree.dir, { recursive: true }) as string[]).map(String);
    const count = (suffix: string) => files.filter((f) => f.endsWith(suffix)).length;
    expect(run.stdout).toBe(
      `0 errors, 0 warnings, 0 notes\nok: ${tree.dir}: ${count('.crt')} certificates, ${count('.key')} keys and ${count('.conf')} kubeconfigs checked: ` +
        "chains to the right CA and no other, key/certificate matches, kubeadm's subjects, usages and SANs, CA separation, kubeconfig CA data and servers, the sa key pair, file modes, expiry beyond 30 days\n",
    );
    expect(count('.crt')).toBeGreaterThan(10);
    // The fixture is the lab stack with ECDSA keys; the same spec written to disk is the plan to compare with.
    const specDir = temporaryDirectory('kubepki-verify-spec-');
    try {
      const spec = writeSpec(specDir, 'lab-ecdsa.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
      const withSpec = await kubepki(['verify', tree.dir, '--spec', spec]);
      expect(withSpec.status).toBe(0);
      expect(withSpec.stdout).toContain(`no drift from ${spec}, 0 access expectations`);
    } finally {
      removeTree(specDir);
    }
  });

  it('a worker: singular counts, and only the checks that had something to check (no sa key pair, no CA separation)', async () => {
    const run = await kubepki(['verify', path.join(tree.dir, 'w1')]);
    expect(run.status, describeRun(run)).toBe(0);
    // w1 holds pki/ca.crt and kubelet.conf, whose embedded client key is matched against its certificate.
    expect(run.stdout).toBe(
      `0 errors, 0 warnings, 0 notes\nok: ${path.join(tree.dir, 'w1')}: 1 certificate, 0 keys and 1 kubeconfig checked: ` +
        "chains to the right CA and no other, key/certificate matches, kubeadm's subjects, usages and SANs, kubeconfig CA data and servers, file modes, expiry beyond 30 days\n",
    );
    const damaged = path.join(tree.dir, 'w1/pki/ca.crt');
    fs.chmodSync(damaged, 0o666);
    try {
      expect((await kubepki(['verify', path.join(tree.dir, 'w1')])).stdout).toMatch(/^0 errors, 1 warning, 0 notes$/m);
    } finally {
      fs.chmodSync(damaged, 0o644);
    }
  });

  it('a damaged tree: exit 1, the file and the reason on one line; JSON on request', async () => {
    const key = path.join(tree.dir, 'cp1/pki/front-proxy-client.key');
    fs.chmodSync(key, 0o644);
    try {
      const run = await kubepki(['verify', tree.dir]);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout).toMatch(/^error {3}cp1\/pki\/front-proxy-client\.key {2}\[file\.mode\] {2}.*mode 0644/m);
      const json = await kubepki(['verify', tree.dir, '--format', 'json']);
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual([
        expect.objectContaining({ id: 'file.mode', file: 'cp1/pki/front-proxy-client.key', severity: 'error' }),
      ]);
    } finally {
      fs.chmodSync(key, 0o600);
    }
  });

  it('--spec with drift: exit 1 naming the differing certificate', async () => {
    const run = await kubepki(['verify', tree.dir, '--spec', stackFile('lab')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/cp1\/pki\/apiserver\.crt {2}\[drift\.certificate\] .*key ECDSA-P256 → RSA-2048/);
  });

  it('a directory with no kubeadm files: exit 1 with a finding, not a crash', async () => {
    const run = await kubepki(['verify', path.join(tree.dir, 'rbac')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('[tree.empty]');
    // No directory: kubeadm's /etc/kubernetes, named in the message when it is not there.
    const bare = await kubepki(['verify']);
    if (!fs.existsSync('/etc/kubernetes')) {
      expect(bare.status).toBe(2);
      expect(bare.stderr).toContain('"/etc/kubernetes" (the default when no directory is named) is not a directory');
    }
  });
});

describe('kubepki expiry', () => {
  it("prints kubeadm's tables per node, and JSON with -o json", async () => {
    const run = await kubepki(['expiry', path.join(tree.dir, 'cp1')]);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +CERTIFICATE AUTHORITY +EXTERNALLY MANAGED\n/);
    expect(run.stdout).toMatch(/\nCERTIFICATE AUTHORITY +EXPIRES +RESIDUAL TIME +EXTERNALLY MANAGED\nca +/);
    const json = await kubepki(['expiry', tree.dir, '-o', 'json']);
    expect(JSON.parse(json.stdout).items.map((i: { node: string }) => i.node)).toEqual(['cp1', 'users', 'w1']);
    const yamlRun = await kubepki(['expiry', path.join(tree.dir, 'cp1'), '-o', 'yaml']);
    expect(yamlRun.stdout).toMatch(/^kind: CertificateExpirationInfo\napiVersion: output.kubeadm.k8s.io\/v1alpha3\n/);
    expect((await kubepki(['expiry', tree.dir, '-o', 'xml'])).status).toBe(2);
  });

  it('a missing certificate: !MISSING! in the table, and in JSON and YAML only its name and missing, as kubeadm', async () => {
    const crt = path.join(tree.dir, 'cp1/pki/front-proxy-client.crt');
    fs.renameSync(crt, `${crt}.away`);
    try {
      const node = path.join(tree.dir, 'cp1');
      expect((await kubepki(['expiry', node])).stdout).toMatch(/^!MISSING! front-proxy-client +\n/m);
      const missing = {
        name: 'front-proxy-client',
        expirationDate: null,
        residualTime: 0,
        externallyManaged: false,
        missing: true,
      };
      const row = (doc: { certificates: { name: string }[] }) =>
        doc.certificates.find((c) => c.name === 'front-proxy-client');
      expect(row(JSON.parse((await kubepki(['expiry', node, '-o', 'json'])).stdout))).toStrictEqual(missing);
      const asYaml = (await kubepki(['expiry', node, '-o', 'yaml'])).stdout;
      expect(row(yaml.load(asYaml) as { certificates: { name: string }[] })).toStrictEqual(missing);
      expect(asYaml).toMatch(
        /- name: front-proxy-client\n {4}expirationDate: null\n {4}residualTime: 0\n {4}externallyManaged: false\n {4}missing: true\n/,
      );
    } finally {
      fs.renameSync(`${crt}.away`, crt);
    }
  });
});
