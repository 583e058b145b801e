import type { CertificateProfileName, ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../vocabulary';
import type { ExpectationPlan, IdentityPlan, RbacFilePlan } from './rbac-plan';

export interface CertificateSubjectPlan {
  commonName: string;
  /** One O per entry, in order (Kubernetes reads each as a group). */
  organizations: string[];
}

export interface SubjectAltNamesPlan {
  /** Deduplicated and sorted, as kubeadm writes them. */
  dnsNames: string[];
  /** Deduplicated in order of first appearance. */
  ipAddresses: string[];
}

/** One certificate and its private key, as data: everything needed to issue or check it, no key material. */
export interface CertificatePlan {
  /** Stable id: `ca`, `etcd-ca`, `cp1/apiserver`, `cp1/admin.conf`, `users/alice.conf`. Resource names derive from it. */
  id: string;
  /** Its file name under pki/ or beside it, without extension (`apiserver`, `etcd/server`, `admin.conf`). */
  name: string;
  /** The node whose directory holds it; absent for shared CAs and user certificates. */
  node?: string;
  /** Id of the issuing CA; a CA names itself. */
  issuer: string;
  profile: CertificateProfileName;
  isCa: boolean;
  subject: CertificateSubjectPlan;
  sans: SubjectAltNamesPlan;
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
  validityHours: number;
  algorithm: KeyAlgorithm;
  /** `pki` for files under pki/, `kubeconfig` for the client certificate embedded in a kubeconfig. */
  storage: 'pki' | 'kubeconfig';
}

/** A bare key pair that is not a certificate: the service-account signing key. */
export interface KeyPairPlan {
  id: 'sa';
  algorithm: KeyAlgorithm;
}

export interface KubeconfigContextPlan {
  name: string;
  namespace?: string;
}

/** A kubeconfig: one cluster, one user with an embedded client certificate, one or more contexts. */
export interface KubeconfigPlan {
  /** Same id as the client certificate it embeds. */
  id: string;
  node?: string;
  /** File name as kubeadm writes it (`admin.conf`) or the user's (`alice.conf`). */
  name: string;
  /** Id of the embedded client certificate. */
  certificate: string;
  clusterName: string;
  server: string;
  userName: string;
  contexts: KubeconfigContextPlan[];
  currentContext: string;
}

/** What a planned file holds. `of` names a certificate, key pair or kubeconfig id. */
export type PlannedFileContent =
  | { kind: 'certificate'; of: string }
  | { kind: 'private-key'; of: string }
  | { kind: 'public-key'; of: string }
  | { kind: 'kubeconfig'; of: string }
  | { kind: 'manifest'; of: string };

export interface PlannedFile {
  /** Relative to the output directory: `cp1/pki/apiserver.crt`, `w1/kubelet.conf`, `users/alice.conf`. */
  path: string;
  /** 0o600 for keys and kubeconfigs, 0o644 for certificates, public keys and manifests. */
  mode: number;
  content: PlannedFileContent;
}

export interface NodePlan {
  name: string;
  role: 'control-plane' | 'worker';
  address?: string;
}

/** The whole PKI as data. Pure and secret-free: the same spec always gives the same plan. */
export interface PkiPlan {
  apiVersion: 'kubepki.io/v1alpha1';
  kind: 'PkiPlan';
  metadata: { name: string };
  cluster: {
    clusterName: string;
    kubernetesVersion: string;
    algorithm: KeyAlgorithm;
    dnsDomain: string;
    /** The apiserver URL kubeconfigs outside the control plane use. */
    endpoint: string;
    /** The service-account token issuer kube-apiserver uses by default under kubeadm. */
    serviceAccountIssuer: string;
    etcd: 'local' | 'external';
    /** Reissue leaves this many hours before they expire; absent = only when expired. */
    renewBeforeHours?: number;
  };
  nodes: NodePlan[];
  certificates: CertificatePlan[];
  keyPairs: KeyPairPlan[];
  kubeconfigs: KubeconfigPlan[];
  /** RBAC manifests by file, in apply order. */
  rbac: RbacFilePlan[];
  /** Every identity the cluster's credentials carry, and the spec's service accounts. */
  identities: IdentityPlan[];
  /** The spec's access expectations. */
  expectations: ExpectationPlan[];
  files: PlannedFile[];
}
