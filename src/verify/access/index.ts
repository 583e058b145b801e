export * from './access-identity';
export * from './access-policy';
export * from './access-action';
export * from './check-expectations';
export * from './access-matrix';
export * from './render-access-report';
