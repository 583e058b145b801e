import type { KeyAlgorithm } from '../vocabulary';

/** One `--flag=value` of a control-plane component, as kubeadm v1beta4's `extraArgs` list holds it. */
export interface KubeadmArgPlan {
  name: string;
  value: string;
}

/** How a node enters the cluster: `kubeadm init` (the first control-plane node) or `kubeadm join`. */
export type KubeadmNodeMode = 'init' | 'join-control-plane' | 'join';

/** One node's kubeadm configuration file. The bootstrap token and the CA pin are filled in at render time. */
export interface KubeadmNodePlan {
  node: string;
  mode: KubeadmNodeMode;
  /** The node's IP: localAPIEndpoint.advertiseAddress on control-plane nodes, the kubelet's --node-ip everywhere. */
  address?: string;
  /** Path of the file in the output tree (`cp1/kubeadm.yaml`). */
  path: string;
  /**
   * kubeadm preflight checks that refuse files kubepki put there on purpose (`FileAvailable--etc-kubernetes-kubelet.conf`
   * on every joining node, `...-pki-ca.crt` on workers): kubeadm reuses them once the check is skipped.
   */
  ignorePreflightErrors: string[];
}

/** The external etcd as kube-apiserver reaches it; the files are the user's, kubepki does not issue them. */
export interface KubeadmExternalEtcdPlan {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * Everything kubeadm's configuration must say so that `kubeadm init`/`join` accept the planned certificates as they
 * are: every value the certificates depend on, taken from the one spec. Secret-free: the bootstrap token and the CA
 * hash are material, not plan.
 */
export interface KubeadmConfigPlan {
  /** The `kubeadm.k8s.io` API version of the files (v1beta4: kubeadm 1.31 and newer). */
  apiVersion: 'kubeadm.k8s.io/v1beta4';
  /** Where a node directory goes on the node: `/etc/kubernetes`. */
  kubernetesDir: string;
  /** ClusterConfiguration.certificatesDir: `<kubernetesDir>/pki`. */
  certificatesDir: string;
  clusterName: string;
  kubernetesVersion: string;
  /** As the spec writes it (host[:port]); absent when the spec has none. */
  controlPlaneEndpoint?: string;
  /** host:port that joining nodes discover the cluster at (`discovery.bootstrapToken.apiServerEndpoint`). */
  discoveryEndpoint: string;
  networking: { serviceSubnet: string; podSubnet?: string; dnsDomain: string };
  apiServer: { certSANs: string[]; bindPort: number; extraArgs: KubeadmArgPlan[] };
  etcd: { local: { serverCertSANs: string[]; peerCertSANs: string[] } } | { external: KubeadmExternalEtcdPlan };
  encryptionAlgorithm: KeyAlgorithm;
  certificateValidityPeriod: string;
  caCertificateValidityPeriod: string;
  kubelet: {
    /** authentication.x509.clientCAFile: the CA kube-apiserver's kubelet client certificate chains to. */
    clientCAFile: string;
    clusterDomain: string;
    /** The kubelet serving certificate and key (absent: the kubelet signs its own, as kubeadm leaves it). */
    tlsCertFile?: string;
    tlsPrivateKeyFile?: string;
  };
  nodes: KubeadmNodePlan[];
}
