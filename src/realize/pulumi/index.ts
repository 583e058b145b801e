export * from './kube-pki';
export * from './multi-group-certificate';
export * from './tls-provider-mapping';
export * from './apply-rbac';
export * from './pki-file';
export * from './authority-changes';
export * from './bootstrap-token';
