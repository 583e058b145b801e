// The offline engine: reconcile a plan against a directory.
export { realizeLocal, type RealizeObserver, type RealizeOptions, type RealizeReport } from './realize-local';
export type { FileAction, FileChange } from './describe-change';
export { RealizeError } from './realize-error';
export { FileSystemError } from './file-system-error';
export { OutputLockedError } from './output-lock';
export { ensureOutputDirectory } from './preflight';
export * from './request-certificates';
