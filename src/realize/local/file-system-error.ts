/** Why the file system refused, in words, and what to do about it. */
const causes: Record<string, { cause: string; fix: string }> = {
  EROFS: { cause: 'the file system is read-only', fix: 'remount it read-write or choose another --out' },
  ENOSPC: { cause: 'the file system is full', fix: 'free some space and run generate again' },
  EDQUOT: { cause: 'your disk quota is exhausted', fix: 'free some space and run generate again' },
  EACCES: { cause: 'permission denied', fix: 'run as the owner of the directory, or fix its permissions' },
  EPERM: { cause: 'operation not permitted', fix: 'run as the owner of the directory, or fix its permissions' },
  ENOTDIR: { cause: 'a path component is a file, not a directory', fix: 'move that file away or choose another --out' },
  ELOOP: { cause: 'a path component is a symbolic link', fix: 'replace the link with a real directory or file' },
  EISDIR: { cause: 'a directory is where a file belongs', fix: 'move that directory away' },
  EMFILE: { cause: 'too many open files', fix: 'raise the open-file limit (ulimit -n)' },
  EIO: { cause: 'an input/output error from the device', fix: 'check the disk' },
};

/**
 * A file system refusal in the project's error style: which file, what was being done, why in words (read-only,
 * full, permission), and the fix. `unchanged` says whether the tree was left as it was.
 */
export class FileSystemError extends Error {
  readonly code: string;
  readonly path: string;

  constructor(action: string, file: string, error: unknown, consequence: string) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    const known = causes[code] ?? {
      cause: (error as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, ''),
      fix: 'fix the cause and run generate again',
    };
    super(`cannot ${action} ${file}: ${known.cause} (${code}); ${known.fix}. ${consequence}`);
    this.name = 'FileSystemError';
    this.code = code;
    this.path = file;
  }
}

/** Runs a file-system step; any errno error becomes a FileSystemError naming `file`. */
export function onFileSystem<T>(action: string, file: string, consequence: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof FileSystemError || !(error as NodeJS.ErrnoException).code) throw error;
    throw new FileSystemError(action, file, error, consequence);
  }
}
