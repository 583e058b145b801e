import { authoritiesOf, type PkiPlan, type PlannedFile } from '../plan';
import { certificateChanges } from '../compare';
// The renderer is the judge of whether a node's kubeadm.yaml changes (review reads outputs for that alone).
import { renderKubeadmConfig } from '../outputs';

/**
 * A CA, the service-account key or the service-account issuer that the head plan replaces: everything that depends
 * on it is invalidated.
 */
export interface Replacement {
  /** `ca`, `front-proxy-ca`, `etcd-ca`, `sa` (the key pair) or `sa-issuer` (kube-apiserver's --service-account-issuer). */
  id: string;
  /** What changed (`key RSA-2048 → ECDSA-P256 (new key)`, `validity 87600h → 175200h`). */
  changes: string[];
  /** A sentence for the blocking banner: who stops trusting what. */
  consequence: string;
}

/** What a change does once applied: what is reissued, redistributed and replaced, and where files change. */
export interface DiffImpact {
  replacements: Replacement[];
  /** Certificates reissued (a new certificate for an existing id) with the reason. */
  reissued: { id: string; reason: string }[];
  /** Certificates the head plan adds. */
  issued: string[];
  /** Kubeconfig files to hand out: new ones (reason `new`) and changed ones (again), with the reason. */
  kubeconfigs: { path: string; reason: string }[];
  /** Per directory of the generated tree (node name, `users`, `rbac`): the files added, removed or changed. */
  directories: { directory: string; added: string[]; removed: string[]; changed: string[] }[];
}

const consequences: Record<string, string> = {
  ca: "every client certificate and kubeconfig, the apiserver and kubelet-client certificates and every node's ca.crt are reissued; clients holding the old ca.crt stop trusting kube-apiserver, and kube-apiserver stops accepting the old client certificates",
  'front-proxy-ca':
    'front-proxy-client is reissued; aggregated API servers holding the old front-proxy-ca.crt reject requests from kube-apiserver until they reload the new one',
  'etcd-ca':
    'every etcd certificate and apiserver-etcd-client are reissued; etcd members and kube-apiserver must switch together, or etcd refuses its peers and kube-apiserver',
  sa: 'every service-account token signed with the old sa.key is rejected; pods must get new tokens and external CI/CD tokens must be minted again',
  'sa-issuer':
    "kube-apiserver's --service-account-issuer (and its default --api-audiences, the issuer) changes, so every service-account token carrying the old iss and aud is rejected; pods must get new tokens and external CI/CD tokens must be minted again, unless the old issuer stays as a second --service-account-issuer until they are",
};

/** How a replacement is named in a banner or a summary. */
export function replacementSubject(id: string): string {
  if (id === 'sa') return 'the service-account key (sa.key / sa.pub)';
  if (id === 'sa-issuer') return 'the service-account issuer (--service-account-issuer)';
  return `CA \`${id}\``;
}

function fileChanged(
  file: PlannedFile,
  base: PkiPlan,
  head: PkiPlan,
  reissued: Set<string>,
  newKeys: Set<string>,
  kubeconfigs: Set<string>,
): boolean {
  const { kind, of } = file.content;
  if (kind === 'certificate') return reissued.has(of);
  if (kind === 'private-key' || kind === 'public-key') return newKeys.has(of);
  if (kind === 'kubeconfig') return kubeconfigs.has(of);
  if (kind === 'kubeadm-config') return kubeadmConfigChanged(of, base, head, reissued.has('ca'));
  if (kind === 'bootstrap-token') return false;
  const before = base.rbac.find((f) => f.path === of);
  const after = head.rbac.find((f) => f.path === of);
  return JSON.stringify(before?.objects) !== JSON.stringify(after?.objects);
}

/**
 * A node's kubeadm.yaml changes when its rendered text does: the renderer is the judge, so a field that only the init
 * node's ClusterConfiguration carries (certSANs) changes that file alone. The secrets are stand-ins: the CA pins
 * change when the cluster CA is replaced or a rotation stage changes the generations ca.crt trusts (or their order),
 * and the bootstrap token never changes through the plan.
 */
function kubeadmConfigChanged(node: string, base: PkiPlan, head: PkiPlan, caReplaced: boolean): boolean {
  const render = (plan: PkiPlan, replaced: boolean) => {
    const nodePlan = plan.kubeadm?.nodes.find((n) => n.node === node);
    const pins = authoritiesOf(plan)
      .find((a) => a.authority === 'clusterCA')!
      .trusted.map((id) => `sha256:${id}${replaced ? '-replaced' : ''}`);
    return plan.kubeadm && nodePlan
      ? renderKubeadmConfig(plan.kubeadm, nodePlan, { bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: pins })
      : undefined;
  };
  return render(base, false) !== render(head, caReplaced);
}

/**
 * Derives the impact: CAs and the sa key whose plan changed are replaced (kubepki never renews a CA in place), and so
 * is the sa issuer when it changes (every token names it); their dependants are reissued, changed certificates are
 * reissued (with a new key when the algorithm changes), and kubeconfigs that embed a reissued certificate or the new
 * ca.crt, or whose endpoint or names change, are redistributed.
 */
export function diffImpact(base: PkiPlan, head: PkiPlan, kubeconfigChanges: Map<string, string[]>): DiffImpact {
  const baseCerts = new Map(base.certificates.map((c) => [c.id, c]));
  const replacements: Replacement[] = [];
  const reissued = new Map<string, string>();
  const newKeys = new Set<string>();
  const retiring = new Set(head.certificates.filter((c) => c.retiring).map((c) => c.id));
  for (const cert of head.certificates) {
    const before = baseCerts.get(cert.id);
    // The generation a rotation replaces is kept as it is: a new algorithm or lifetime goes to the new generation.
    if (!before || retiring.has(cert.id)) continue;
    // During trust nothing is reissued: a leaf of the leaving generation gets a new algorithm at the issue stage.
    const changes = certificateChanges(before, cert).filter(
      (c) => !(c.field === 'algorithm' && retiring.has(cert.issuer)),
    );
    if (changes.length === 0) continue;
    if (!cert.isCa) reissued.set(cert.id, changes.map((c) => c.text).join(', '));
    if (cert.isCa) {
      replacements.push({
        id: cert.id,
        changes: changes.map((c) => c.text),
        consequence: consequences[cert.id] ?? 'every certificate it signed is reissued',
      });
      newKeys.add(cert.id);
    } else if (changes.some((c) => c.field === 'algorithm' || c.field === 'keyHolder')) newKeys.add(cert.id);
  }
  const replacedCas = new Set(replacements.map((r) => r.id));
  for (const cert of head.certificates) {
    if (!cert.isCa && replacedCas.has(cert.issuer) && baseCerts.has(cert.id) && !reissued.has(cert.id))
      reissued.set(cert.id, `signed by the replaced CA ${cert.issuer}`);
  }
  const baseSa = base.keyPairs[0]?.algorithm;
  const headSa = head.keyPairs[0]?.algorithm;
  const saStage = (plan: PkiPlan) =>
    JSON.stringify(authoritiesOf(plan).find((a) => a.authority === 'serviceAccountKey')?.trusted);
  // Within a rotation the new key gets the new algorithm; only an sa key changed in place is a replacement.
  if (baseSa && headSa && baseSa !== headSa && saStage(base) === saStage(head) && !head.keyPairs[0]!.retiring) {
    replacements.push({ id: 'sa', changes: [`key ${baseSa} → ${headSa} (new key)`], consequence: consequences.sa! });
    newKeys.add('sa');
  }
  // No file changes with the issuer (it follows dnsDomain), yet every token is invalidated as with a new sa key.
  const baseIssuer = base.cluster.serviceAccountIssuer;
  const headIssuer = head.cluster.serviceAccountIssuer;
  if (baseIssuer !== headIssuer) {
    replacements.push({
      id: 'sa-issuer',
      changes: [`issuer ${baseIssuer} → ${headIssuer}`],
      consequence: consequences['sa-issuer']!,
    });
  }

  const clusterTrust = (plan: PkiPlan) => authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!.trusted;
  const clusterTrustChanged = base.nodes.length > 0 && clusterTrust(base).join() !== clusterTrust(head).join();
  const redistribute = new Map<string, string>();
  const baseKubeconfigs = new Set(base.kubeconfigs.map((k) => k.id));
  for (const k of head.kubeconfigs) {
    if (!baseKubeconfigs.has(k.id)) {
      redistribute.set(k.id, 'new');
      continue;
    }
    const reasons = [...(kubeconfigChanges.get(k.id) ?? [])];
    if (reissued.has(k.certificate)) reasons.push('client certificate reissued');
    if (replacedCas.has('ca')) reasons.push('embeds the new ca.crt');
    else if (clusterTrustChanged)
      reasons.push(`certificate-authority-data now trusts ${clusterTrust(head).join(' + ')}`);
    if (reasons.length > 0) redistribute.set(k.id, reasons.join(', '));
  }

  // A replaced CA's own files change too; it is listed under replacements, not among the reissued leaves.
  const changedCertificates = new Set([...reissued.keys(), ...replacedCas]);
  const baseFiles = new Map(base.files.map((f) => [f.path, f]));
  const headFiles = new Map(head.files.map((f) => [f.path, f]));
  const directories = new Map<string, { directory: string; added: string[]; removed: string[]; changed: string[] }>();
  const bucket = (path: string) => {
    const directory = path.split('/')[0]!;
    if (!directories.has(directory)) directories.set(directory, { directory, added: [], removed: [], changed: [] });
    return directories.get(directory)!;
  };
  for (const [path, file] of headFiles) {
    const before = baseFiles.get(path);
    if (!before) bucket(path).added.push(path);
    else if (
      JSON.stringify(before.content) !== JSON.stringify(file.content) ||
      fileChanged(file, base, head, changedCertificates, newKeys, new Set(redistribute.keys()))
    ) {
      bucket(path).changed.push(path);
    }
  }
  for (const path of baseFiles.keys()) if (!headFiles.has(path)) bucket(path).removed.push(path);

  const kubeconfigPath = (id: string) =>
    head.files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === id)!.path;
  return {
    replacements,
    reissued: [...reissued].map(([id, reason]) => ({ id, reason })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    issued: head.certificates.filter((c) => !baseCerts.has(c.id)).map((c) => c.id),
    kubeconfigs: [...redistribute]
      .map(([id, reason]) => ({ path: kubeconfigPath(id), reason }))
      .sort((a, b) => (a.path < b.path ? -1 : 1)),
    directories: [...directories.values()].sort((a, b) => (a.directory < b.directory ? -1 : 1)),
  };
}
