// The access stage: an offline Kubernetes RBAC evaluator ("can identity X do verb V on resource R in namespace N?",
// explained), the bootstrap policy it starts from, the access matrix of a plan and the spec's expectations.
export { RbacPolicy, type Decision } from './rbac-policy';
export { clusterAdminPath } from './is-cluster-admin-equivalent';
export { accessPolicyOf } from './access-policy';
export { resolveIdentity, type ResolvedIdentity } from './access-identity';
export { parseAccessAction } from './access-action';
export { buildAccessReport, commonActions, namespacesOf, type AccessReport } from './access-matrix';
export { checkExpectations, type ExpectationResult } from './check-expectations';
export { describeFailedExpectation, renderAccessMarkdown } from './render-access-report';
export { resolveAccessAction } from './access-action';
export {
  discoveryTableFor,
  discoveryTableMinors,
  resolveResourceName,
  type ApiResource,
  type ChosenDiscoveryTable,
  type DiscoveryTable,
} from './discovery';
export { identityOfPlan } from './access-identity';
export { listAllowedRules, renderRulesList } from './list-allowed-rules';
export { renderAccessText } from './render-access-report';
