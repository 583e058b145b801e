/**
 * Names of the files `generate` stages a change in. They hold keys and credentials until the commit renames them,
 * so the engine removes any an interrupted run left behind, and `verify` reports them.
 */
const stagedFile = /^\..+\.kubepki-[0-9a-f]{8,}\.tmp$/;
/** Written by kubepki before the journal existed: `.<name>.<pid>.<hex>.tmp`. */
const legacyTemporaryFile = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/** The commit journal at the top of the output directory; while it exists, a committed change is being applied. */
export const commitJournalName = '.kubepki-journal';

/** The name under which `name` is staged by run `runId` (hex). */
export function stagedFileName(name: string, runId: string): string {
  return `.${name}.kubepki-${runId}.tmp`;
}

/** True for a file a kubepki run stages a change in (this version's or an older one's). */
export function isTemporaryFileName(name: string): boolean {
  return stagedFile.test(name) || legacyTemporaryFile.test(name);
}
