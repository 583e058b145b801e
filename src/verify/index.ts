// Verification of a kubeadm PKI directory: findings with reasons, never a bare boolean; and the expiry report.
export * from './finding';
export * from './verify-pki';
export * from './load-kubeadm-tree';
export * from './read-kubeadm-tree';
export * from './verify-context';
export * from './expiry-report';
export * from './render-expiry-report';
export * from './render-findings';
export * from './san-covers-host';
export * from './kubeadm-pki-catalog';
