export * from './key-algorithms';
export * from './key-pair';
export * from './issue-certificate';
export * from './parsed-certificate';
export * from './service-account-token';
export * from './key-pool';
export * from './public-key-pin';
export * from './bootstrap-token';
