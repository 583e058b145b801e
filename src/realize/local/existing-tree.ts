import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PkiPlan } from '../../plan';
import type { TreeProblem } from './realize-error';

export interface ExistingFile {
  content: Buffer;
  mode: number;
}

/** What is on disk under the output directory, as far as the plan cares. */
export interface ExistingTree {
  /** Planned files that exist, by relative path. */
  files: Map<string, ExistingFile>;
  /** Files under the directory the plan does not name (a removed node or user, a moved super-admin.conf). */
  stale: string[];
  /** Modes of the planned directories that exist, by relative path. */
  directoryModes: Map<string, number>;
  /** Things in the way: a file where a directory belongs, a directory where a file belongs. */
  problems: TreeProblem[];
}

/** The directories the plan's files live in, parents first. */
export function plannedDirectories(plan: PkiPlan): string[] {
  const directories = new Set<string>();
  for (const file of plan.files) {
    const parent = path.dirname(file.path);
    // A top-level file (bootstrap-token) lives in the output directory itself, whose mode is the user's.
    if (parent === '.') continue;
    const parts = parent.split('/');
    for (let i = 1; i <= parts.length; i++) directories.add(parts.slice(0, i).join('/'));
  }
  return [...directories].sort();
}

/** pki/ (and pki/etcd/) and users/ hold keys: owner only. A node directory is /etc/kubernetes itself: 0755. */
export function plannedDirectoryMode(rel: string): number {
  return rel.split('/').includes('pki') || rel === 'users' ? 0o700 : 0o755;
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, child));
    else out.push(child);
  }
  return out;
}

/** Reads every planned file that exists under `dir`, and notes what else is there. Never throws for a bad tree. */
export function readExistingTree(plan: PkiPlan, dir: string): ExistingTree {
  const tree: ExistingTree = { files: new Map(), stale: [], directoryModes: new Map(), problems: [] };
  let top: fs.Stats | undefined;
  try {
    top = fs.statSync(dir);
  } catch {
    return tree; // a new directory
  }
  if (!top.isDirectory()) {
    tree.problems.push({ path: '.', code: 'not-a-directory', message: `the output directory ${dir} is a file: choose another --out` });
    return tree;
  }
  for (const rel of plannedDirectories(plan)) {
    try {
      const stat = fs.statSync(path.join(dir, rel));
      if (stat.isDirectory()) tree.directoryModes.set(rel, stat.mode & 0o777);
      else tree.problems.push({ path: rel, code: 'not-a-directory', message: 'is a file where a directory belongs: move it away' });
    } catch {
      // absent: created when written
    }
  }
  if (tree.problems.length > 0) return tree;
  const planned = new Set(plan.files.map((f) => f.path));
  for (const rel of listFiles(dir)) {
    if (!planned.has(rel)) tree.stale.push(rel);
  }
  for (const file of plan.files) {
    const full = path.join(dir, file.path);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      continue;
    }
    if (!stat.isFile()) {
      tree.problems.push({ path: file.path, code: 'unreadable', message: 'exists but is not a regular file: move it away' });
      continue;
    }
    try {
      tree.files.set(file.path, { content: fs.readFileSync(full), mode: stat.mode & 0o777 });
    } catch (error) {
      tree.problems.push({ path: file.path, code: 'unreadable', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): fix its permissions` });
    }
  }
  return tree;
}
