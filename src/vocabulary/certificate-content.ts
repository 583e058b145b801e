import type { ExtendedKeyUsage, KeyUsage } from './key-usage';

/**
 * What a certificate says: its subject, SANs, usages, CA-ness and validity. The plan asks for it (`certificateContent`
 * of a CertificatePlan), crypto issues it, the Pulumi component hands it to its dynamic resource, and a parsed
 * certificate reports it (compare/ judges one against the other).
 */
export interface CertificateContent {
  commonName: string;
  /** One O per entry, in order (Kubernetes reads each as a group). */
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
  isCa: boolean;
  validityHours: number;
  /** basicConstraints pathLenConstraint of a CA; absent = unlimited. */
  pathLength?: number;
}
