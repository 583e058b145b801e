import {
  certificateProfiles,
  kubeadmCaRow,
  kubeadmCertificateRows,
  type ExtendedKeyUsage,
  type KubeadmCaId,
  type KubeadmCertificateRow,
  type SinceMinor,
} from '../vocabulary';

// verify judges a tree kubeadm wrote without a spec, so it cannot ask the planner what a file should say: it reads
// the kubeadm catalog's rows directly, accepting every subject kubeadm wrote across the versions a row lists.

/** The three kubeadm CAs by the names `kubeadm certs check-expiration` prints. */
export type KubeadmCaName = KubeadmCaId;

export interface KubeadmCaRule {
  name: KubeadmCaName;
  /** Path of the certificate under a node directory, without `.crt` / `.key`. */
  base: string;
  commonName: string;
}

const byText =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
const rowsOf = (kind: KubeadmCertificateRow['kind']) => kubeadmCertificateRows.filter((r) => r.kind === kind);
// Newest first, as findings word it: "kubeadm writes kubeadm:cluster-admins or system:masters".
const everyVersion = (values: readonly SinceMinor<string[]>[]) => values.map((v) => v.value).reverse();

export const kubeadmCas: readonly KubeadmCaRule[] = rowsOf('ca')
  .map((r) => ({ name: r.id as KubeadmCaName, base: r.file, commonName: r.commonName }))
  .sort(byText((c) => c.name));

/** Which SANs a leaf needs: kubeadm's rule A (apiserver), rule B (etcd server and peer), or none. */
export type SanRule = 'apiserver' | 'etcd' | 'none';

export interface KubeadmLeafRule {
  /** kubeadm's base name (`apiserver`, `etcd/server`). */
  baseName: string;
  /** The name `kubeadm certs check-expiration` prints (`etcd-server`). */
  expirationName: string;
  /** Path under a node directory, without extension. */
  base: string;
  issuer: KubeadmCaName;
  /** A fixed CN, or `node-name` for etcd's member certificates. */
  commonName: string;
  /** The O lists kubeadm writes across versions ([] = none); any other is reported. */
  organizations: string[][];
  extendedKeyUsages: ExtendedKeyUsage[];
  sans: SanRule;
  /** Whether something breaks when the CN differs (an authorizer or allow-list reads it), or it is only unusual. */
  commonNameMatters: boolean;
  /** Only present with local (stacked) etcd. */
  etcd: boolean;
}

export const kubeadmLeaves: readonly KubeadmLeafRule[] = rowsOf('leaf')
  .map((r) => ({
    baseName: r.id,
    expirationName: r.expirationName!,
    base: r.file,
    issuer: r.issuer,
    commonName: r.commonName === '{node}' ? 'node-name' : r.commonName,
    organizations: everyVersion(r.organizations),
    extendedKeyUsages: certificateProfiles[r.profile].extendedKeyUsages,
    sans:
      r.sans === 'apiserver'
        ? ('apiserver' as const)
        : r.sans === 'etcd-server' || r.sans === 'etcd-peer'
          ? ('etcd' as const)
          : ('none' as const),
    commonNameMatters: r.subjectMatters,
    etcd: r.localEtcdOnly === true,
  }))
  .sort(byText((l) => l.baseName));

export interface KubeadmKubeconfigRule {
  file: string;
  /** A fixed user, or `node` for kubelet.conf's `system:node:<name>`. */
  commonName: string;
  organizations: string[][];
  /** Whether only control-plane nodes hold it. */
  controlPlane: boolean;
  /** Whether an authorizer reads the CN/O, so a different one breaks the component. */
  subjectMatters: boolean;
  /** Listed by `kubeadm certs check-expiration` (kubelet.conf is not: kubeadm's kubelet rotates its own certificate). */
  inExpirationTable: boolean;
}

export const kubeadmKubeconfigs: readonly KubeadmKubeconfigRule[] = rowsOf('kubeconfig')
  .map((r) => ({
    file: r.file,
    commonName: r.commonName.includes('{node}') ? 'node' : r.commonName,
    organizations: everyVersion(r.organizations),
    controlPlane: r.nodes !== 'every-node',
    subjectMatters: r.subjectMatters,
    inExpirationTable: r.expirationName !== undefined,
  }))
  .sort(byText((k) => k.file));

/** kubeadm's serving names of kube-apiserver inside the cluster (rule A, without the DNS-domain one). */
export const apiserverInClusterNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'];

/** The path of a CA's files under a node directory. */
export function caRule(name: KubeadmCaName): KubeadmCaRule {
  const row = kubeadmCaRow(name);
  return { name, base: row.file, commonName: row.commonName };
}
