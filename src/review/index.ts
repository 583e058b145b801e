// The review stage: secret-free inventory, semantic PKI diff and trust graph, for pull requests.
export { buildInventory, type Inventory } from './inventory';
export { renderInventoryJson, renderInventoryMarkdown, renderInventoryYaml } from './render-inventory';
export { diffExitCode, diffPlans, type PlanDiff } from './diff-plans';
export { renderDiffJson, renderDiffMarkdown } from './render-plan-diff';
export { trustGraph, type TrustGraph } from './trust-graph';
export { renderTrustGraphDot, renderTrustGraphMarkdown, renderTrustGraphMermaid } from './render-trust-graph';
export { type RolloutStep } from './rotation-review';
export { type TrustEdge } from './trust-graph';
