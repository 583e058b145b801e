import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal, type FileChange, type RealizeObserver } from '../../src/realize/local';
import { commitJournalName } from '../../src/outputs';
import { realizeStack, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';

// The observer a run tells as it goes (the CLI's live lines and status line): every line of the report once, a
// written, chmodded or removed file's only once the commit has put it in place, and the staging count of the writes.

const made: string[] = [];
afterAll(() => made.forEach((dir) => removeTree(dir)));

/** What the observer saw, in order, with the file system as it was at each call. */
type Seen =
  | { type: 'write'; done: number; total: number }
  | {
      type: 'file';
      change: FileChange;
      journal: boolean;
      /** How many of the plan's files were on disk. */
      present: number;
      disk?: { content: string; mode: number } | 'missing' | { directoryMode: number };
    };

function watching(dir: string, plan: PkiPlan): { seen: Seen[]; observer: Required<RealizeObserver> } {
  const seen: Seen[] = [];
  const diskAt = (rel: string) => {
    const full = path.join(dir, rel);
    if (!fs.existsSync(full)) return 'missing' as const;
    const stat = fs.statSync(full);
    if (stat.isDirectory()) return { directoryMode: stat.mode & 0o777 };
    return { content: fs.readFileSync(full, 'utf8'), mode: stat.mode & 0o777 };
  };
  return {
    seen,
    observer: {
      onWrite: (done, total) => void seen.push({ type: 'write', done, total }),
      onFile: (change) =>
        void seen.push({
          type: 'file',
          change,
          journal: fs.existsSync(path.join(dir, commitJournalName)),
          present: plan.files.filter((f) => fs.existsSync(path.join(dir, f.path))).length,
          disk: diskAt(change.path),
        }),
    },
  };
}

const files = (seen: Seen[]) => seen.filter((s): s is Extract<Seen, { type: 'file' }> => s.type === 'file');
const written = (c: FileChange) => c.action === 'created' || c.action === 'reissued' || c.action === 'updated';

/** The journal's order: keys, then certificates and public keys, then the files made of them. */
function commitRank(plan: PkiPlan, rel: string): number {
  const kind = plan.files.find((f) => f.path === rel)!.content.kind;
  if (kind === 'private-key' || kind === 'bootstrap-token') return 0;
  return kind === 'certificate' || kind === 'public-key' ? 1 : 2;
}

describe('a run into a new directory', () => {
  it('tells each file once it is in place with its final content and mode, in commit order, after staging all of them', async () => {
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const dir = temporaryDirectory('kubepki-observer-');
    made.push(dir);
    const { seen, observer } = watching(dir, plan);
    const report = await realizeLocal(plan, dir, observer);

    // Every line of the report, once, as the same object, and nothing else.
    const told = files(seen);
    expect(told.map((s) => s.change)).toHaveLength(report.changes.length);
    expect(new Set(told.map((s) => s.change))).toEqual(new Set(report.changes));
    expect(report.changes.every((c) => c.action === 'created')).toBe(true);

    // Staged first, counted one by one up to every write; then the lines, while the commit is still applying.
    const writes = seen.filter((s) => s.type === 'write');
    expect(writes).toEqual(plan.files.map((_, i) => ({ type: 'write', done: i + 1, total: plan.files.length })));
    expect(seen.findIndex((s) => s.type === 'file')).toBe(writes.length);
    expect(told.every((s) => s.journal)).toBe(true);

    // Commit order: keys before certificates before kubeconfigs and manifests, so the order differs from the report's.
    const ranks = told.map((s) => commitRank(plan, s.change.path));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(told.map((s) => s.change.path)).not.toEqual(report.changes.map((c) => c.path));

    // Each file was on disk when told, already as it is at the end; the last one told was not yet when the first was.
    for (const s of told) {
      const planned = plan.files.find((f) => f.path === s.change.path)!;
      expect(s.disk, s.change.path).toEqual({
        content: fs.readFileSync(path.join(dir, planned.path), 'utf8'),
        mode: planned.mode,
      });
    }
    // Told as each is renamed into place, before the next: the k-th line finds exactly k of the plan's files.
    expect(told.map((s) => s.present)).toEqual(told.map((_, i) => i + 1));
  });
});

describe('a re-run that keeps, reissues, repairs and prunes', () => {
  it('tells untouched files before the writes, and each written, chmodded or removed one after it happened', async () => {
    const tree = await realizeStack('lab', 'ECDSA-P256', (s) =>
      s.spec.users.push({ name: 'bob', groups: [], namespaces: [] }),
    );
    made.push(tree.dir);
    fs.chmodSync(path.join(tree.dir, 'cp1/pki/etcd'), 0o777);
    const before = fs.readFileSync(path.join(tree.dir, 'cp1/pki/apiserver.crt'), 'utf8');
    const plan = planPki(stackSpec('lab', 'ECDSA-P256', (s) => s.spec.apiServer.certSANs.push('new.example.com')));
    const { seen, observer } = watching(tree.dir, plan);
    const report = await realizeLocal(plan, tree.dir, { ...observer, prune: true });

    const told = files(seen);
    expect(new Set(told.map((s) => s.change))).toEqual(new Set(report.changes));
    expect(told).toHaveLength(report.changes.length);
    const firstWrite = seen.findIndex((s) => s.type === 'write');
    const untouched = report.changes.filter((c) => c.action === 'kept');
    // Kept files come first, in the report's order, before the first file is staged.
    expect(told.slice(0, untouched.length).map((s) => s.change)).toEqual(untouched);
    expect(firstWrite).toBe(untouched.length);

    const line = (rel: string) => told.find((s) => s.change.path === rel)!;
    expect(line('cp1/pki/apiserver.crt').change.action).toBe('reissued');
    const reissued = line('cp1/pki/apiserver.crt').disk as { content: string };
    expect(reissued.content).not.toBe(before);
    expect(reissued.content).toBe(fs.readFileSync(path.join(tree.dir, 'cp1/pki/apiserver.crt'), 'utf8'));
    expect(line('cp1/pki/etcd/')).toMatchObject({ change: { action: 'updated' }, disk: { directoryMode: 0o700 } });
    expect(line('users/bob.conf')).toMatchObject({ change: { action: 'removed' }, disk: 'missing' });
    // Writes are staged only for files, and each written line comes after every file is staged.
    const lastWrite = seen.map((s) => s.type).lastIndexOf('write');
    for (const s of told.filter((t) => written(t.change))) expect(seen.indexOf(s)).toBeGreaterThan(lastWrite);
    expect(seen[lastWrite]).toMatchObject({
      done: report.changes.filter((c) => written(c) && !c.path.endsWith('/')).length,
    });
  });

  it('a dry run tells every line of its report, in its order, and writes nothing', async () => {
    const tree = await realizeStack('lab', 'ECDSA-P256');
    made.push(tree.dir);
    const plan = planPki(stackSpec('lab', 'ECDSA-P256', (s) => s.spec.apiServer.certSANs.push('dry.example.com')));
    const { seen, observer } = watching(tree.dir, plan);
    const report = await realizeLocal(plan, tree.dir, { ...observer, dryRun: true });
    expect(seen.map((s) => (s.type === 'file' ? s.change : s))).toEqual(report.changes);
    expect(report.changes.some((c) => c.action === 'reissued')).toBe(true);
  });
});
