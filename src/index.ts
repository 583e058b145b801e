// The package entry point for library users: the documented API only (listed in the README, "How the code is
// organised"). Stages have their own index.ts for use inside the package. @peculiar/x509 needs a Reflect polyfill
// before it loads.
import 'reflect-metadata';

// spec: the cluster spec, its schema and its errors.
export { defineCluster } from './spec/define-cluster';
export { parseSpec } from './spec/parse-spec';
export { loadSpecFile } from './spec/load-spec';
export { SpecError, type SpecIssue } from './spec/spec-error';
export { clusterSpecJsonSchema } from './spec/cluster-spec-json-schema';
export type { ClusterSpec, ClusterSpecInput } from './spec/cluster-spec-schema';

// plan: the secret-free plan of everything kubepki issues and writes.
export { planPki } from './plan/plan-pki';
export type { PkiPlan, CertificatePlan, KeyPairPlan, KubeconfigPlan, NodePlan, PlannedFile } from './plan/pki-plan';

// realize: the offline engine (the Pulumi component is `kubepki/pulumi`).
export {
  realizeLocal,
  type RealizeOptions,
  type RealizeReport,
  type FileChange,
  type FileAction,
} from './realize/local/realize-local';
export { RealizeError } from './realize/local/realize-error';
export { FileSystemError } from './realize/local/file-system-error';
export { OutputLockedError } from './realize/local/output-lock';

// verify: findings about a directory, and its expiry report.
export { verifyPki, type VerifyPkiOptions } from './verify/verify-pki';
export type { Finding, FindingSeverity } from './verify/finding';
export { expiryReport, type ExpiryReport } from './verify/expiry-report';

// access: offline answers to "who may do what".
export { accessPolicyOf } from './access/access-policy';
export { RbacPolicy, type Decision } from './access/rbac-policy';
export { resolveIdentity } from './access/access-identity';
export { parseAccessAction } from './access/access-action';
export { buildAccessReport, type AccessReport } from './access/access-matrix';
export { checkExpectations, type ExpectationResult } from './access/check-expectations';

// review: inventory, PKI diff and trust graph of plans.
export { buildInventory, type Inventory } from './review/inventory';
export { diffPlans, diffExitCode, type PlanDiff } from './review/diff-plans';
export { trustGraph, type TrustGraph } from './review/trust-graph';

// service-account tokens signed with the tree's sa.key.
export { mintServiceAccountToken, verifyServiceAccountToken } from './crypto/service-account-token';
