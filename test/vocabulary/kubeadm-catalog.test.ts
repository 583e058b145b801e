/**
 * The kubeadm catalog is the one definition of every file kubeadm writes: each file of a node directory in a plan comes
 * from exactly one row, the planned certificate says what its row says, and every row is used by some cluster.
 */
import { describe, expect, it } from 'vitest';
import { commonNameOn, kubeadmCatalog, kubeadmCertificateRows, nodeUserName, sinceMinor } from '../../src/vocabulary';
import { certificate, planOf } from '../plan/plan-test-specs';

const twoNodes = {
  controlPlane: [
    { name: 'cp1', advertiseAddress: '10.0.0.11' },
    { name: 'cp2', advertiseAddress: '10.0.0.12' },
  ],
  workers: [{ name: 'w1', address: '10.0.0.21' }],
};

/** The row a node file comes from: its path without `<node>/` and without `.crt`/`.key`/`.pub`. */
function rowsOf(nodeFile: string) {
  const rel = nodeFile.split('/').slice(1).join('/');
  const base = rel.replace(/\.(crt|key|pub)$/, '');
  return kubeadmCatalog.filter((r) => r.file === base || r.file === rel);
}

describe('the kubeadm catalog', () => {
  for (const kubernetesVersion of ['v1.28.0', 'v1.33.0']) {
    it(`defines every file of every node directory exactly once (${kubernetesVersion})`, () => {
      const plan = planOf({ ...twoNodes, kubernetesVersion });
      // The PKI files; kubepki's own additions beside them (kubeadm.yaml, the bootstrap token) are not kubeadm's.
      const pkiKinds = new Set(['certificate', 'private-key', 'public-key', 'kubeconfig']);
      const nodeFiles = plan.files
        .filter((f) => pkiKinds.has(f.content.kind))
        .map((f) => f.path)
        .filter((p) => !p.startsWith('users/') && !p.startsWith('rbac/'));
      expect(nodeFiles.length).toBeGreaterThan(40);
      for (const file of nodeFiles)
        expect(
          rowsOf(file).map((r) => r.id),
          file,
        ).toHaveLength(1);
    });
  }

  it('uses every row for a 1.29+ cluster with local etcd, and the planned certificates say what the rows say', () => {
    const plan = planOf({ ...twoNodes, kubernetesVersion: 'v1.33.0' });
    for (const row of kubeadmCertificateRows) {
      const id = row.kind === 'ca' ? row.id : `cp1/${row.id}`;
      const planned = certificate(plan, id);
      expect(planned.issuer, id).toBe(row.issuer);
      expect(planned.profile, id).toBe(row.profile);
      expect(planned.subject.commonName, id).toBe(commonNameOn(row, 'cp1'));
      expect(planned.subject.organizations, id).toEqual(sinceMinor(row.organizations, 33));
    }
    expect(plan.keyPairs.map((k) => k.id)).toEqual(
      kubeadmCatalog.filter((r) => r.kind === 'key-pair').map((r) => r.id),
    );
  });

  it("follows a row's version rules: super-admin.conf from 1.29, on the first control-plane node only", () => {
    const ids = (version: string) => planOf({ ...twoNodes, kubernetesVersion: version }).kubeconfigs.map((k) => k.id);
    expect(ids('v1.28.0')).not.toContain('cp1/super-admin.conf');
    expect(ids('v1.29.0')).toContain('cp1/super-admin.conf');
    expect(ids('v1.29.0')).not.toContain('cp2/super-admin.conf');
    expect(certificate(planOf({ ...twoNodes }), 'w1/kubelet.conf').subject.commonName).toBe(nodeUserName('w1'));
  });
});
