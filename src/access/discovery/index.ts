export * from './discovery-tables';
export * from './resolve-resource-name';
