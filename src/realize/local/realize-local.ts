import * as path from 'node:path';
import type { PkiPlan } from '../../plan';
import type { KeyPool } from '../../crypto';
import { renderPlannedFile, type PkiMaterial } from '../../outputs';
import { plannedDirectories, plannedDirectoryMode, readOutputTree, type OutputTree } from './read-output-tree';
import { decideMaterial } from './decide-material';
import { keptMaterial, produceMaterial } from './produce-material';
import { describeChange, type FileChange } from './describe-change';
import { RealizeError } from './realize-error';
import type { MaterialDecisions } from './material-decisions';
import { ensureOutputDirectory, preflightChange } from './preflight';
import { OutputLock } from './output-lock';
import { commitChange, completeInterruptedChange, hasPendingJournal, removeTemporaries, type TreeChange } from './commit-change';
import { WriteCounter } from './write-counter';

export type { FileAction, FileChange } from './describe-change';

export interface RealizeReport {
  changes: FileChange[];
  /** Keys generated in this run (0 on a no-op re-run). */
  generatedKeys: number;
  dryRun: boolean;
}

export interface RealizeOptions {
  /** Decide and report, write nothing, generate no key, take no lock. */
  dryRun?: boolean;
  /** The clock for NotBefore/NotAfter and expiry checks. @default new Date() */
  now?: Date;
  /** Keys already generating (see KeyPool); taken before generating new ones. */
  keyPool?: KeyPool;
  /** Delete files the plan no longer names (a removed user's kubeconfig, a moved super-admin.conf). @default false */
  prune?: boolean;
  /** How long to wait for another run writing the same directory before giving up. @default 60000 */
  lockWaitMs?: number;
  /** Told once when another run holds the directory and this one starts waiting. */
  onLockWait?: (holder: string) => void;
}

/** Generous: an RSA-4096 key is ~3.3 KiB of PEM, a kubeconfig embedding one ~8 KiB. */
const bytesPerFile = 16 * 1024;

/**
 * Reconciles a plan against a directory as kubeadm does with /etc/kubernetes — reuse what still matches, issue what
 * is missing, reissue what changed, never replace a CA — as a pipeline: lock the directory, complete an interrupted
 * run's committed change and remove its staged files, read the tree (never through a link), decide (data), preflight
 * the file system, produce the keys and certificates, commit the whole change at once (see commitChange). Every
 * problem in the tree is found before anything is written; on any, RealizeError is thrown and the tree is untouched.
 */
export async function realizeLocal(plan: PkiPlan, dir: string, options: RealizeOptions = {}): Promise<RealizeReport> {
  const now = options.now ?? new Date();
  if (options.dryRun) {
    const tree = readOutputTree(plan, dir);
    const decisions = decide(plan, tree, now);
    const pending: FileChange[] = tree.pendingJournal ? [{ path: '.kubepki-journal', action: 'updated', reason: 'an interrupted run committed a change; generate completes it first' }] : [];
    return { changes: [...pending, ...changesOf(plan, tree, decisions, keptMaterial(decisions), options)], generatedKeys: 0, dryRun: true };
  }

  ensureOutputDirectory(dir);
  const lock = await OutputLock.acquire(dir, options.lockWaitMs ?? 60_000, options.onLockWait);
  try {
    const counter = new WriteCounter();
    const recovered = hasPendingJournal(dir) ? completeInterruptedChange(dir, counter) : [];
    const tree = readOutputTree(plan, dir);
    if (tree.problems.length === 0) removeTemporaries(dir, tree.temporaries, counter);
    const leftovers: FileChange[] = [
      ...recovered.map((rel): FileChange => ({ path: rel, action: 'updated', reason: 'completed the change an interrupted run committed' })),
      ...tree.temporaries.map((rel): FileChange => ({ path: rel, action: 'removed', reason: 'staged by an interrupted run' })),
    ];
    const decisions = decide(plan, tree, now);

    // Which files change is known from the decisions alone: check the file system before generating any key.
    const expected = changesOf(plan, tree, decisions, keptMaterial(decisions), options);
    const writing = expected.filter((c) => c.action !== 'kept' && c.action !== 'external' && c.action !== 'stale' && c.action !== 'removed' && !c.path.endsWith('/'));
    if (writing.length > 0) {
      const missing = plannedDirectories(plan).filter((rel) => !tree.directoryModes.has(rel));
      preflightChange(
        dir,
        missing.map((rel) => ({ path: rel, mode: plannedDirectoryMode(rel) })),
        [...new Set(writing.map((c) => path.dirname(c.path)))],
        writing.length * bytesPerFile,
      );
    }

    const { material, generatedKeys } = await produceMaterial(plan, decisions, now, options.keyPool);
    const changes = changesOf(plan, tree, decisions, material, options);
    commitChange(dir, treeChangeOf(plan, changes, material, options), counter);
    return { changes: [...leftovers, ...changes], generatedKeys, dryRun: false };
  } finally {
    await lock.release();
  }
}

function decide(plan: PkiPlan, tree: OutputTree, now: Date): MaterialDecisions {
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  const { decisions, problems } = decideMaterial(plan, tree.files, now);
  if (problems.length > 0) throw new RealizeError(problems);
  return decisions;
}

/** One line per planned file, then directory modes to fix and files the plan no longer names. */
function changesOf(plan: PkiPlan, tree: OutputTree, decisions: MaterialDecisions, material: PkiMaterial, options: RealizeOptions): FileChange[] {
  return [
    ...plan.files.map((file) => describeChange(plan, file, decisions, tree.files.get(file.path), material)),
    ...[...tree.directoryModes]
      .filter(([rel, mode]) => mode !== plannedDirectoryMode(rel))
      .map(([rel, mode]): FileChange => ({ path: `${rel}/`, action: 'updated', reason: `mode ${mode.toString(8)} → ${plannedDirectoryMode(rel).toString(8)}` })),
    ...tree.stale.map((rel): FileChange => ({ path: rel, action: options.prune ? 'removed' : 'stale', reason: 'not in the plan' })),
  ];
}

// Keys before certificates before kubeconfigs: the journal applies renames in this order.
const writeOrder = { 'private-key': 0, 'public-key': 1, certificate: 1, kubeconfig: 2, manifest: 2 } as const;

function treeChangeOf(plan: PkiPlan, changes: FileChange[], material: PkiMaterial, options: RealizeOptions): TreeChange {
  const planned = new Map(plan.files.map((f) => [f.path, f]));
  const writes = changes
    .filter((c) => planned.has(c.path) && (c.action === 'created' || c.action === 'reissued' || c.action === 'updated'))
    .map((c) => planned.get(c.path)!)
    .sort((a, b) => writeOrder[a.content.kind] - writeOrder[b.content.kind])
    .map((file) => ({ path: file.path, content: renderPlannedFile(plan, file, material), mode: file.mode }));
  const chmods = changes.filter((c) => c.path.endsWith('/') && c.action === 'updated').map((c) => ({ path: c.path.slice(0, -1), mode: plannedDirectoryMode(c.path.slice(0, -1)) }));
  const removals = options.prune ? changes.filter((c) => c.action === 'removed').map((c) => c.path) : [];
  return { writes, chmods, removals };
}
