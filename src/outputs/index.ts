export * from './kubeconfig';
export * from './file-tree';
