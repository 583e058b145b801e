/**
 * `verify --spec`: the tree is compared with the plan (missing, extra and differing files, named one by one) and the
 * spec's access expectations are checked with the offline RBAC evaluator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { verifyPki, type Finding } from '../../src/verify';
import { realizeStack, removeTree, stackSpec, type FixtureTree } from '../support/fixture-trees';
import { copyTree, describeFindings } from './verify-test-trees';

let tree: FixtureTree;
const copies: string[] = [];
beforeAll(async () => {
  tree = await realizeStack('lab', 'ECDSA-P256');
});
afterAll(() => removeTree(tree?.dir));
afterEach(() => {
  for (const dir of copies.splice(0)) removeTree(dir);
});

function copy(): string {
  const dir = copyTree(tree.dir);
  copies.push(dir);
  return dir;
}

const labPlan = (change: Parameters<typeof stackSpec>[2]) => planPki(stackSpec('lab', 'ECDSA-P256', change));
const of = (findings: Finding[], id: string) => findings.filter((f) => f.id === id);

describe('verify against the plan', () => {
  it('names a planned file that is missing, and a whole missing node directory once', () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'users/alice.conf'));
    fs.rmSync(path.join(dir, 'w1'), { recursive: true });
    const findings = verifyPki(dir, { plan: tree.plan });
    expect(
      of(findings, 'drift.missing').map((f) => [f.file, f.severity]),
      describeFindings(findings),
    ).toEqual([
      ['users/alice.conf', 'error'],
      ['w1/', 'error'],
    ]);
  });

  it("treats a CA key kept elsewhere as kubeadm's external CA mode (a note), not as a missing file", () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'cp1/pki/front-proxy-ca.key'));
    const findings = verifyPki(dir, { plan: tree.plan });
    expect(findings.map((f) => [f.id, f.file, f.severity])).toEqual([
      ['ca.external', 'cp1/pki/front-proxy-ca.key', 'info'],
    ]);
  });

  it('names files the plan does not have as extra (warnings)', () => {
    const dir = copy();
    fs.copyFileSync(path.join(dir, 'cp1/pki/apiserver.crt'), path.join(dir, 'cp1/pki/old-apiserver.crt'));
    fs.writeFileSync(path.join(dir, 'rbac/99-hand-made.yaml'), '---\nkind: Namespace\n');
    const findings = verifyPki(dir, { plan: tree.plan });
    expect(of(findings, 'drift.extra').map((f) => [f.file, f.severity])).toEqual([
      ['cp1/pki/old-apiserver.crt', 'warning'],
      ['rbac/99-hand-made.yaml', 'warning'],
    ]);
    expect(
      findings.filter((f) => f.severity === 'error'),
      describeFindings(findings),
    ).toEqual([]);
  });

  it('names certificates and kubeconfigs that differ from a changed spec, field by field', () => {
    const plan = labPlan((spec) => {
      spec.spec.apiServer.certSANs.push('extra.corp.example.net');
      spec.spec.users[0]!.groups = ['dev-team'];
      spec.spec.controlPlaneEndpoint = 'api.lab.example:6443';
    });
    const findings = verifyPki(tree.dir, { plan });
    const certificate = (file: string) => of(findings, 'drift.certificate').find((f) => f.file === file)?.message;
    expect(certificate('cp1/pki/apiserver.crt'), describeFindings(findings)).toMatch(
      /DNS SANs \+api\.lab\.example \+extra\.corp\.example\.net/,
    );
    expect(certificate('users/alice.conf')).toContain('O [dev-team, oncall] → [dev-team]');
    expect(of(findings, 'drift.kubeconfig').find((f) => f.file === 'users/alice.conf')?.message).toContain(
      'server https://10.0.0.11:6443 → https://api.lab.example:6443',
    );
    expect(of(findings, 'drift.kubeconfig').map((f) => f.file)).toEqual(
      expect.arrayContaining(['cp1/admin.conf', 'w1/kubelet.conf', 'users/alice.conf']),
    );
    expect(findings.every((f) => f.severity !== 'error' || f.id.startsWith('drift.'))).toBe(true);
  });

  it('names the key algorithm change on every certificate and the sa key', () => {
    const findings = verifyPki(tree.dir, {
      plan: labPlan((spec) => void (spec.spec.pki.encryptionAlgorithm = 'RSA-2048')),
    });
    expect(of(findings, 'drift.key').map((f) => f.file)).toEqual(['cp1/pki/sa.key', 'cp1/pki/sa.pub']);
    expect(of(findings, 'drift.certificate').find((f) => f.file === 'cp1/pki/ca.crt')?.message).toContain(
      'key ECDSA-P256 → RSA-2048',
    );
  });

  it('names an edited RBAC manifest', () => {
    const dir = copy();
    const file = path.join(dir, 'rbac/70-kubeadm.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('system:nodes', 'system:authenticated'));
    const findings = verifyPki(dir, { plan: tree.plan });
    expect(of(findings, 'drift.rbac').map((f) => f.file)).toEqual(['rbac/70-kubeadm.yaml']);
  });

  it('reports each failing access expectation as an error naming the spec, and none when they hold', () => {
    const plan = labPlan((spec) => {
      spec.spec.expect.push({ as: 'user:alice', can: ['get secrets'], namespace: 'default' } as never);
      spec.spec.expect.push({ as: 'user:kubernetes-admin', can: ['*'] } as never);
    });
    const findings = verifyPki(tree.dir, { plan, specFile: 'stacks/lab.cluster.yaml' });
    const failed = of(findings, 'access.expectation');
    expect(failed.map((f) => [f.file, f.severity])).toEqual([['stacks/lab.cluster.yaml', 'error']]);
    expect(failed[0]!.message).toMatch(/user:alice can "get secrets" in default: evaluator says denied/);
  });

  it('compares a single node directory with its node of the plan, found by its kubelet.conf identity', () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'cp1/scheduler.conf'));
    const findings = verifyPki(path.join(dir, 'cp1'), { plan: tree.plan });
    expect(of(findings, 'drift.missing').map((f) => f.file)).toEqual(['scheduler.conf']);
    // A directory whose kubelet belongs to no node of the plan cannot be compared, and verify says so.
    const other = verifyPki(path.join(dir, 'w1'), {
      plan: labPlan((spec) => void (spec.spec.workers[0]!.name = 'w9')),
    });
    expect(of(other, 'drift.unknown-node').map((f) => f.severity)).toEqual(['error']);
  });
});
