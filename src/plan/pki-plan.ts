import type { CertificateProfileName, ExtendedKeyUsage, KeyAlgorithm, KeyHolder, KeyUsage } from '../vocabulary';
import type { ExpectationPlan, IdentityPlan, RbacFilePlan } from './rbac-plan';
import type { AuthorityPlan } from './plan-authorities';
import type { KubeadmConfigPlan } from './kubeadm-config-plan';

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
  /** Where this certificate's private key lives. */
  keyHolder: KeyHolder;
  /** Who signs it: its issuer's key holder. */
  signedBy: KeyHolder;
  /** The user's CSR file, as the spec names it (relative to the spec file); only when keyHolder is `user`. */
  csr?: string;
  /**
   * An intermediate CA's offline root: its certificate file as the spec names it (relative to the spec file). The root
   * signs the intermediate's CSR elsewhere; kubepki never sees its key. Absent for a self-signed CA and for leaves.
   */
  parent?: string;
  /** basicConstraints pathLenConstraint a CA must carry: 0 for an intermediate (it may sign leaves only). */
  pathLength?: number;
  /**
   * Name constraints an intermediate CA must carry: `no-host-names` for the front-proxy intermediate, whose only leaf
   * (front-proxy-client) is a client certificate without SANs, so that its key can certify no server.
   */
  nameConstraints?: 'no-host-names';
  /** A CA's generation, once its authority has been rotated (see AuthorityPlan). */
  generation?: number;
  /**
   * The generation a rotation is replacing: used as it is on disk (its algorithm and lifetime are what the rotation
   * changes), never created by a later stage, never reissued.
   */
  retiring?: true;
}

/** A bare key pair that is not a certificate: the service-account signing key. */
export interface KeyPairPlan {
  /** `sa`, or `sa-<generation>` once rotated. The signing key comes first. */
  id: string;
  algorithm: KeyAlgorithm;
  /** The key a rotation is replacing: its public half stays accepted until finish. */
  retiring?: true;
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
  /** `bundle`: further CA certificates after it, a trust bundle (kubeadm reads the first as the CA). */
  | { kind: 'certificate'; of: string; bundle?: string[] }
  | { kind: 'private-key'; of: string }
  /** `bundle`: further public keys after it (kube-apiserver's --service-account-key-file accepts several). */
  | { kind: 'public-key'; of: string; bundle?: string[] }
  | { kind: 'kubeconfig'; of: string }
  | { kind: 'manifest'; of: string }
  /** A certificates.k8s.io/v1 CertificateSigningRequest carrying a user's CSR, for the in-cluster approval path. */
  | { kind: 'csr-manifest'; of: string }
  /** An intermediate CA's PKCS#10 CSR (`<ca>.csr`), for its offline root to sign. */
  | { kind: 'certification-request'; of: string }
  /** A node's kubeadm configuration (`of` = node name); holds the bootstrap token, so it is written 0600. */
  | { kind: 'kubeadm-config'; of: string }
  /** The bootstrap token `kubeadm join` authenticates with: a secret, never in the plan itself. */
  | { kind: 'bootstrap-token'; of: 'bootstrap-token' };

export interface PlannedFile {
  /** Relative to the output directory: `cp1/pki/apiserver.crt`, `w1/kubelet.conf`, `users/alice.conf`. */
  path: string;
  /** 0o600 for keys, kubeconfigs, kubeadm configurations and the bootstrap token, 0o644 for certificates, public keys and manifests. */
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
    /** `spec.pki.renewBefore` in hours; absent = the default window of `renewBeforeHours()` (a third of each leaf's validity). */
    renewBeforeHours?: number;
  };
  nodes: NodePlan[];
  /** Every CA and the sa key with its rotation stage; present once a rotation has begun (read it with authoritiesOf). */
  authorities?: AuthorityPlan[];
  certificates: CertificatePlan[];
  keyPairs: KeyPairPlan[];
  kubeconfigs: KubeconfigPlan[];
  /** RBAC manifests by file, in apply order. */
  rbac: RbacFilePlan[];
  /** Every identity the cluster's credentials carry, and the spec's service accounts. */
  identities: IdentityPlan[];
  /** The spec's access expectations. */
  expectations: ExpectationPlan[];
  /** Per-node kubeadm configuration; absent before Kubernetes 1.31 (kubeadm without the v1beta4 API). */
  kubeadm?: KubeadmConfigPlan;
  files: PlannedFile[];
}
