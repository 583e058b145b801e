import type { ParsedCertificate } from '../crypto';
import type { PkiPlan } from '../plan';
import type { KubeadmCaName } from './kubeadm-pki-catalog';

/** A certificate and the path (relative to the verified directory) it was read from. */
export interface LocatedCertificate {
  file: string;
  certificate: ParsedCertificate;
}

/** What every check may consult besides the node it looks at. */
export interface VerifyContext {
  now: Date;
  /** Certificates expiring within this many days get a warning. */
  expiryWindowDays: number;
  /** The cluster CA of the tree (`cas.get('ca')`: a control-plane node's pki/ca.crt, else a worker's). */
  clusterCa?: LocatedCertificate;
  /**
   * The tree's copy of each kubeadm CA (control-plane nodes first). kubeadm copies the same CAs to every control-plane
   * node, so a node that lost its own copy is still judged against the CA its peers trust, never skipped.
   */
  cas: ReadonlyMap<KubeadmCaName, LocatedCertificate>;
  /** Every apiserver serving certificate in the tree: kubeconfigs of workers and users dial one of them. */
  apiservers: LocatedCertificate[];
  plan?: PkiPlan;
  /** The offline roots of the plan's intermediate CAs, by CA id (verify --spec reads them from spec.pki.caParents). */
  parentCertificates?: ReadonlyMap<string, ParsedCertificate>;
}
