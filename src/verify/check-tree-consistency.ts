import type { Finding } from './finding';
import { kubeadmCas } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';

/**
 * Across nodes: every control-plane node holds the same CAs and sa key pair (kubeadm copies them on join; sa.key and
 * sa.pub are each compared, since either may be the only half left), and every worker's ca.crt is the cluster CA.
 * Otherwise a client trusted by one apiserver is refused by another, or a token signed on one node is rejected on the
 * next.
 */
export function checkTreeConsistency(materials: NodeMaterial[]): Finding[] {
  const findings: Finding[] = [];
  const nodes = materials.filter((m) => m.role !== 'users');
  const controlPlanes = nodes.filter((m) => m.role === 'control-plane');
  for (const rule of kubeadmCas) {
    const rel = `${rule.base}.crt`;
    const reference = controlPlanes.find((m) => m.certificates.has(rel));
    if (!reference) continue;
    const expected = reference.certificates.get(rel)!;
    for (const node of nodes) {
      if (node === reference) continue;
      const actual = node.certificates.get(rel);
      if (!actual || actual.node.raw.equals(expected.node.raw)) continue;
      const file = `${node.directory.prefix}${rel}`;
      const why = node.role === 'worker' ? "this node's kubelet rejects kube-apiserver's client certificate" : 'clients trusted by one control-plane node are refused by the other';
      findings.push({ id: 'ca.differs-between-nodes', file, severity: 'error', message: `${file} is not the same certificate as ${reference.directory.prefix}${rel}: ${why}` });
    }
  }
  // sa.key signs tokens on every control-plane node; a foreign one goes unnoticed when its sa.pub is gone.
  const signer = controlPlanes.find((m) => m.keys.has('pki/sa.key'));
  if (signer) {
    const expected = signer.keys.get('pki/sa.key')!.publicKeyDer();
    for (const node of controlPlanes) {
      const actual = node.keys.get('pki/sa.key');
      if (node === signer || !actual || actual.publicKeyDer().equals(expected)) continue;
      const file = `${node.directory.prefix}pki/sa.key`;
      findings.push({
        id: 'sa.differs-between-nodes',
        file,
        severity: 'error',
        message: `${file} is not the same key as ${signer.directory.prefix}pki/sa.key (their public halves differ): tokens this node signs (kube-apiserver's TokenRequest, the controller-manager's) are rejected by the other kube-apiservers, and theirs by this one; copy sa.key and sa.pub from ${signer.directory.prefix}pki/`,
      });
    }
  }
  const sa = controlPlanes.find((m) => m.publicKeys.has('pki/sa.pub'));
  if (sa) {
    const expected = sa.publicKeys.get('pki/sa.pub')!.export({ format: 'der', type: 'spki' });
    for (const node of controlPlanes) {
      const actual = node.publicKeys.get('pki/sa.pub');
      if (node === sa || !actual || actual.export({ format: 'der', type: 'spki' }).equals(expected)) continue;
      const file = `${node.directory.prefix}pki/sa.pub`;
      findings.push({ id: 'sa.differs-between-nodes', file, severity: 'error', message: `${file} differs from ${sa.directory.prefix}pki/sa.pub: a token signed on one control-plane node is rejected by the other's kube-apiserver` });
    }
  }
  return findings;
}
