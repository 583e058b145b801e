import * as fs from 'node:fs';
import * as path from 'node:path';
import { externalCaExchangeFiles, type PkiPlan } from '../../plan';
import { commitJournalName, isTemporaryFileName } from '../../outputs';
import type { TreeProblem } from './realize-error';

export interface TreeFile {
  readonly content: Buffer;
  readonly mode: number;
}

/** What is under the output directory, read with lstat: nothing is ever followed through a symbolic link. */
export interface OutputTree {
  /** Planned files that exist, and the external-CA exchange files (CSRs, returned certificates), by relative path. */
  readonly files: ReadonlyMap<string, TreeFile>;
  /** Files under the directory the plan does not name (a removed node or user, a moved super-admin.conf). */
  readonly stale: readonly string[];
  /** Files an interrupted run staged a change in: they may hold keys, so the next run removes them. */
  readonly temporaries: readonly string[];
  /** An interrupted run's committed change, to be completed before anything else. */
  readonly pendingJournal: boolean;
  /** Modes of the planned directories that exist, by relative path. */
  readonly directoryModes: ReadonlyMap<string, number>;
  /** Things in the way: links, a file where a directory belongs, files owned by someone else. */
  readonly problems: readonly TreeProblem[];
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

function describeLink(full: string): string {
  try {
    return `a symbolic link to ${fs.readlinkSync(full)}`;
  } catch {
    return 'a symbolic link';
  }
}

const linkFix = 'kubepki never writes, reads or prunes through a link; replace it with the real directory or file';

/** Whom a file should belong to: the user running generate. Undefined where the platform has no uids. */
const expectedOwner = process.geteuid?.();

/**
 * Reads every planned file under `dir` and notes everything else there. Never throws for a bad tree: problems are
 * collected so that one run reports all of them.
 */
export function readOutputTree(plan: PkiPlan, dir: string): OutputTree {
  const files = new Map<string, TreeFile>();
  const stale: string[] = [];
  const temporaries: string[] = [];
  const directoryModes = new Map<string, number>();
  const problems: TreeProblem[] = [];
  let pendingJournal = false;
  const tree = () => ({ files, stale, temporaries, pendingJournal, directoryModes, problems });

  let top: fs.Stats;
  try {
    top = fs.lstatSync(dir);
  } catch {
    return tree(); // a new directory
  }
  if (top.isSymbolicLink()) {
    problems.push({
      path: '.',
      code: 'symlink',
      message: `the output directory ${dir} is ${describeLink(dir)}: ${linkFix}, or pass the link's target as --out`,
    });
    return tree();
  }
  if (!top.isDirectory()) {
    problems.push({
      path: '.',
      code: 'not-a-directory',
      message: `the output directory ${dir} is not a directory: choose another --out`,
    });
    return tree();
  }
  const plannedFiles = new Map(plan.files.map((f) => [f.path, f]));
  const plannedDirs = new Set(plannedDirectories(plan));
  // kubeadm's external-CA exchange beside the planned files: read (a returned certificate is input), never stale.
  const exchangeFiles = externalCaExchangeFiles(plan);
  const checkOwner = (rel: string, stat: fs.Stats) => {
    if (expectedOwner !== undefined && stat.uid !== expectedOwner) {
      problems.push({
        path: rel,
        code: 'owner',
        message: `is owned by uid ${stat.uid}, not by the user running generate (uid ${expectedOwner}): chown it back, or remove it to have it issued again`,
      });
    }
  };

  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (error) {
      problems.push({
        path: rel || '.',
        code: 'unreadable',
        message: `cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'}): fix its permissions`,
      });
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, child);
      if (entry.isSymbolicLink()) {
        problems.push({ path: child, code: 'symlink', message: `is ${describeLink(full)}: ${linkFix}` });
        continue;
      }
      if (entry.isDirectory()) {
        if (plannedFiles.has(child))
          problems.push({
            path: child,
            code: 'not-a-directory',
            message: 'is a directory where a file belongs: move it away',
          });
        if (plannedDirs.has(child)) {
          const stat = fs.lstatSync(full);
          directoryModes.set(child, stat.mode & 0o777);
          checkOwner(`${child}/`, stat);
        }
        walk(child);
        continue;
      }
      if (!rel && entry.name === commitJournalName) {
        pendingJournal = true;
        continue;
      }
      if (isTemporaryFileName(entry.name)) {
        temporaries.push(child);
        continue;
      }
      if (plannedDirs.has(child)) {
        problems.push({
          path: child,
          code: 'not-a-directory',
          message: 'is a file where a directory belongs: move it away',
        });
        continue;
      }
      const planned = plannedFiles.get(child) ?? exchangeFiles.has(child);
      if (!planned) {
        stale.push(child);
        continue;
      }
      if (!entry.isFile()) {
        problems.push({ path: child, code: 'unreadable', message: 'exists but is not a regular file: move it away' });
        continue;
      }
      readPlannedFile(full, child);
    }
  };
  const readPlannedFile = (full: string, rel: string) => {
    let fd: number;
    try {
      // O_NOFOLLOW: a link swapped in since the listing is refused, not followed.
      fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      problems.push(
        code === 'ELOOP'
          ? { path: rel, code: 'symlink', message: `is ${describeLink(full)}: ${linkFix}` }
          : { path: rel, code: 'unreadable', message: `cannot be read (${code}): fix its permissions` },
      );
      return;
    }
    try {
      const stat = fs.fstatSync(fd);
      checkOwner(rel, stat);
      files.set(rel, { content: fs.readFileSync(fd), mode: stat.mode & 0o777 });
    } finally {
      fs.closeSync(fd);
    }
  };
  walk('');
  return tree();
}
