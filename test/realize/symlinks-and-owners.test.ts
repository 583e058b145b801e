import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { realizeStack, removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { changedPaths, readTreeState } from './tree-state';

// Never write, read or prune through a symbolic link, in any path component; never keep a file someone else owns.

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});
function directory(): string {
  const dir = temporaryDirectory('kubepki-links-');
  made.push(dir);
  return dir;
}
async function tree(): Promise<FixtureTree> {
  const t = await realizeStack('lab', 'ECDSA-P256');
  made.push(t.dir);
  return t;
}

/** Replaces `rel` in the tree by a link to a copy of it elsewhere; returns the elsewhere directory. */
function linkAway(dir: string, rel: string): string {
  const elsewhere = directory();
  const target = path.join(elsewhere, path.basename(rel));
  fs.cpSync(path.join(dir, rel), target, { recursive: true });
  fs.rmSync(path.join(dir, rel), { recursive: true });
  fs.symlinkSync(target, path.join(dir, rel));
  return elsewhere;
}

async function refused(t: FixtureTree, options: { prune?: boolean } = {}): Promise<RealizeError> {
  const error = await realizeLocal(t.plan, t.dir, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealizeError);
  return error as RealizeError;
}

describe('symbolic links in the output tree', () => {
  for (const rel of ['cp1/pki', 'users', 'w1', 'cp1/pki/etcd', 'cp1/pki/ca.crt', 'users/alice.conf']) {
    it(`${rel} as a link: refused with a message naming the link; nothing written on either side`, async () => {
      const t = await tree();
      fs.rmSync(path.join(t.dir, 'cp1/pki/apiserver.crt')); // something to write, were links followed
      const elsewhere = linkAway(t.dir, rel);
      const before = readTreeState(elsewhere);
      const beforeTree = readTreeState(t.dir);
      const error = await refused(t, { prune: true });
      expect(error.problems.map((p) => `${p.code} ${p.path}`)).toEqual([`symlink ${rel}`]);
      expect(error.message).toContain(`${rel}: is a symbolic link to ${path.join(elsewhere, path.basename(rel))}`);
      expect(error.message).toContain('never writes, reads or prunes through a link');
      expect(changedPaths(before, readTreeState(elsewhere))).toEqual([]);
      expect(changedPaths(beforeTree, readTreeState(t.dir))).toEqual([]);
    });
  }

  it('a node directory linked before the first run: refused, nothing generated into the link target', async () => {
    const out = directory();
    const elsewhere = directory();
    fs.symlinkSync(elsewhere, path.join(out, 'cp1'));
    const { planPki } = await import('../../src/plan');
    const { stackSpec } = await import('../support/fixture-trees');
    const error = await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256')), out).catch((e: unknown) => e);
    expect((error as RealizeError).problems.map((p) => p.path)).toEqual(['cp1']);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('--out itself a link: refused, naming it', async () => {
    const t = await tree();
    const link = path.join(directory(), 'out');
    fs.symlinkSync(t.dir, link);
    const error = await realizeLocal(t.plan, link).catch((e: unknown) => e);
    expect((error as RealizeError).problems[0]!.message).toContain(
      `the output directory ${link} is a symbolic link to ${t.dir}`,
    );
  });

  it('a stale link outside the plan is not pruned, and its target survives', async () => {
    const t = await tree();
    const elsewhere = directory();
    fs.writeFileSync(path.join(elsewhere, 'precious'), 'keep me');
    fs.symlinkSync(elsewhere, path.join(t.dir, 'old-node'));
    const error = await refused(t, { prune: true });
    expect(error.problems.map((p) => `${p.code} ${p.path}`)).toEqual(['symlink old-node']);
    expect(fs.readFileSync(path.join(elsewhere, 'precious'), 'utf8')).toBe('keep me');
    expect(fs.lstatSync(path.join(t.dir, 'old-node')).isSymbolicLink()).toBe(true);
  });
});

describe('ownership', () => {
  const uid = process.geteuid?.();
  it.runIf(uid === 0)('a ca.key owned by nobody is refused, not kept (runs as root, which can chown)', async () => {
    const t = await tree();
    fs.chownSync(path.join(t.dir, 'cp1/pki/ca.key'), 65534, 65534);
    const error = await refused(t);
    expect(error.problems.map((p) => `${p.code} ${p.path}`)).toEqual(['owner cp1/pki/ca.key']);
    expect(error.message).toContain('is owned by uid 65534, not by the user running generate (uid 0)');
  });
  if (uid !== 0) it.skip('a file owned by someone else (needs root to chown)', () => undefined);
});
