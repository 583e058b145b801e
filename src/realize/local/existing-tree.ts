import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PkiPlan } from '../../plan';

export interface ExistingFile {
  content: Buffer;
  mode: number;
}

/** Reads every file the plan names that already exists under `dir`; missing files are simply absent. */
export function readExistingTree(plan: PkiPlan, dir: string): Map<string, ExistingFile> {
  const existing = new Map<string, ExistingFile>();
  for (const file of plan.files) {
    const full = path.join(dir, file.path);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw error;
    }
    if (!stat.isFile()) throw new Error(`${file.path} exists but is not a regular file`);
    existing.set(file.path, { content: fs.readFileSync(full), mode: stat.mode & 0o777 });
  }
  return existing;
}
