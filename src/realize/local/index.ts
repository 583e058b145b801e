export * from './realize-local';
export * from './realize-error';
export { FileSystemError } from './file-system-error';
export { OutputLockedError } from './output-lock';
export { ensureOutputDirectory } from './preflight';
export * from './request-certificates';
