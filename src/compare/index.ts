// The one judge of "is this what the plan says, and what would generate do with it": certificates against the plan
// (drift, and the part of it generate acts on), kubeconfigs, rbac/ files by content, and one plan against another
// for review. realize/local, verify --spec and review all ask here.
export {
  actionableDrift,
  certificateDrift,
  hasKubeadmBackdate,
  type CertificateDrift,
  type CertificateFacts,
} from './certificate-drift';
export { certificateChanges, setDelta, type FieldChange } from './certificate-changes';
export { kubeconfigDrift, type KubeconfigFacts } from './kubeconfig-drift';
export { rbacFileHolds } from './rbac-file-holds';
export {
  locateAuthorities,
  treeRotationStages,
  type LocatedAuthorities,
  type LocatedCa,
  type LocatedServiceAccountKey,
  type RotationOrderProblem,
  type TreeReader,
} from './locate-authorities';
