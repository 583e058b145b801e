// The package entry point for library users. @peculiar/x509 needs a Reflect polyfill before it loads.
import 'reflect-metadata';

export * from './spec';
export * from './plan';
export * from './crypto';
export * from './outputs';
export * from './realize/local';
export * from './verify';
export * from './verify/rbac';
export * from './verify/access';
export * from './review';
