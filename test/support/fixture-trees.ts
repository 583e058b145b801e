import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSpecFile, parseSpec, type ClusterSpec } from '../../src/spec';
import { type KeyAlgorithm } from '../../src/vocabulary';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';

export const repoRoot = path.resolve(__dirname, '../..');
export const stackFile = (stack: string) => path.join(repoRoot, 'stacks', `${stack}.cluster.yaml`);
/** The built CLI, as users run it (npm test builds first). */
export const cliPath = path.join(repoRoot, 'dist', 'cli', 'main.js');

export interface FixtureTree {
  dir: string;
  spec: ClusterSpec;
  plan: PkiPlan;
}

/** A fresh temporary directory, removed by the caller (or left in os.tmpdir() on failure for inspection). */
export function temporaryDirectory(prefix = 'kubepki-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Loads a shipped stack and changes its algorithm (and anything else) for a test. */
export function stackSpec(
  stack: 'lab' | 'ha',
  algorithm: KeyAlgorithm,
  change?: (spec: ClusterSpec) => void,
): ClusterSpec {
  const spec = loadSpecFile(stackFile(stack));
  spec.spec.pki.encryptionAlgorithm = algorithm;
  change?.(spec);
  // Re-validate so a test cannot build a spec the schema would refuse.
  return parseSpec(JSON.parse(JSON.stringify(spec)));
}

/** Plans and writes a whole tree for a shipped stack into a new temporary directory. */
export async function realizeStack(
  stack: 'lab' | 'ha',
  algorithm: KeyAlgorithm,
  change?: (spec: ClusterSpec) => void,
): Promise<FixtureTree> {
  const spec = stackSpec(stack, algorithm, change);
  const plan = planPki(spec);
  const dir = temporaryDirectory(`kubepki-${stack}-${algorithm}-`);
  await realizeLocal(plan, dir);
  return { dir, spec, plan };
}

export function removeTree(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Reads a file of a tree as text. */
export function readTreeFile(dir: string, rel: string): string {
  return fs.readFileSync(path.join(dir, rel), 'utf8');
}
