// The plan stage: everything kubepki issues and writes, as secret-free data.
export type * from './pki-plan';
export type * from './rbac-plan';
export type * from './rbac-objects';
export { RBAC_API_GROUP } from './rbac-objects';
export { planPki } from './plan-pki';
export { certificateContent } from './certificate-content';
export { type KubeadmConfigPlan, type KubeadmNodePlan } from './kubeadm-config-plan';
export { authoritiesOf, authorityOfId, authorityTitles, generationName, type AuthorityPlan } from './plan-authorities';
export { renewBeforeHours } from './renewal-window';
export { externalCaExchangeFiles, externalCaExchanges, type ExternalCaExchange } from './external-ca-exchange';
export { isNextRotationStage, rotationOrderRefusal, type RotationStage } from './rotation-order';
export { authorityRows } from './plan-authorities';
