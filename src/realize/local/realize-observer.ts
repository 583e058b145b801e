import type { FileChange } from './describe-change';
import type { CommitObserver, TreeChange } from './commit-change';

/**
 * Who watches a run as it goes (the CLI's live lines and status line). Told, never asked: the run neither waits for
 * it nor changes what it does.
 */
export interface RealizeObserver {
  /**
   * One line of the report, when it holds: a file the run writes, chmods or removes right after the commit put it in
   * place (renamed, chmodded, removed); the rest (kept, external, stale, and what cleaning up after an interrupted run
   * did) before the writes begin. Each change of the report once, as the same object the report lists.
   */
  onFile?(change: FileChange): void;
  /** Files staged so far of those the change writes: each is synced to disk, the long part of a large tree's commit. */
  onWrite?(done: number, total: number): void;
}

/**
 * Tells `observer` the lines of what `change` leaves alone now, and returns the commit's observer, which tells each
 * written, chmodded or removed file's line once that operation is applied.
 */
export function observeCommit(
  change: TreeChange,
  changes: readonly FileChange[],
  observer: RealizeObserver,
): CommitObserver {
  const committed = new Set([
    ...change.writes.map((w) => w.path),
    ...change.chmods.map((c) => `${c.path}/`),
    ...change.removals,
  ]);
  const pending = new Map(changes.filter((c) => committed.has(c.path)).map((c) => [c.path, c]));
  for (const line of changes) if (!pending.has(line.path)) observer.onFile?.(line);
  return {
    onStaged: (done, total) => observer.onWrite?.(done, total),
    onApplied: (operation, rel) => {
      const key = operation === 'chmod' ? `${rel}/` : rel;
      const line = pending.get(key);
      pending.delete(key);
      if (line) observer.onFile?.(line);
    },
  };
}
