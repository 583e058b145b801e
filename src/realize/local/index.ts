// The offline engine: reconcile a plan against a directory.
export { realizeLocal, type FileAction, type FileChange, type RealizeOptions, type RealizeReport } from './realize-local';
export { RealizeError } from './realize-error';
export { writeFileAtomic } from './atomic-write';
