/**
 * The four trees the trust suite runs against, and a hook that realizes one per `describe` block.
 *
 * RSA keys cost ~0.2 s each and the ha stack has ~44: every tree is one of the run's shared trees, built once for every
 * file that reads them (test/support/shared-trees.ts) — the Pulumi ones by the component under mocks.
 */
import { afterAll, beforeAll } from 'vitest';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { removeTree, type FixtureTree } from '../support/fixture-trees';
import { isSharedTree, sharedTree, type TreeWriter } from '../support/shared-trees';
import { runKubePki } from '../support/pulumi-realize';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';

export interface TrustTreeCase {
  stack: 'lab' | 'ha';
  algorithm: KeyAlgorithm;
  /** Which realization wrote the tree: the offline engine, or the Pulumi component under mocks with the tls emulator. */
  via: 'offline' | 'pulumi';
}

export const trustTreeCases: TrustTreeCase[] = [
  { stack: 'lab', algorithm: 'RSA-2048', via: 'offline' },
  { stack: 'lab', algorithm: 'ECDSA-P256', via: 'offline' },
  { stack: 'ha', algorithm: 'RSA-2048', via: 'offline' },
  { stack: 'ha', algorithm: 'ECDSA-P256', via: 'offline' },
  // The same trust tests hold for the tree `pulumi up` writes (see test/pulumi/ for how it is emulated).
  { stack: 'lab', algorithm: 'ECDSA-P256', via: 'pulumi' },
  { stack: 'ha', algorithm: 'ECDSA-P256', via: 'pulumi' },
];

export interface RealizedTrustTree extends FixtureTree {
  /** Wall-clock bounds of the realization, for checking NotBefore. */
  startedAt: Date;
  finishedAt: Date;
}

/** `pulumi up` of the KubePki component under mocks, the emulator doing the providers' work and writing the files. */
const throughPulumi: { name: string; write: TreeWriter } = {
  name: 'pulumi',
  write: (plan, dir) => runKubePki(new TlsProviderEmulator(), plan, dir),
};

/**
 * Provides `stack` with `algorithm` from the enclosing describe's `beforeAll`: one of the run's shared trees, removed
 * when the run ends (a tree realized outside the shared directory is removed in `afterAll`). Returns a getter (the
 * tree does not exist yet while tests are being collected). Set KUBEPKI_KEEP_TREES=1 to keep the trees.
 */
export function useRealizedTree(
  stack: 'lab' | 'ha',
  algorithm: KeyAlgorithm,
  via: TrustTreeCase['via'] = 'offline',
): () => RealizedTrustTree {
  let tree: RealizedTrustTree | undefined;
  beforeAll(async () => {
    tree = await sharedTree(stack, algorithm, undefined, via === 'pulumi' ? throughPulumi : undefined);
  }, 300_000);
  afterAll(() => {
    if (!tree || isSharedTree(tree.dir)) return;
    if (process.env.KUBEPKI_KEEP_TREES === '1') console.log(`kept ${stack} ${algorithm} tree in ${tree.dir}`);
    else removeTree(tree.dir);
  });
  return () => {
    if (!tree) throw new Error(`the ${stack} ${algorithm} tree was not realized (see the beforeAll error)`);
    return tree;
  };
}
