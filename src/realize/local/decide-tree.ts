import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PkiPlan } from '../../plan';
import { decideMaterial, type ExternalDecisionInput } from './decide-material';
import { locateAuthorities } from '../../compare';
import type { OutputTree } from './read-output-tree';
import { RealizeError } from './realize-error';

/** The decisions about keys and certificates for a tree, with every problem found (see decideMaterial). */
export async function decideTree(
  plan: PkiPlan,
  dir: string,
  tree: OutputTree,
  now: Date,
  external: ExternalDecisionInput,
  renew: ReadonlySet<string>,
): ReturnType<typeof decideMaterial> {
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  // Once rotated, an authority may sit in files the previous stage wrote and this one no longer plans. A
  // never-rotated plan still looks: a tree already at a later generation means the spec went back.
  const located = locateAuthorities(
    plan,
    (rel) => tree.files.get(rel)?.content.toString('utf8') ?? readLeftover(dir, rel, tree.stale),
  );
  if (located.problems.length > 0) throw new RealizeError(located.problems);
  return decideMaterial(plan, tree.files, now, external, renew, plan.authorities ? located : undefined);
}

/** A file of the tree the plan no longer names (a previous rotation stage's), read only if it is a regular file. */
function readLeftover(dir: string, rel: string, stale: readonly string[]): string | undefined {
  if (!stale.includes(rel)) return undefined;
  const full = path.join(dir, rel);
  try {
    return fs.lstatSync(full).isFile() ? fs.readFileSync(full, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
