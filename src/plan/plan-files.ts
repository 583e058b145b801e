import type { CertificatePlan, KubeconfigPlan, NodePlan, PlannedFile } from './pki-plan';
import type { RbacFilePlan } from './rbac-plan';
import type { AuthorityPlan } from './plan-authorities';
import type { KubeadmConfigPlan } from './kubeadm-config-plan';

const privateMode = 0o600;
const publicMode = 0o644;

function certificateFiles(path: string, id: string, withKey: boolean, chain: string[] = []): PlannedFile[] {
  const files: PlannedFile[] = [
    {
      path: `${path}.crt`,
      mode: publicMode,
      content: { kind: 'certificate', of: id, ...(chain.length > 0 ? { bundle: chain } : {}) },
    },
  ];
  if (withKey) files.push({ path: `${path}.key`, mode: privateMode, content: { kind: 'private-key', of: id } });
  return files;
}

/**
 * An authority's files on a control-plane node, in every stage (see the README's file table): `<file>.crt` is the
 * trust bundle with the signer first and `<file>.key` the signer's key, so kubeadm (which pairs the first certificate
 * with the key) and every verifier reading the bundle work; during trust the arriving generation waits in
 * `<file>-<g>.crt/.key`. The cluster CA also gets `ca-signer.crt` once rotated, since kube-controller-manager's
 * --cluster-signing-cert-file must hold exactly one certificate. An intermediate under an offline root also keeps its
 * CSR in `<file>.csr`, for the root to sign (again, when the intermediate is renewed).
 */
function authorityFiles(
  pki: string,
  a: AuthorityPlan,
  keyInTree: (id: string) => boolean,
  isIntermediate: (id: string) => boolean = () => false,
): PlannedFile[] {
  const others = a.trusted.filter((id) => id !== a.signer);
  const bundle = others.length > 0 ? { bundle: others } : {};
  const base = `${pki}/${a.file}`;
  const files: PlannedFile[] = [];
  if (a.authority === 'serviceAccountKey') {
    files.push({ path: `${base}.key`, mode: privateMode, content: { kind: 'private-key', of: a.signer } });
    files.push({ path: `${base}.pub`, mode: publicMode, content: { kind: 'public-key', of: a.signer, ...bundle } });
    if (a.next)
      files.push({
        path: `${base}-${a.generation}.key`,
        mode: privateMode,
        content: { kind: 'private-key', of: a.next },
      });
    return files;
  }
  files.push({ path: `${base}.crt`, mode: publicMode, content: { kind: 'certificate', of: a.signer, ...bundle } });
  if (isIntermediate(a.signer))
    files.push({ path: `${base}.csr`, mode: publicMode, content: { kind: 'certification-request', of: a.signer } });
  if (keyInTree(a.signer))
    files.push({ path: `${base}.key`, mode: privateMode, content: { kind: 'private-key', of: a.signer } });
  if (a.next) files.push(...certificateFiles(`${base}-${a.generation}`, a.next, keyInTree(a.next)));
  if (a.authority === 'clusterCA' && a.generation > 1)
    files.push({ path: `${pki}/ca-signer.crt`, mode: publicMode, content: { kind: 'certificate', of: a.signer } });
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
  authorities: AuthorityPlan[],
  kubeadm?: KubeadmConfigPlan,
): PlannedFile[] {
  const files: PlannedFile[] = [];
  const clusterCa = authorities.find((a) => a.authority === 'clusterCA')!;
  const byId = new Map(certificates.map((c) => [c.id, c]));
  // A serving certificate of an intermediate carries it after itself, as Go's and OpenSSL's servers send a file's
  // chain: a client that trusts only the offline root can then build the path. Trust files hold the intermediate
  // alone (see the README's "Intermediate CAs under an offline root").
  const servingChain = (cert: CertificatePlan): string[] =>
    byId.get(cert.issuer)?.parent !== undefined && cert.extendedKeyUsages.includes('serverAuth') ? [cert.issuer] : [];
  // Grouped once: a 500-worker plan otherwise walks every certificate and kubeconfig once per node.
  const group = <T extends { node?: string }>(items: T[]) => {
    const byNode = new Map<string, T[]>();
    for (const item of items) {
      if (item.node === undefined) continue;
      const list = byNode.get(item.node);
      if (list) list.push(item);
      else byNode.set(item.node, [item]);
    }
    return byNode;
  };
  const certificatesByNode = group(certificates);
  const kubeconfigsByNode = group(kubeconfigs);
  for (const node of nodes) {
    const pki = `${node.name}/pki`;
    if (node.role === 'control-plane') {
      // A CA key held elsewhere (an outside CA, cfssl, an HSM) is never planned as a file.
      const inTree = (id: string) => (certificates.find((c) => c.id === id)?.keyHolder ?? 'kubepki') === 'kubepki';
      for (const a of authorities)
        files.push(...authorityFiles(pki, a, inTree, (id) => byId.get(id)?.parent !== undefined));
    } else {
      files.push(authorityFiles(pki, clusterCa, () => false)[0]!); // workers hold no CA key
    }
    for (const cert of certificatesByNode.get(node.name) ?? []) {
      if (cert.storage === 'pki')
        files.push(...certificateFiles(`${pki}/${cert.name}`, cert.id, true, servingChain(cert)));
    }
    for (const kc of kubeconfigsByNode.get(node.name) ?? []) {
      files.push({ path: `${node.name}/${kc.name}`, mode: privateMode, content: { kind: 'kubeconfig', of: kc.id } });
    }
  }
  for (const kc of kubeconfigs) {
    if (kc.node !== undefined) continue;
    files.push({ path: `users/${kc.name}`, mode: privateMode, content: { kind: 'kubeconfig', of: kc.id } });
    // A user who brought a CSR can also have it approved in-cluster (`kubectl certificate approve`).
    if (certificates.find((c) => c.id === kc.certificate)?.keyHolder === 'user') {
      files.push({
        path: `users/${kc.name.replace(/\.conf$/, '')}-csr.yaml`,
        mode: publicMode,
        content: { kind: 'csr-manifest', of: kc.certificate },
      });
    }
  }
  if (kubeadm) {
    for (const node of kubeadm.nodes)
      files.push({ path: node.path, mode: privateMode, content: { kind: 'kubeadm-config', of: node.node } });
    files.push({
      path: 'bootstrap-token',
      mode: privateMode,
      content: { kind: 'bootstrap-token', of: 'bootstrap-token' },
    });
  }
  for (const file of rbac)
    files.push({ path: file.path, mode: publicMode, content: { kind: 'manifest', of: file.path } });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
