import type { CertificatePlan, KubeconfigPlan, NodePlan, PlannedFile } from './pki-plan';
import type { RbacFilePlan } from './rbac-plan';
import type { KubeadmConfigPlan } from './kubeadm-config-plan';

const privateMode = 0o600;
const publicMode = 0o644;

function certificateFiles(path: string, id: string, withKey: boolean): PlannedFile[] {
  const files: PlannedFile[] = [{ path: `${path}.crt`, mode: publicMode, content: { kind: 'certificate', of: id } }];
  if (withKey) files.push({ path: `${path}.key`, mode: privateMode, content: { kind: 'private-key', of: id } });
  return files;
}

/**
 * Where every piece goes: `<node>/` is that node's /etc/kubernetes. Control-plane nodes hold the CAs with their keys
 * (kubeadm needs them to issue and renew), their own leaves, the sa key pair and kubeconfigs; workers get `pki/ca.crt`
 * and `kubelet.conf` (and their kubelet serving certificate) only, so no CA key ever reaches a worker; user
 * kubeconfigs go to `users/`. Each node's `kubeadm.yaml` and the shared `bootstrap-token` hold the token: 0600.
 */
export function planFiles(
  nodes: NodePlan[],
  certificates: CertificatePlan[],
  kubeconfigs: KubeconfigPlan[],
  rbac: RbacFilePlan[],
  localEtcd: boolean,
  kubeadm?: KubeadmConfigPlan,
): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const node of nodes) {
    const pki = `${node.name}/pki`;
    if (node.role === 'control-plane') {
      // A CA key held elsewhere (an outside CA, cfssl, an HSM) is never planned as a file.
      const inTree = (id: string) => certificates.find((c) => c.id === id)?.keyHolder === 'kubepki';
      files.push(...certificateFiles(`${pki}/ca`, 'ca', inTree('ca')));
      files.push(...certificateFiles(`${pki}/front-proxy-ca`, 'front-proxy-ca', inTree('front-proxy-ca')));
      if (localEtcd) files.push(...certificateFiles(`${pki}/etcd/ca`, 'etcd-ca', inTree('etcd-ca')));
      files.push({ path: `${pki}/sa.key`, mode: privateMode, content: { kind: 'private-key', of: 'sa' } });
      files.push({ path: `${pki}/sa.pub`, mode: publicMode, content: { kind: 'public-key', of: 'sa' } });
      for (const cert of certificates) {
        if (cert.node === node.name && cert.storage === 'pki') files.push(...certificateFiles(`${pki}/${cert.name}`, cert.id, true));
      }
    } else {
      files.push(...certificateFiles(`${pki}/ca`, 'ca', false));
      for (const cert of certificates) {
        if (cert.node === node.name && cert.storage === 'pki') files.push(...certificateFiles(`${pki}/${cert.name}`, cert.id, true));
      }
    }
    for (const kc of kubeconfigs) {
      if (kc.node === node.name) files.push({ path: `${node.name}/${kc.name}`, mode: privateMode, content: { kind: 'kubeconfig', of: kc.id } });
    }
  }
  for (const kc of kubeconfigs) {
    if (kc.node !== undefined) continue;
    files.push({ path: `users/${kc.name}`, mode: privateMode, content: { kind: 'kubeconfig', of: kc.id } });
    // A user who brought a CSR can also have it approved in-cluster (`kubectl certificate approve`).
    if (certificates.find((c) => c.id === kc.certificate)?.keyHolder === 'user') {
      files.push({ path: `users/${kc.name.replace(/\.conf$/, '')}-csr.yaml`, mode: publicMode, content: { kind: 'csr-manifest', of: kc.certificate } });
    }
  }
  if (kubeadm) {
    for (const node of kubeadm.nodes) files.push({ path: node.path, mode: privateMode, content: { kind: 'kubeadm-config', of: node.node } });
    files.push({ path: 'bootstrap-token', mode: privateMode, content: { kind: 'bootstrap-token', of: 'bootstrap-token' } });
  }
  for (const file of rbac) files.push({ path: file.path, mode: publicMode, content: { kind: 'manifest', of: file.path } });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
