import * as path from 'node:path';
import type { PkiPlan } from '../../plan';
import { plannedDirectoryMode, readOutputTree, type OutputTree } from './read-output-tree';
import type { FileChange } from './describe-change';
import { ensureOutputDirectory, preflightChange } from './preflight';
import { OutputLock } from './output-lock';
import { completeInterruptedChange, hasPendingJournal, removeTemporaries } from './commit-change';
import { WriteCounter } from './write-counter';

/** How long to wait for another run writing the same directory, and who to tell. */
export interface LockOptions {
  /** @default 60000 */
  lockWaitMs?: number;
  onLockWait?: (holder: string) => void;
}

/** The tree as one locked run sees it, after an interrupted run's change was completed and its staged files removed. */
export interface LockedTree {
  readonly tree: OutputTree;
  readonly counter: WriteCounter;
  /** What cleaning up after an interrupted run did, reported first. */
  readonly leftovers: FileChange[];
}

/**
 * The first steps of every run that writes a tree (`generate`, `csr`): create the directory, lock it for the whole run,
 * complete an interrupted run's committed change, read the tree (never through a link) and delete staged files.
 */
export async function withLockedTree<T>(
  plan: PkiPlan,
  dir: string,
  options: LockOptions,
  run: (locked: LockedTree) => Promise<T>,
): Promise<T> {
  ensureOutputDirectory(dir);
  const lock = await OutputLock.acquire(dir, options.lockWaitMs ?? 60_000, options.onLockWait);
  try {
    const counter = new WriteCounter();
    const recovered = hasPendingJournal(dir) ? await completeInterruptedChange(dir, counter) : [];
    const tree = readOutputTree(plan, dir);
    if (tree.problems.length === 0) removeTemporaries(dir, tree.temporaries, counter);
    const leftovers: FileChange[] = [
      ...recovered.map((rel): FileChange => ({
        path: rel,
        action: 'updated',
        reason: 'completed the change an interrupted run committed',
      })),
      ...tree.temporaries.map((rel): FileChange => ({
        path: rel,
        action: 'removed',
        reason: 'staged by an interrupted run',
      })),
    ];
    return await run({ tree, counter, leftovers });
  } finally {
    await lock.release();
  }
}

/** Generous: an RSA-4096 key is ~3.3 KiB of PEM, a kubeconfig embedding one ~8 KiB. */
const bytesPerFile = 16 * 1024;

/**
 * Before any key is generated: the directories the change needs (`directories`, parents first) exist with their
 * modes, and every directory it writes into takes a file and has room.
 */
export function preflightWrites(
  dir: string,
  tree: OutputTree,
  directories: readonly string[],
  writing: readonly { path: string }[],
): void {
  if (writing.length === 0) return;
  const missing = directories.filter((rel) => !tree.directoryModes.has(rel));
  preflightChange(
    dir,
    missing.map((rel) => ({ path: rel, mode: plannedDirectoryMode(rel) })),
    [...new Set(writing.map((c) => path.dirname(c.path)))],
    writing.length * bytesPerFile,
  );
}
