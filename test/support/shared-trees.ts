/**
 * Trees that several test files only read, built once per test run instead of once per file: RSA keys cost ~0.2 s
 * each and the ha stack has 44 of them. The first file to ask builds the tree under the run's shared directory
 * (from shared-trees-setup.ts) while holding a lock directory; the others wait for it. A test that changes files must
 * realize its own tree (`realizeStack`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inject } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import type { ClusterSpec } from '../../src/spec';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { realizeStack, stackSpec, temporaryDirectory, type FixtureTree } from './fixture-trees';

export interface SharedTree extends FixtureTree {
  /** Wall-clock bounds of the realization, for checking NotBefore. */
  startedAt: Date;
  finishedAt: Date;
}

const waitLimitMs = 300_000;

/** Where this run's shared trees live; undefined when vitest runs without the global setup. */
export function sharedTreesRoot(): string | undefined {
  try {
    return inject('sharedTreesRoot');
  } catch {
    return undefined;
  }
}

/** What writes a shared tree: the offline engine by default; test/trust also shares the trees the Pulumi component writes. */
export type TreeWriter = (plan: PkiPlan, dir: string) => Promise<unknown>;

/**
 * The tree of `stack` with `algorithm` (and `variant`, a named change to the spec), shared by every test file of the
 * run. Never write into it or remove it. `writer` names the realization (its name keys the tree): `realizeLocal`
 * unless given.
 */
export async function sharedTree(
  stack: 'lab' | 'ha',
  algorithm: KeyAlgorithm,
  variant?: { name: string; change: (spec: ClusterSpec) => void },
  writer?: { name: string; write: TreeWriter },
): Promise<SharedTree> {
  const write = writer?.write ?? realizeLocal;
  const root = sharedTreesRoot();
  const spec = stackSpec(stack, algorithm, variant?.change);
  if (!root) {
    const startedAt = new Date();
    if (!writer)
      return { ...(await realizeStack(stack, algorithm, variant?.change)), startedAt, finishedAt: new Date() };
    const dir = temporaryDirectory(`kubepki-${writer.name}-${stack}-${algorithm}-`);
    const plan = planPki(spec);
    await write(plan, dir);
    return { dir, spec, plan, startedAt, finishedAt: new Date() };
  }
  const name = [writer?.name, stack, algorithm, variant?.name].filter(Boolean).join('-');
  const dir = path.join(root, name);
  const done = `${dir}.json`;
  const lock = `${dir}.lock`;
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    if (fs.existsSync(done)) {
      const { startedAt, finishedAt } = JSON.parse(fs.readFileSync(done, 'utf8')) as {
        startedAt: string;
        finishedAt: string;
      };
      return { dir, spec, plan: planPki(spec), startedAt: new Date(startedAt), finishedAt: new Date(finishedAt) };
    }
    try {
      fs.mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline)
        throw new Error(`waited ${waitLimitMs / 1000} s for the shared ${name} tree (lock ${lock})`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      const plan = planPki(spec);
      const building = `${dir}.building`;
      const startedAt = new Date();
      await write(plan, building);
      const finishedAt = new Date();
      fs.renameSync(building, dir);
      fs.writeFileSync(done, JSON.stringify({ startedAt, finishedAt }));
      return { dir, spec, plan, startedAt, finishedAt };
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** True for a directory of this run's shared trees, which no test may remove. */
export function isSharedTree(dir: string): boolean {
  const root = sharedTreesRoot();
  return root !== undefined && path.resolve(dir).startsWith(`${root}${path.sep}`);
}
