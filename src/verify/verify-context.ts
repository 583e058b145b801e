import type { ParsedCertificate } from '../crypto';
import type { PkiPlan } from '../plan';

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
  /** The cluster CA of the tree (the first control-plane node's pki/ca.crt), for nodes without their own copy. */
  clusterCa?: LocatedCertificate;
  /** Every apiserver serving certificate in the tree: kubeconfigs of workers and users dial one of them. */
  apiservers: LocatedCertificate[];
  plan?: PkiPlan;
}
