import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { stagedFileName } from '../../outputs';
import { FileSystemError, onFileSystem } from './file-system-error';
import { RealizeError } from './realize-error';

const nothingWritten = 'Nothing was written.';

/**
 * Creates the output directory, one level at a time so that the error names the level that failed and its real
 * cause (a recursive mkdir on a read-only mount reports ENOENT). Cheap and key-free: `generate` calls it before it
 * starts generating any key.
 */
export function ensureOutputDirectory(dir: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      if (!fs.statSync(current).isDirectory()) {
        if (current === path.resolve(dir))
          throw new RealizeError([
            {
              path: '.',
              code: 'not-a-directory',
              message: `the output directory ${dir} is a file: choose another --out`,
            },
          ]);
        throw new FileSystemError('create', dir, Object.assign(new Error(''), { code: 'ENOTDIR' }), nothingWritten);
      }
      break;
    } catch (error) {
      if (
        error instanceof FileSystemError ||
        error instanceof RealizeError ||
        (error as NodeJS.ErrnoException).code !== 'ENOENT' ||
        current === path.dirname(current)
      )
        throw error;
      missing.unshift(current);
    }
  }
  for (const level of missing)
    onFileSystem('create', level, nothingWritten, () => fs.mkdirSync(level, { mode: 0o755 }));
  // A new or empty directory is about to receive a whole tree: prove it takes a file now. An existing tree is probed
  // by preflightChange, only where the change writes, so a no-op run writes nothing at all.
  if (missing.length > 0 || fs.readdirSync(dir).length === 0)
    probeWrite(path.join(dir, stagedFileName('preflight', randomBytes(6).toString('hex'))), dir);
}

/** Writes and removes a file: read-only mounts, permissions and a full disk show here, before any key exists. */
function probeWrite(probe: string, shownAs: string): void {
  onFileSystem('write into', shownAs, nothingWritten, () => {
    const fd = fs.openSync(
      probe,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o600,
    );
    try {
      fs.writeSync(fd, Buffer.alloc(4096));
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(probe, { force: true });
    }
  });
}

/**
 * Before any key is generated: creates the missing planned directories (parents first, with their modes), checks
 * that each directory the change writes into takes a file, and that the file system has room for the change (`bytes`, a generous estimate).
 * A directory created here needs no probe: the mkdir itself was the write, and kubepki owns it with its planned mode
 * (probing each of a large tree's 500 new node directories cost a second).
 */
export function preflightChange(
  dir: string,
  missingDirectories: readonly { path: string; mode: number }[],
  receiving: readonly string[],
  bytes: number,
): void {
  for (const d of missingDirectories) {
    onFileSystem('create', d.path, nothingWritten, () => {
      fs.mkdirSync(path.join(dir, d.path), { mode: d.mode });
      fs.chmodSync(path.join(dir, d.path), d.mode); // under any umask
    });
  }
  const created = new Set(missingDirectories.map((d) => d.path));
  for (const d of receiving.filter((r) => !created.has(r)))
    probeWrite(
      path.join(dir, d, stagedFileName('preflight', randomBytes(6).toString('hex'))),
      d === '.' ? dir : `${d}/`,
    );
  let free: number | undefined;
  try {
    const stats = fs.statfsSync(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    free = undefined; // statfs is missing on some platforms: the staged writes still fail cleanly
  }
  if (free !== undefined && free < bytes) {
    throw new FileSystemError(
      'write into',
      dir,
      Object.assign(new Error(''), { code: 'ENOSPC' }),
      `${nothingWritten} The change needs about ${Math.ceil(bytes / 1024)} KiB; ${Math.floor(free / 1024)} KiB are free.`,
    );
  }
}
