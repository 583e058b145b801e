// Closed words every stage shares; no dependencies. kubeadm's catalog of what it writes is data here too, because
// spec (reserved names), plan, verify and review all read the same rows.
export { keyAlgorithms, type KeyAlgorithm } from './key-algorithm';
export type { ExtendedKeyUsage, KeyUsage } from './key-usage';
export type { CertificateContent } from './certificate-content';
export { caKeyHolders, type CaKeyHolder, type KeyHolder } from './key-holder';
export { clusterAdminsGroup, mastersGroup, nodesGroup, nodeUserName, nodeUserPrefix } from './kubernetes-names';
export {
  certificateProfiles,
  keyUsagesFor,
  type CertificateProfile,
  type CertificateProfileName,
} from './certificate-profiles';
export * from './kubeadm-catalog';
