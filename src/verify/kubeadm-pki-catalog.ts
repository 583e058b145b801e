import type { ExtendedKeyUsage } from '../plan';

// kubeadm's file names and rules, written down independently of plan/: verify must judge a tree kubeadm wrote
// without a spec, so it cannot ask the planner what a file should say. See shared/reference/kubeadm-pki.md.

/** The three kubeadm CAs by the names `kubeadm certs check-expiration` prints. */
export type KubeadmCaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';

export interface KubeadmCaRule {
  name: KubeadmCaName;
  /** Path of the certificate under a node directory, without `.crt` / `.key`. */
  base: string;
  commonName: string;
}

export const kubeadmCas: readonly KubeadmCaRule[] = [
  { name: 'ca', base: 'pki/ca', commonName: 'kubernetes' },
  { name: 'etcd-ca', base: 'pki/etcd/ca', commonName: 'etcd-ca' },
  { name: 'front-proxy-ca', base: 'pki/front-proxy-ca', commonName: 'front-proxy-ca' },
];

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
  commonName: string | 'node-name';
  /** The O lists kubeadm writes across versions ([] = none); any other is reported. */
  organizations: string[][];
  extendedKeyUsages: ExtendedKeyUsage[];
  sans: SanRule;
  /** Whether something breaks when the CN differs (an authorizer or allow-list reads it), or it is only unusual. */
  commonNameMatters: boolean;
  /** Only present with local (stacked) etcd. */
  etcd: boolean;
}

const adminGroups = [['kubeadm:cluster-admins'], ['system:masters']];
const etcdClientGroups = [[], ['system:masters']];

export const kubeadmLeaves: readonly KubeadmLeafRule[] = [
  { baseName: 'apiserver', expirationName: 'apiserver', base: 'pki/apiserver', issuer: 'ca', commonName: 'kube-apiserver', organizations: [[]], extendedKeyUsages: ['serverAuth'], sans: 'apiserver', commonNameMatters: false, etcd: false },
  {
    baseName: 'apiserver-etcd-client',
    expirationName: 'apiserver-etcd-client',
    base: 'pki/apiserver-etcd-client',
    issuer: 'etcd-ca',
    commonName: 'kube-apiserver-etcd-client',
    organizations: etcdClientGroups,
    extendedKeyUsages: ['clientAuth'],
    sans: 'none',
    commonNameMatters: false,
    etcd: true,
  },
  {
    baseName: 'apiserver-kubelet-client',
    expirationName: 'apiserver-kubelet-client',
    base: 'pki/apiserver-kubelet-client',
    issuer: 'ca',
    commonName: 'kube-apiserver-kubelet-client',
    organizations: adminGroups,
    extendedKeyUsages: ['clientAuth'],
    sans: 'none',
    commonNameMatters: false,
    etcd: false,
  },
  {
    baseName: 'etcd/healthcheck-client',
    expirationName: 'etcd-healthcheck-client',
    base: 'pki/etcd/healthcheck-client',
    issuer: 'etcd-ca',
    commonName: 'kube-etcd-healthcheck-client',
    organizations: etcdClientGroups,
    extendedKeyUsages: ['clientAuth'],
    sans: 'none',
    commonNameMatters: false,
    etcd: true,
  },
  { baseName: 'etcd/peer', expirationName: 'etcd-peer', base: 'pki/etcd/peer', issuer: 'etcd-ca', commonName: 'node-name', organizations: [[]], extendedKeyUsages: ['serverAuth', 'clientAuth'], sans: 'etcd', commonNameMatters: false, etcd: true },
  { baseName: 'etcd/server', expirationName: 'etcd-server', base: 'pki/etcd/server', issuer: 'etcd-ca', commonName: 'node-name', organizations: [[]], extendedKeyUsages: ['serverAuth', 'clientAuth'], sans: 'etcd', commonNameMatters: false, etcd: true },
  {
    baseName: 'front-proxy-client',
    expirationName: 'front-proxy-client',
    base: 'pki/front-proxy-client',
    issuer: 'front-proxy-ca',
    commonName: 'front-proxy-client',
    organizations: [[]],
    extendedKeyUsages: ['clientAuth'],
    sans: 'none',
    // kube-apiserver's --requestheader-allowed-names=front-proxy-client rejects any other CN.
    commonNameMatters: true,
    etcd: false,
  },
];

export interface KubeadmKubeconfigRule {
  file: string;
  /** A fixed user, or `node` for kubelet.conf's `system:node:<name>`. */
  commonName: string | 'node';
  organizations: string[][];
  /** Whether only control-plane nodes hold it. */
  controlPlane: boolean;
  /** Whether an authorizer reads the CN/O, so a different one breaks the component. */
  subjectMatters: boolean;
  /** Listed by `kubeadm certs check-expiration` (kubelet.conf is not: kubeadm's kubelet rotates its own certificate). */
  inExpirationTable: boolean;
}

export const kubeadmKubeconfigs: readonly KubeadmKubeconfigRule[] = [
  { file: 'admin.conf', commonName: 'kubernetes-admin', organizations: adminGroups, controlPlane: true, subjectMatters: false, inExpirationTable: true },
  { file: 'controller-manager.conf', commonName: 'system:kube-controller-manager', organizations: [[]], controlPlane: true, subjectMatters: true, inExpirationTable: true },
  // The Node authorizer and NodeRestriction only recognise system:node:<name> in group system:nodes.
  { file: 'kubelet.conf', commonName: 'node', organizations: [['system:nodes']], controlPlane: false, subjectMatters: true, inExpirationTable: false },
  { file: 'scheduler.conf', commonName: 'system:kube-scheduler', organizations: [[]], controlPlane: true, subjectMatters: true, inExpirationTable: true },
  { file: 'super-admin.conf', commonName: 'kubernetes-super-admin', organizations: [['system:masters']], controlPlane: true, subjectMatters: false, inExpirationTable: true },
];

/** kubeadm's serving names of kube-apiserver inside the cluster (rule A, without the DNS-domain one). */
export const apiserverInClusterNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'];

/** The path of a CA's files under a node directory. */
export function caRule(name: KubeadmCaName): KubeadmCaRule {
  return kubeadmCas.find((c) => c.name === name)!;
}
