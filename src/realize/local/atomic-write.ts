import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes through a temporary file in the same directory and renames it over the target: a run killed half-way
 * leaves each file either old or new, never torn. The mode is set before the rename, so a key is never readable
 * by others, not even for an instant.
 */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temporary, 'wx', mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, content);
    // On disk before the rename, so a power loss cannot leave the new name pointing at an empty file.
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** Creates a directory (and parents) and sets its mode, so pki/ is 0700 even under a permissive umask. */
export function ensureDirectory(dir: string, mode: number): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  fs.chmodSync(dir, mode);
}
