// The plan stage: everything kubepki issues and writes, as secret-free data.
export type * from './pki-plan';
export type * from './rbac-plan';
export type * from './rbac-objects';
export { RBAC_API_GROUP } from './rbac-objects';
export { planPki } from './plan-pki';
export { certificateContent } from './certificate-content';
