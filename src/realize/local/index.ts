export * from './realize-local';
export * from './realize-error';
export * from './reconcile-material';
export * from './existing-tree';
