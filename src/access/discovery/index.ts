export * from './builtin-api-resources';
export * from './resolve-resource-name';
