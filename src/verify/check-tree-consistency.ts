import type { Finding } from './finding';
import { kubeadmCas, type KubeadmCaName } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import { describeReference, type ReferenceCopy } from './reference-copies';

/** The value most nodes agree on (first seen on a tie), and the nodes that agree. */
function majority<T>(
  entries: { node: NodeMaterial; value: T; key: string }[],
): { value: T; nodes: NodeMaterial[] } | undefined {
  const groups = new Map<string, { value: T; nodes: NodeMaterial[] }>();
  for (const e of entries) {
    const group = groups.get(e.key) ?? { value: e.value, nodes: [] };
    group.nodes.push(e.node);
    groups.set(e.key, group);
  }
  return [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length)[0];
}

/**
 * Across nodes: every control-plane node holds the same CAs and sa key pair (kubeadm copies them on join; sa.key and
 * sa.pub are each compared, since either may be the only half left), and every worker's ca.crt is the cluster CA.
 * Otherwise a client trusted by one apiserver is refused by another, or a token signed on one node is rejected on the
 * next. The reference is what most nodes hold (for a CA, on a tie, what the leaves chain to): the finding names the
 * odd copy, never the good ones.
 */
export function checkTreeConsistency(
  materials: NodeMaterial[],
  references: ReadonlyMap<KubeadmCaName, ReferenceCopy>,
): Finding[] {
  const findings: Finding[] = [];
  const nodes = materials.filter((m) => m.role !== 'users');
  const controlPlanes = nodes.filter((m) => m.role === 'control-plane');
  for (const rule of kubeadmCas) {
    const rel = `${rule.base}.crt`;
    const reference = references.get(rule.name);
    if (!reference) continue;
    for (const node of nodes) {
      const actual = node.certificates.get(rel);
      if (!actual || actual.der.equals(reference.certificate.der)) continue;
      const file = `${node.directory.prefix}${rel}`;
      const why =
        node.role === 'worker'
          ? "this node's kubelet rejects kube-apiserver's client certificate"
          : 'clients trusted by one control-plane node are refused by the other';
      findings.push({
        id: 'ca.differs-between-nodes',
        file,
        severity: 'error',
        message: `${file} is not the same certificate as ${reference.file} (the reference: ${describeReference(reference)}): ${why}; this copy is the odd one out — copy ${reference.file} over it`,
      });
    }
  }
  // sa.key signs tokens on every control-plane node; a foreign one goes unnoticed when its sa.pub is gone.
  const signers = controlPlanes
    .filter((m) => m.keys.has('pki/sa.key'))
    .map((node) => ({ node, value: node.keys.get('pki/sa.key')!.publicKeyDer(), key: '' }));
  for (const s of signers) s.key = s.value.toString('base64');
  const signer = majority(signers);
  if (signer) {
    const from = `${signer.nodes[0]!.directory.prefix}pki/`;
    for (const { node, value } of signers) {
      if (value.equals(signer.value)) continue;
      const file = `${node.directory.prefix}pki/sa.key`;
      findings.push({
        id: 'sa.differs-between-nodes',
        file,
        severity: 'error',
        message: `${file} is not the same key as ${from}sa.key (held by ${signer.nodes.length} of ${signers.length} control-plane nodes; their public halves differ): tokens this node signs (kube-apiserver's TokenRequest, the controller-manager's) are rejected by the other kube-apiservers, and theirs by this one; copy sa.key and sa.pub from ${from}`,
      });
    }
  }
  const publics = controlPlanes
    .filter((m) => m.publicKeys.has('pki/sa.pub'))
    .map((node) => {
      const value = node.publicKeys.get('pki/sa.pub')!.export({ format: 'der', type: 'spki' });
      return { node, value, key: value.toString('base64') };
    });
  const pub = majority(publics);
  if (pub) {
    const reference = `${pub.nodes[0]!.directory.prefix}pki/sa.pub`;
    for (const { node, value } of publics) {
      if (value.equals(pub.value)) continue;
      const file = `${node.directory.prefix}pki/sa.pub`;
      findings.push({
        id: 'sa.differs-between-nodes',
        file,
        severity: 'error',
        message: `${file} differs from ${reference} (held by ${pub.nodes.length} of ${publics.length} control-plane nodes): a token signed on one control-plane node is rejected by the other's kube-apiserver`,
      });
    }
  }
  return findings;
}
