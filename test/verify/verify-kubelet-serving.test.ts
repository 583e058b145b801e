/**
 * verify on the apiserver → kubelet edge and the kubeadm configuration: a good tree has no finding; each damage is
 * reported as the error that kube-apiserver, the kubelet or kubeadm would hit, naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPki, expiryReport } from '../../src/verify';
import { realizeStack, removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';

describe('verify: kubelet serving certificates and kubeadm.yaml', () => {
  let tree: FixtureTree;
  beforeAll(async () => {
    tree = await realizeStack('lab', 'ECDSA-P256', (s) => void (s.spec.pki.kubeletServingCertificates = true));
  }, 60_000);
  afterAll(() => removeTree(tree?.dir));

  /** A damaged copy of the tree, verified with and without the plan. */
  function damaged(damage: (dir: string) => void) {
    const dir = temporaryDirectory('kubepki-verify-kubelet-');
    fs.cpSync(tree.dir, dir, { recursive: true });
    damage(dir);
    const findings = verifyPki(dir, { plan: tree.plan });
    const alone = verifyPki(dir);
    removeTree(dir);
    return { findings, alone };
  }
  const ids = (findings: { id: string; file: string; severity: string }[]) =>
    findings.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.file}`);

  it('finds nothing wrong with a generated tree, with or without the plan', () => {
    expect(verifyPki(tree.dir, { plan: tree.plan }).filter((f) => f.severity !== 'info')).toEqual([]);
    expect(verifyPki(tree.dir).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it("reports another node's serving certificate: kube-apiserver fails hostname verification at the node's address", () => {
    const { findings, alone } = damaged((dir) => {
      for (const ext of ['crt', 'key'])
        fs.copyFileSync(
          path.join(dir, `cp1/pki/kubelet-serving.${ext}`),
          path.join(dir, `w1/pki/kubelet-serving.${ext}`),
        );
    });
    expect(ids(alone)).toContain('san.missing w1/pki/kubelet-serving.crt');
    expect(alone.find((f) => f.id === 'san.missing' && f.severity === 'error')!.message).toContain('10.0.0.21');
    expect(ids(findings)).toContain('drift.certificate w1/pki/kubelet-serving.crt');
  });

  it('reports a serving certificate from another CA, naming who rejects it', async () => {
    const foreign = await realizeStack('lab', 'ECDSA-P256', (s) => void (s.spec.pki.kubeletServingCertificates = true));
    try {
      const { alone } = damaged((dir) => {
        for (const ext of ['crt', 'key'])
          fs.copyFileSync(
            path.join(foreign.dir, `w1/pki/kubelet-serving.${ext}`),
            path.join(dir, `w1/pki/kubelet-serving.${ext}`),
          );
      });
      const chain = alone.find((f) => f.file === 'w1/pki/kubelet-serving.crt' && f.severity === 'error');
      expect(chain?.message).toContain('--kubelet-certificate-authority');
    } finally {
      removeTree(foreign.dir);
    }
  });

  it("reports a kubeadm.yaml that names a file the node directory lacks, and a join pin that is not the tree's CA", () => {
    const { alone, findings } = damaged((dir) => {
      fs.rmSync(path.join(dir, 'cp1/pki/kubelet-serving.key'));
      const join = path.join(dir, 'w1/kubeadm.yaml');
      fs.writeFileSync(join, fs.readFileSync(join, 'utf8').replace(/sha256:[0-9a-f]{64}/, `sha256:${'f'.repeat(64)}`));
    });
    expect(ids(alone)).toEqual(
      expect.arrayContaining(['kubeadm.missing-file cp1/kubeadm.yaml', 'kubeadm.ca-pin w1/kubeadm.yaml']),
    );
    expect(ids(findings)).toEqual(
      expect.arrayContaining(['drift.missing cp1/pki/kubelet-serving.key', 'drift.kubeadm-config w1/kubeadm.yaml']),
    );
  });

  it('never quotes the token in a finding', () => {
    const token = fs.readFileSync(path.join(tree.dir, 'bootstrap-token'), 'utf8').trim();
    const { findings } = damaged((dir) =>
      fs.writeFileSync(path.join(dir, 'bootstrap-token'), 'abcdef.0123456789abcdef\n'),
    );
    expect(ids(findings)).toEqual(
      expect.arrayContaining(['drift.bootstrap-token cp1/kubeadm.yaml', 'drift.bootstrap-token w1/kubeadm.yaml']),
    );
    expect(JSON.stringify(findings)).not.toContain(token.split('.')[1]!);
    expect(JSON.stringify(findings)).not.toContain('0123456789abcdef');
  });

  it('lists the serving certificates in the expiry report, to be renewed', () => {
    const report = expiryReport(tree.dir);
    for (const node of ['cp1', 'w1']) {
      const row = report.nodes.find((n) => n.node === node)!.certificates.find((c) => c.name === 'kubelet-serving');
      expect(row, node).toMatchObject({ file: `${node}/pki/kubelet-serving.crt`, caName: 'ca', missing: false });
    }
  });
});
