import type { CertificateProfileName } from './certificate-profiles';
import { clusterAdminsGroup, mastersGroup, nodesGroup, nodeUserPrefix } from './kubernetes-names';

// Everything kubeadm writes under /etc/kubernetes, one row per kind of certificate, key or kubeconfig, as data. The
// planner loops over these rows × nodes; verify judges a tree kubeadm wrote (without a spec) by the same rows; the
// expiry table, the trust graph and the spec's reserved user names read them too. See the README, "What kubepki
// generate writes", for the same rows as a table.

/** kubeadm's three CAs, by the names `kubeadm certs check-expiration` prints; also their plan ids. */
export type KubeadmCaId = 'ca' | 'front-proxy-ca' | 'etcd-ca';

/** Which SANs a certificate gets: the CA's own name, kubeadm's apiserver rule, its etcd server/peer rule, or none. */
export type SanRule = 'ca-name' | 'apiserver' | 'etcd-server' | 'etcd-peer' | 'none';

/**
 * Which nodes hold the file: every control-plane node, only the first (kubeadm init writes it, join does not copy
 * it), or every node.
 */
export type NodeRule = 'control-plane' | 'first-control-plane' | 'every-node';

/** Where a kubeconfig points: the controlPlaneEndpoint, or the node's own apiserver. */
export type ServerRule = 'endpoint' | 'local';

/** A value that changed with kubeadm versions: the last entry whose `from` (Kubernetes minor) is ≤ the cluster's. */
export interface SinceMinor<T> {
  from: number;
  value: T;
}

/** A certificate kubeadm writes: a CA, a leaf under pki/, or the client certificate a kubeconfig embeds. */
export interface KubeadmCertificateRow {
  /** kubeadm's name for it, also the plan id on a node (`cp1/apiserver`): `ca`, `apiserver`, `etcd/server`, `admin.conf`. */
  id: string;
  kind: 'ca' | 'leaf' | 'kubeconfig';
  /** Path under a node directory without `.crt`/`.key` (`pki/etcd/server`); a kubeconfig's own file (`admin.conf`). */
  file: string;
  /** The name `kubeadm certs check-expiration` prints; absent when it does not list it. */
  expirationName?: string;
  /** The CA that signs it; a CA names itself. */
  issuer: KubeadmCaId;
  profile: CertificateProfileName;
  /** The CN: fixed, or with `{node}` for the node's name (etcd members, kubelets). */
  commonName: string;
  /** The O list by Kubernetes minor (kubeadm moved admin credentials off system:masters in 1.29). */
  organizations: SinceMinor<string[]>[];
  sans: SanRule;
  nodes: NodeRule;
  /** Kubeconfig server by minor (1.33+: a control-plane kubelet talks to its local apiserver). */
  server?: SinceMinor<ServerRule>[];
  /** Only with local (stacked) etcd. */
  localEtcdOnly?: boolean;
  /** First Kubernetes minor kubeadm writes it for (super-admin.conf: 1.29). */
  sinceMinor?: number;
  /** The component that presents it (the trust graph's client or server). */
  usedBy: string;
  /**
   * Whether something breaks when the subject differs (an authorizer or allow-list reads it), rather than it being
   * only unusual.
   */
  subjectMatters: boolean;
}

/** A key pair that is not a certificate: the service-account signing key. */
export interface KubeadmKeyPairRow {
  id: 'sa';
  kind: 'key-pair';
  /** Path under a node directory without `.key`/`.pub`. */
  file: string;
  nodes: NodeRule;
  usedBy: string;
}

export type KubeadmCatalogRow = KubeadmCertificateRow | KubeadmKeyPairRow;

const none: SinceMinor<string[]>[] = [{ from: 0, value: [] }];
const adminGroups: SinceMinor<string[]>[] = [
  { from: 0, value: [mastersGroup] },
  { from: 29, value: [clusterAdminsGroup] },
];
const etcdClientGroups: SinceMinor<string[]>[] = [
  { from: 0, value: [mastersGroup] },
  { from: 29, value: [] },
];

export const kubeadmCatalog: readonly KubeadmCatalogRow[] = [
  // The CAs: the same on every control-plane node (workers get ca.crt only).
  {
    id: 'ca',
    kind: 'ca',
    file: 'pki/ca',
    expirationName: 'ca',
    issuer: 'ca',
    profile: 'ca',
    commonName: 'kubernetes',
    organizations: none,
    sans: 'ca-name',
    nodes: 'control-plane',
    usedBy: 'cluster CA',
    subjectMatters: false,
  },
  {
    id: 'front-proxy-ca',
    kind: 'ca',
    file: 'pki/front-proxy-ca',
    expirationName: 'front-proxy-ca',
    issuer: 'front-proxy-ca',
    profile: 'ca',
    commonName: 'front-proxy-ca',
    organizations: none,
    sans: 'ca-name',
    nodes: 'control-plane',
    usedBy: 'front-proxy CA',
    subjectMatters: false,
  },
  {
    id: 'etcd-ca',
    kind: 'ca',
    file: 'pki/etcd/ca',
    expirationName: 'etcd-ca',
    issuer: 'etcd-ca',
    profile: 'ca',
    commonName: 'etcd-ca',
    organizations: none,
    sans: 'ca-name',
    nodes: 'control-plane',
    localEtcdOnly: true,
    usedBy: 'etcd CA',
    subjectMatters: false,
  },
  // Leaves under pki/, one per control-plane node.
  {
    id: 'apiserver',
    kind: 'leaf',
    file: 'pki/apiserver',
    expirationName: 'apiserver',
    issuer: 'ca',
    profile: 'server',
    commonName: 'kube-apiserver',
    organizations: none,
    sans: 'apiserver',
    nodes: 'control-plane',
    usedBy: 'kube-apiserver',
    subjectMatters: false,
  },
  {
    id: 'apiserver-kubelet-client',
    kind: 'leaf',
    file: 'pki/apiserver-kubelet-client',
    expirationName: 'apiserver-kubelet-client',
    issuer: 'ca',
    profile: 'client',
    commonName: 'kube-apiserver-kubelet-client',
    organizations: adminGroups,
    sans: 'none',
    nodes: 'control-plane',
    usedBy: 'kube-apiserver',
    subjectMatters: false,
  },
  // kube-apiserver's --requestheader-allowed-names=front-proxy-client rejects any other CN.
  {
    id: 'front-proxy-client',
    kind: 'leaf',
    file: 'pki/front-proxy-client',
    expirationName: 'front-proxy-client',
    issuer: 'front-proxy-ca',
    profile: 'client',
    commonName: 'front-proxy-client',
    organizations: none,
    sans: 'none',
    nodes: 'control-plane',
    usedBy: 'kube-apiserver',
    subjectMatters: true,
  },
  {
    id: 'etcd/server',
    kind: 'leaf',
    file: 'pki/etcd/server',
    expirationName: 'etcd-server',
    issuer: 'etcd-ca',
    profile: 'server-client',
    commonName: '{node}',
    organizations: none,
    sans: 'etcd-server',
    nodes: 'control-plane',
    localEtcdOnly: true,
    usedBy: 'etcd',
    subjectMatters: false,
  },
  {
    id: 'etcd/peer',
    kind: 'leaf',
    file: 'pki/etcd/peer',
    expirationName: 'etcd-peer',
    issuer: 'etcd-ca',
    profile: 'server-client',
    commonName: '{node}',
    organizations: none,
    sans: 'etcd-peer',
    nodes: 'control-plane',
    localEtcdOnly: true,
    usedBy: 'etcd',
    subjectMatters: false,
  },
  {
    id: 'etcd/healthcheck-client',
    kind: 'leaf',
    file: 'pki/etcd/healthcheck-client',
    expirationName: 'etcd-healthcheck-client',
    issuer: 'etcd-ca',
    profile: 'client',
    commonName: 'kube-etcd-healthcheck-client',
    organizations: etcdClientGroups,
    sans: 'none',
    nodes: 'control-plane',
    localEtcdOnly: true,
    usedBy: 'etcd health check',
    subjectMatters: false,
  },
  {
    id: 'apiserver-etcd-client',
    kind: 'leaf',
    file: 'pki/apiserver-etcd-client',
    expirationName: 'apiserver-etcd-client',
    issuer: 'etcd-ca',
    profile: 'client',
    commonName: 'kube-apiserver-etcd-client',
    organizations: etcdClientGroups,
    sans: 'none',
    nodes: 'control-plane',
    localEtcdOnly: true,
    usedBy: 'kube-apiserver',
    subjectMatters: false,
  },
  // The service-account signing key pair: not a certificate.
  { id: 'sa', kind: 'key-pair', file: 'pki/sa', nodes: 'control-plane', usedBy: 'kube-controller-manager' },
  // Kubeconfigs beside pki/, each embedding a client certificate signed by the cluster CA.
  {
    id: 'admin.conf',
    kind: 'kubeconfig',
    file: 'admin.conf',
    expirationName: 'admin.conf',
    issuer: 'ca',
    profile: 'client',
    commonName: 'kubernetes-admin',
    organizations: adminGroups,
    sans: 'none',
    nodes: 'control-plane',
    server: [{ from: 0, value: 'endpoint' }],
    usedBy: 'kubectl',
    subjectMatters: false,
  },
  // system:masters, unrevocable: kubeadm init writes it on the first node only; join never copies it.
  {
    id: 'super-admin.conf',
    kind: 'kubeconfig',
    file: 'super-admin.conf',
    expirationName: 'super-admin.conf',
    issuer: 'ca',
    profile: 'client',
    commonName: 'kubernetes-super-admin',
    organizations: [{ from: 0, value: [mastersGroup] }],
    sans: 'none',
    nodes: 'first-control-plane',
    server: [{ from: 0, value: 'endpoint' }],
    sinceMinor: 29,
    usedBy: 'kubectl',
    subjectMatters: false,
  },
  {
    id: 'controller-manager.conf',
    kind: 'kubeconfig',
    file: 'controller-manager.conf',
    expirationName: 'controller-manager.conf',
    issuer: 'ca',
    profile: 'client',
    commonName: 'system:kube-controller-manager',
    organizations: none,
    sans: 'none',
    nodes: 'control-plane',
    server: [{ from: 0, value: 'local' }],
    usedBy: 'kube-controller-manager',
    subjectMatters: true,
  },
  {
    id: 'scheduler.conf',
    kind: 'kubeconfig',
    file: 'scheduler.conf',
    expirationName: 'scheduler.conf',
    issuer: 'ca',
    profile: 'client',
    commonName: 'system:kube-scheduler',
    organizations: none,
    sans: 'none',
    nodes: 'control-plane',
    server: [{ from: 0, value: 'local' }],
    usedBy: 'kube-scheduler',
    subjectMatters: true,
  },
  // The Node authorizer and NodeRestriction only recognise system:node:<name> in group system:nodes. Not in
  // check-expiration: kubeadm's kubelet rotates its own client certificate. Workers always use the endpoint.
  {
    id: 'kubelet.conf',
    kind: 'kubeconfig',
    file: 'kubelet.conf',
    issuer: 'ca',
    profile: 'client',
    commonName: `${nodeUserPrefix}{node}`,
    organizations: [{ from: 0, value: [nodesGroup] }],
    sans: 'none',
    nodes: 'every-node',
    server: [
      { from: 0, value: 'endpoint' },
      { from: 33, value: 'local' },
    ],
    usedBy: 'kubelet',
    subjectMatters: true,
  },
];

/** The certificate rows: CAs, leaves and kubeconfigs. */
export const kubeadmCertificateRows: readonly KubeadmCertificateRow[] = kubeadmCatalog.filter(
  (r): r is KubeadmCertificateRow => r.kind !== 'key-pair',
);

/** The value of a version-dependent rule for a Kubernetes minor. */
export function sinceMinor<T>(values: readonly SinceMinor<T>[], minor: number): T {
  return values.filter((v) => v.from <= minor).at(-1)!.value;
}

/** The CN a row gives a certificate on a node. */
export function commonNameOn(row: KubeadmCertificateRow, node: string): string {
  return row.commonName.replace('{node}', node);
}

/** The row of a kubeadm CA. */
export function kubeadmCaRow(id: KubeadmCaId): KubeadmCertificateRow {
  return kubeadmCertificateRows.find((r) => r.kind === 'ca' && r.id === id)!;
}

/** Whether kubeadm writes a row's file for a cluster of this minor, with or without local etcd. */
export function rowApplies(row: KubeadmCatalogRow, minor: number, localEtcd: boolean): boolean {
  if (row.kind === 'key-pair') return true;
  return (row.sinceMinor === undefined || minor >= row.sinceMinor) && (!row.localEtcdOnly || localEtcd);
}
