// vitest globalSetup: one directory per test run where the read-only trees of test/support/shared-trees.ts are built,
// each by the first test file that asks for it, and removed when the run ends.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    sharedTreesRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepki-shared-trees-'));
  project.provide('sharedTreesRoot', root);
  return () => {
    if (process.env.KUBEPKI_KEEP_TREES === '1') console.log(`kept the shared trees in ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  };
}
