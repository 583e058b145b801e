// Offline Kubernetes RBAC evaluator: "can identity X do verb V on resource R in namespace N?", explained.
export * from './access-request';
export * from './aggregate-cluster-roles';
export * from './applicable-bindings';
export * from './authenticated-identity';
export * from './bootstrap-policy';
export * from './describe-access-request';
export * from './explain-access';
export * from './format-policy-rule';
export * from './is-cluster-admin-equivalent';
export * from './kubelet-node-name';
export * from './label-selector-matches';
export * from './rbac-objects';
export * from './rbac-policy';
export * from './rule-allows';
export * from './subject-applies-to';
