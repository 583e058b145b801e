// Review artifacts for pull requests: secret-free inventory, semantic PKI diff, trust graph.
export * from './inventory';
export * from './render-inventory';
export * from './identity-access';
export * from './certificate-changes';
export * from './diff-rbac';
export * from './diff-access';
export * from './diff-impact';
export * from './diff-plans';
export * from './render-plan-diff';
export * from './rotation-review';
export * from './trust-graph';
export * from './render-trust-graph';
