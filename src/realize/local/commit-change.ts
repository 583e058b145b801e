import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { commitJournalName, stagedFileName } from '../../outputs';
import { onFileSystem } from './file-system-error';
import type { WriteCounter } from './write-counter';
import { writeNewFile, writeNewFileAsync } from './atomic-write';

/** Everything one run changes in the tree. Paths are relative to the output directory. */
export interface TreeChange {
  readonly writes: readonly { readonly path: string; readonly content: string; readonly mode: number }[];
  readonly chmods: readonly { readonly path: string; readonly mode: number }[];
  readonly removals: readonly string[];
}

/** What a commit tells as it goes (see RealizeObserver). */
export interface CommitObserver {
  /** After each file is staged: how many of the change's writes are. */
  onStaged?(done: number, total: number): void;
  /** After each journal operation is applied: the file renamed into place or removed, the directory chmodded. */
  onApplied?(operation: 'write' | 'chmod' | 'remove', path: string): void;
}

type JournalOperation =
  | { op: 'rename'; from: string; to: string }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'remove'; path: string };

interface Journal {
  run: string;
  operations: JournalOperation[];
}

const untouched = 'The tree was not changed.';
const completing = 'The change is committed: run generate again to complete it.';

/** fsync a directory so that renames in it survive a power loss; some platforms cannot, which only costs durability. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}

async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Files staged, and directories synced, this many at a time: each waits for the disk, and a large tree has thousands,
 * so their waits overlap on libuv's thread pool instead of adding up on the main thread.
 */
const diskConcurrency = 16;

/** Runs `step` over `items`, `limit` at a time; after the first failure starts no more, waits for those running, throws it. */
async function inParallel<T>(items: readonly T[], limit: number, step: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await step(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * Commits a change all at once, as a redo log: every new file is first written beside its target under a staged
 * name, then one journal listing the renames is written atomically — the commit point — then the renames, chmods and
 * removals are applied and the journal is deleted. Killed before the commit point, the tree is exactly as it was
 * (the next run deletes the staged files); killed after it, the next run applies the journal first. Either way no
 * run ever sees half a change: a CA key is never without its certificate, a kubeconfig never signed by a CA that
 * is not on disk.
 */
export async function commitChange(
  dir: string,
  change: TreeChange,
  counter: WriteCounter,
  observer: CommitObserver = {},
): Promise<void> {
  const run = randomBytes(6).toString('hex');
  const operations: JournalOperation[] = change.writes.map((write) => ({
    op: 'rename',
    from: path.join(path.dirname(write.path), stagedFileName(path.basename(write.path), run)),
    to: write.path,
  }));
  const staged: string[] = [];
  let stagedWrites = 0;
  try {
    await inParallel(change.writes, diskConcurrency, async (write) => {
      const from = path.join(path.dirname(write.path), stagedFileName(path.basename(write.path), run));
      // Listed before it exists: a write that fails after creating the file still has it removed.
      staged.push(from);
      try {
        await writeNewFileAsync(path.join(dir, from), write.content, write.mode);
      } catch (error) {
        onFileSystem('write', write.path, untouched, () => {
          throw error;
        });
      }
      counter.wrote();
      observer.onStaged?.(++stagedWrites, change.writes.length);
    });
    for (const chmod of change.chmods) operations.push({ op: 'chmod', path: chmod.path, mode: chmod.mode });
    for (const removal of change.removals) operations.push({ op: 'remove', path: removal });
    if (operations.length === 0) return;
    const journalStage = stagedFileName(commitJournalName.slice(1), run);
    staged.push(journalStage);
    onFileSystem('write', journalStage, untouched, () =>
      writeNewFile(path.join(dir, journalStage), JSON.stringify({ run, operations } satisfies Journal), 0o600),
    );
    await inParallel([...new Set(staged.map((s) => path.dirname(s)))], diskConcurrency, (dirOf) =>
      syncDirectoryAsync(path.join(dir, dirOf)),
    );
    onFileSystem('commit', commitJournalName, untouched, () =>
      fs.renameSync(path.join(dir, journalStage), path.join(dir, commitJournalName)),
    );
  } catch (error) {
    for (const s of staged) fs.rmSync(path.join(dir, s), { force: true });
    throw error;
  }
  counter.wrote();
  syncDirectory(dir);
  await applyJournal(dir, { run, operations }, counter, observer);
}

/** True when an interrupted run left a committed change behind. */
export function hasPendingJournal(dir: string): boolean {
  try {
    return fs.lstatSync(path.join(dir, commitJournalName)).isFile();
  } catch {
    return false;
  }
}

/** Completes the change an interrupted run committed; returns the files it put in place. */
export async function completeInterruptedChange(dir: string, counter: WriteCounter): Promise<string[]> {
  const text = onFileSystem('read', commitJournalName, 'The tree was not changed.', () =>
    fs.readFileSync(path.join(dir, commitJournalName), 'utf8'),
  );
  let journal: Journal;
  try {
    journal = JSON.parse(text) as Journal;
    if (!Array.isArray(journal.operations)) throw new Error('no operations');
  } catch {
    throw new Error(
      `${commitJournalName} in ${dir} is not a kubepki journal: remove it (nothing else refers to it) and run generate again`,
    );
  }
  for (const operation of journal.operations) {
    for (const rel of operation.op === 'rename' ? [operation.from, operation.to] : [operation.path]) {
      if (path.isAbsolute(rel) || rel.split('/').includes('..'))
        throw new Error(
          `${commitJournalName} in ${dir} names ${JSON.stringify(rel)}, outside the tree: remove it and run generate again`,
        );
    }
  }
  await applyJournal(dir, journal, counter);
  return journal.operations.filter((o) => o.op === 'rename').map((o) => (o as { to: string }).to);
}

async function applyJournal(
  dir: string,
  journal: Journal,
  counter: WriteCounter,
  observer: CommitObserver = {},
): Promise<void> {
  const touched = new Set<string>();
  for (const operation of journal.operations) {
    const target = operation.op === 'rename' ? operation.to : operation.path;
    onFileSystem(operation.op === 'remove' ? 'remove' : 'write', target, completing, () => {
      if (operation.op === 'rename') {
        // Renaming replaces a link at the target rather than following it. Already renamed: a repeated completion.
        if (fs.existsSync(path.join(dir, operation.from)))
          fs.renameSync(path.join(dir, operation.from), path.join(dir, operation.to));
      } else if (operation.op === 'chmod') {
        if (fs.lstatSync(path.join(dir, operation.path)).isSymbolicLink())
          throw Object.assign(new Error('link'), { code: 'ELOOP' });
        fs.chmodSync(path.join(dir, operation.path), operation.mode);
      } else {
        fs.rmSync(path.join(dir, operation.path), { force: true }); // unlink: a link is removed, never its target
      }
    });
    touched.add(path.dirname(path.join(dir, target)));
    counter.wrote();
    observer.onApplied?.(operation.op === 'rename' ? 'write' : operation.op, target);
  }
  await inParallel([...touched], diskConcurrency, syncDirectoryAsync);
  onFileSystem('remove', commitJournalName, completing, () =>
    fs.rmSync(path.join(dir, commitJournalName), { force: true }),
  );
  counter.wrote();
  syncDirectory(dir);
}

/** Deletes the files interrupted runs staged and never committed: they may hold private keys and live credentials. */
export function removeTemporaries(dir: string, temporaries: readonly string[], counter: WriteCounter): void {
  for (const rel of temporaries) {
    onFileSystem('remove', rel, 'Remove it by hand: it may hold a private key.', () =>
      fs.rmSync(path.join(dir, rel), { force: true }),
    );
    counter.wrote();
  }
}
