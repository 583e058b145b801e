import { afterEach, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import type { ClusterSpec } from '../../src/spec';
import { realizeStack, removeTree, stackSpec, type FixtureTree } from '../support/fixture-trees';
import {
  ageTree,
  certificateAt,
  changedPaths,
  lifetimeHours,
  nonKept,
  organizationsOf,
  parseKubeconfigText,
  readCertificate,
  readKubeconfig,
  readTreeState,
} from './tree-state';

// The reconcile rules of the offline engine: a re-run with the same spec is a no-op; a spec change reissues exactly
// what it changes, keeps keys, and touches nothing else.

let tree: FixtureTree | undefined;
afterEach(() => removeTree(tree?.dir));

/** Realizes the ha stack (ECDSA-P256), ages it, then realizes `change` of it over the same directory. */
async function rerunWith(change: (spec: ClusterSpec) => void) {
  tree = await realizeStack('ha', 'ECDSA-P256');
  ageTree(tree.dir);
  const before = readTreeState(tree.dir);
  const plan = planPki(stackSpec('ha', 'ECDSA-P256', change));
  const report = await realizeLocal(plan, tree.dir);
  const after = readTreeState(tree.dir);
  return { dir: tree.dir, plan, report, before, after, changedFiles: changedPaths(before, after, 'files') };
}

const controlPlanes = ['cp1', 'cp2', 'cp3'];

describe('re-running with the same spec', () => {
  it('keeps every file, generates no key, and leaves every byte, mode and mtime as it was', async () => {
    tree = await realizeStack('ha', 'ECDSA-P256');
    ageTree(tree.dir);
    const before = readTreeState(tree.dir);
    const report = await realizeLocal(tree.plan, tree.dir);
    expect(report.changes.map((c) => c.path)).toEqual(tree.plan.files.map((f) => f.path));
    expect(nonKept(report)).toEqual([]);
    expect(report.generatedKeys).toBe(0);
    expect(report.dryRun).toBe(false);
    expect(changedPaths(before, readTreeState(tree.dir))).toEqual([]);
  });
});

describe('changing a spec', () => {
  it('a new certSAN reissues exactly each apiserver certificate, keeps its key, and the new certificate carries the SAN', async () => {
    const r = await rerunWith((s) => s.spec.apiServer.certSANs.push('new-api.example.com'));
    const apiservers = controlPlanes.map((n) => `${n}/pki/apiserver.crt`);
    // The init node's ClusterConfiguration lists the certSANs too, so kubeadm keeps agreeing with the certificates.
    expect(nonKept(r.report)).toEqual(['updated cp1/kubeadm.yaml', ...apiservers.map((p) => `reissued ${p}`)]);
    for (const change of r.report.changes.filter((c) => c.action === 'reissued'))
      expect(change.reason).toContain('new-api.example.com');
    expect(r.report.generatedKeys).toBe(0);
    expect(r.changedFiles).toEqual(['cp1/kubeadm.yaml', ...apiservers]);
    for (const n of controlPlanes) {
      const cert = readCertificate(r.dir, `${n}/pki/apiserver.crt`);
      const key = r.before.get(`${n}/pki/apiserver.key`)!.content!;
      expect(r.after.get(`${n}/pki/apiserver.key`)!.content!.equals(key)).toBe(true);
      expect(cert.subjectAltName).toContain('DNS:new-api.example.com');
      expect(cert.subjectAltName).toContain(`DNS:${n}`);
      expect(
        cert.publicKey
          .export({ format: 'der', type: 'spki' })
          .equals(createPublicKey(key).export({ format: 'der', type: 'spki' })),
      ).toBe(true);
      expect(cert.verify(readCertificate(r.dir, `${n}/pki/ca.crt`).publicKey)).toBe(true);
    }
  });

  it('adding a user creates only users/<name>.conf, with one new key', async () => {
    const r = await rerunWith((s) => s.spec.users.push({ name: 'dave', groups: ['auditors'], namespaces: [] }));
    expect(nonKept(r.report)).toEqual(['created users/dave.conf']);
    expect(r.report.generatedKeys).toBe(1);
    expect(r.changedFiles).toEqual(['users/dave.conf']);
    const dave = readKubeconfig(r.dir, 'users/dave.conf');
    expect(dave.certificate.subject).toBe('O=auditors\nCN=dave');
    expect(dave.server).toBe('https://ha-api.example.internal:6443');
    expect(dave.certificate.verify(readCertificate(r.dir, 'cp1/pki/ca.crt').publicKey)).toBe(true);
  });

  it("changing a user's groups reissues only that user's kubeconfig, with the same key", async () => {
    const r = await rerunWith((s) => (s.spec.users.find((u) => u.name === 'alice')!.groups = ['dev-team', 'sre']));
    expect(nonKept(r.report)).toEqual(['reissued users/alice.conf']);
    expect(r.report.changes.find((c) => c.path === 'users/alice.conf')!.reason).toMatch(/sre/);
    expect(r.report.generatedKeys).toBe(0);
    expect(r.changedFiles).toEqual(['users/alice.conf']);
    const alice = readKubeconfig(r.dir, 'users/alice.conf');
    expect(organizationsOf(alice.certificate)).toEqual(['dev-team', 'sre']);
    const oldKey = Buffer.from(parseKubeconfigText(r.before.get('users/alice.conf')!.content!).keyPem);
    expect(Buffer.from(alice.keyPem).equals(oldKey)).toBe(true);
  });

  it('changing certificateValidityPeriod reissues every leaf (keys kept) and no CA', async () => {
    const r = await rerunWith((s) => (s.spec.pki.certificateValidityPeriod = '4380h'));
    const leafFiles = leafCertificateFiles(r.plan);
    expect(leafFiles.length).toBe(r.plan.certificates.filter((c) => !c.isCa).length);
    // ClusterConfiguration.certificateValidityPeriod, so that `kubeadm certs renew` keeps the new validity.
    const withConfig = [...leafFiles, 'cp1/kubeadm.yaml'].sort();
    expect(nonKept(r.report)).toEqual(
      withConfig.map((p) => (p === 'cp1/kubeadm.yaml' ? `updated ${p}` : `reissued ${p}`)),
    );
    expect(r.report.generatedKeys).toBe(0);
    expect(r.changedFiles).toEqual(withConfig);
    expect(
      r.changedFiles.filter(
        (p) => /\/(ca|front-proxy-ca|etcd\/ca)\.(crt|key)$/.test(p) || p.endsWith('.key') || p.includes('/sa.'),
      ),
    ).toEqual([]);
    for (const p of leafFiles) expect(lifetimeHours(certificateAt(r.dir, p)), p).toBeCloseTo(4380 + 5 / 60, 3);
  });

  it('changing controlPlaneEndpoint reissues the apiserver certificates and rewrites the kubeconfigs that use it, not the node-local ones', async () => {
    const r = await rerunWith((s) => (s.spec.controlPlaneEndpoint = 'api-v2.example.internal:6443'));
    const endpointKubeconfigs = [
      'cp1/admin.conf',
      'cp1/super-admin.conf',
      'cp2/admin.conf',
      'cp3/admin.conf',
      'users/alice.conf',
      'users/bob.conf',
      'users/carol.conf',
      'w1/kubelet.conf',
      'w2/kubelet.conf',
      'w3/kubelet.conf',
    ];
    const apiservers = controlPlanes.map((n) => `${n}/pki/apiserver.crt`);
    // Every kubeadm.yaml: the init node's controlPlaneEndpoint, every joining node's discovery endpoint.
    const kubeadmConfigs = ['cp1', 'cp2', 'cp3', 'w1', 'w2', 'w3'].map((n) => `${n}/kubeadm.yaml`);
    expect(r.changedFiles).toEqual([...endpointKubeconfigs, ...apiservers, ...kubeadmConfigs].sort());
    const actions = new Map(r.report.changes.map((c) => [c.path, c]));
    for (const p of apiservers) {
      expect(actions.get(p)).toMatchObject({
        action: 'reissued',
        reason: expect.stringContaining('api-v2.example.internal'),
      });
      expect(readCertificate(r.dir, p).subjectAltName).toContain('DNS:api-v2.example.internal');
      expect(readCertificate(r.dir, p).subjectAltName).not.toContain('DNS:ha-api.example.internal');
    }
    for (const p of endpointKubeconfigs) {
      expect(['updated', 'reissued'], p).toContain(actions.get(p)!.action);
      expect(readKubeconfig(r.dir, p).server).toBe('https://api-v2.example.internal:6443');
    }
    for (const n of controlPlanes) {
      for (const local of ['controller-manager.conf', 'scheduler.conf', 'kubelet.conf']) {
        expect(actions.get(`${n}/${local}`)!.action, `${n}/${local}`).toBe('kept');
        expect(readKubeconfig(r.dir, `${n}/${local}`).server).toBe(`https://10.0.1.1${n.slice(2)}:6443`);
      }
    }
    expect(r.report.generatedKeys).toBe(0);
  });
});

/** Every planned file that holds a leaf certificate: a .crt of a non-CA certificate, or a kubeconfig. */
function leafCertificateFiles(plan: PkiPlan): string[] {
  const leaves = new Set(plan.certificates.filter((c) => !c.isCa).map((c) => c.id));
  return plan.files
    .filter((f) => (f.content.kind === 'certificate' || f.content.kind === 'kubeconfig') && leaves.has(f.content.of))
    .map((f) => f.path);
}
