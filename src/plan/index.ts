export * from './pki-plan';
export * from './plan-pki';
export * from './certificate-profiles';
export * from './subject-alt-names';
export * from './kubeconfig-endpoints';
export * from './kubeadm-identities';
export * from './certificate-drift';
