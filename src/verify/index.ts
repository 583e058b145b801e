// The verify stage: findings with reasons about a kubeadm PKI directory, never a bare boolean; and the expiry report.
export { verifyPki, type VerifyPkiOptions } from './verify-pki';
export { hasErrorFindings, type Finding, type FindingSeverity } from './finding';
export { renderFindingsJson, renderFindingsText } from './render-findings';
export { expiryReport, type ExpiryReport } from './expiry-report';
export { renderExpiryJson, renderExpiryText } from './render-expiry-report';
