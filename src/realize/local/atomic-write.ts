import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

const newFileFlags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Creates a file that must not exist yet and puts its content on disk. O_EXCL | O_NOFOLLOW: never through a link,
 * never over a file someone else made; the mode is set before the first byte, so a key is never readable by others,
 * not even for an instant; fdatasync before returning, so a later rename never points at an empty file.
 */
export function writeNewFile(full: string, content: string, mode: number): void {
  const fd = fs.openSync(full, newFileFlags, mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, content);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * {@link writeNewFile} on libuv's thread pool: the engine stages a tree's files several at a time, so that the waits
 * for the disk overlap each other and the main thread instead of adding up.
 */
export async function writeNewFileAsync(full: string, content: string, mode: number): Promise<void> {
  const handle = await fsp.open(full, newFileFlags, mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes one file outside the engine's journal (`token --kubeconfig`): through a new file in the same directory,
 * renamed over the target, so a killed run leaves the file either old or new, never torn.
 */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  writeNewFile(temporary, content, mode);
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
