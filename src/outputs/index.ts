// The outputs stage: pure renderers of kubeconfigs, RBAC manifests and the planned file tree.
export { renderPlannedFile, type PkiMaterial } from './file-tree';
export { parseKubeconfig, renderKubeconfig, renderKubeconfigObject, sameKubeconfig, type ParsedKubeconfig } from './kubeconfig';
export { renderRbac, renderRbacFile, synthesizeRbacObjects } from './rbac-manifests';
