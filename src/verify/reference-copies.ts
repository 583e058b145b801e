import type { ParsedCertificate } from '../crypto';
import { kubeadmCas, type KubeadmCaName } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import type { LocatedCertificate } from './verify-context';

/** The copy of a CA the tree agrees on, and how strongly. */
export interface ReferenceCopy extends LocatedCertificate {
  /** Files holding this very copy. */
  agreeing: string[];
  /** Files holding any copy. */
  holders: string[];
  /** Certificates of the tree this copy signed; counted only when copies disagree. */
  signedLeaves: number;
}

/** Every leaf certificate of the tree: pki/ leaves and kubeconfig client certificates. */
function leavesOf(materials: NodeMaterial[]): ParsedCertificate[] {
  return materials.flatMap((m) => [
    ...[...m.certificates.values()].filter((c) => !c.isCa),
    ...[...m.kubeconfigs.values()].flatMap((k) => (k.clientCertificate ? [k.clientCertificate] : [])),
  ]);
}

/**
 * For each kubeadm CA, the reference copy: the one most control-plane nodes hold (workers' ca.crt when no
 * control-plane node has one); on a tie, the one more of the tree's certificates chain to; then the first. Taking the
 * first node's copy instead would blame the correct nodes when the first one is the odd one out.
 */
export function referenceCas(materials: NodeMaterial[]): Map<KubeadmCaName, ReferenceCopy> {
  const references = new Map<KubeadmCaName, ReferenceCopy>();
  const controlPlanes = materials.filter((m) => m.role === 'control-plane');
  let leaves: ParsedCertificate[] | undefined;
  for (const rule of kubeadmCas) {
    const rel = `${rule.base}.crt`;
    const holders = (controlPlanes.some((m) => m.certificates.has(rel)) ? controlPlanes : materials).filter((m) =>
      m.certificates.has(rel),
    );
    if (holders.length === 0) continue;
    const groups = new Map<string, { certificate: ParsedCertificate; files: string[] }>();
    for (const m of holders) {
      const certificate = m.certificates.get(rel)!;
      const key = certificate.der.toString('base64');
      const group = groups.get(key) ?? { certificate, files: [] };
      group.files.push(`${m.directory.prefix}${rel}`);
      groups.set(key, group);
    }
    const disagree = groups.size > 1;
    if (disagree) leaves ??= leavesOf(materials);
    const ranked = [...groups.values()]
      .map((g) => ({ ...g, signed: disagree ? leaves!.filter((l) => l.isIssuedBy(g.certificate)).length : 0 }))
      .sort((a, b) => b.files.length - a.files.length || b.signed - a.signed);
    const best = ranked[0]!;
    references.set(rule.name, {
      file: best.files[0]!,
      certificate: best.certificate,
      agreeing: best.files,
      holders: ranked.flatMap((g) => g.files),
      signedLeaves: best.signed,
    });
  }
  return references;
}

/** How a reference was chosen, for a finding: "held by 2 of 3 control-plane nodes, 14 certificates chain to it". */
export function describeReference(reference: ReferenceCopy): string {
  const parts = [
    `held by ${reference.agreeing.length} of ${reference.holders.length} copies (${reference.agreeing.join(', ')})`,
  ];
  if (reference.signedLeaves > 0)
    parts.push(
      `${reference.signedLeaves} certificate${reference.signedLeaves === 1 ? '' : 's'} of the tree chain to it`,
    );
  return parts.join('; ');
}
