export * from './kubeconfig';
export * from './file-tree';
export * from './rbac-manifests';
export * from './certificate-signing-request-manifest';
export * from './temporary-files';
export * from './kubeadm-config';
export * from './join-command';
export * from './service-account-key-labels';
