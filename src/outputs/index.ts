// The outputs stage: pure renderers of kubeconfigs, RBAC manifests and the planned file tree, and the names of the
// temporary files a generation leaves while it writes.
export { renderPlannedFile, type PkiMaterial } from './file-tree';
export {
  parseKubeconfig,
  parseOwnKubeconfig,
  renderKubeconfig,
  renderKubeconfigObject,
  sameKubeconfig,
  type ParsedKubeconfig,
} from './kubeconfig';
export { renderRbac, renderRbacFile, synthesizeRbacObjects } from './rbac-manifests';
export { commitJournalName, isTemporaryFileName, stagedFileName } from './temporary-files';
export { renderKubeadmConfig } from './kubeadm-config';
export { addClientKeyCommand, keepChosenContext } from './kubeconfig';
export { clusterTrustBundle } from './file-tree';
export { renderKeyOnlyKubeconfig } from './kubeconfig';
export { serviceAccountKeyIds } from './service-account-key-labels';
