import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { PkiPlan } from '../../src/plan';
import type * as KubePkiModule from '../../src/realize/pulumi';
import { repoRoot } from './fixture-trees';
import { type TlsProviderEmulator } from './tls-provider-emulator';

// The Pulumi program is loaded from dist/ with Node's own require, exactly as CommonJS code runs under `pulumi up`
// (Pulumi's closure serializer needs real CommonJS functions), and @pulumi/pulumi through the same require so the
// mocks and the component share one runtime. `npm test` builds dist/ first.
export const nodeRequire = createRequire(path.join(repoRoot, 'package.json'));
export const pulumi = nodeRequire('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
const { KubePki } = nodeRequire(path.join(repoRoot, 'dist/realize/pulumi')) as typeof KubePkiModule;

/**
 * Lets the previous run's last RPCs (a component's registerResourceOutputs arrives after its outputs resolve) reach
 * the monitor they belong to before the next run replaces it.
 */
export async function startMockedRun(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resolves an Output (mocks resolve them asynchronously). */
export function settle<T>(output: import('@pulumi/pulumi').Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

export interface PulumiRun {
  pki: InstanceType<typeof KubePki>;
  plan: PkiPlan;
  dir: string;
}

/**
 * One `pulumi up` of the KubePki component under mocks: the emulator does the providers' work (and writes the files),
 * and the run is awaited until every file resource has been created. Reuse one emulator for a second run to see
 * which resources change.
 */
export async function runKubePki(
  emulator: TlsProviderEmulator,
  plan: PkiPlan,
  dir: string,
  stack = 'test',
  options: { applyRbac?: boolean } = {},
): Promise<PulumiRun> {
  await startMockedRun();
  emulator.newRun();
  await pulumi.runtime.setMocks(emulator.mocks() as never, 'kubepki', stack, false);
  const pki = new KubePki(stack, { plan, outDir: dir, ...options });
  await Promise.all(Object.values(pki.files).map((file) => settle(file.id)));
  await Promise.all(Object.values(pki.certificates).map((c) => settle(c.validityEndTime)));
  return { pki, plan, dir };
}
