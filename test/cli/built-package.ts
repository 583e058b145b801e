import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath, repoRoot } from '../support/fixture-trees';

/** The built package entry (`exports["."]`), what `require('kubepki')` loads. */
export const builtEntry = path.join(repoRoot, 'dist', 'index.js');

/**
 * `npm test` builds before vitest runs; a bare `npx vitest run` may start without dist/. Build once, only when it is
 * missing — never rebuild under other test files that are already using it. A directory lock keeps two workers from
 * running tsc over the same output at once.
 */
export function ensureBuilt(): void {
  if (fs.existsSync(cliPath) && fs.existsSync(builtEntry)) return;
  // The lock lives outside the repository, so a build never shows up in `git status`.
  const lock = path.join(os.tmpdir(), `kubepki-build-${Buffer.from(repoRoot).toString('hex').slice(-32)}.lock`);
  let owner: boolean;
  try {
    fs.mkdirSync(lock);
    owner = true;
  } catch {
    owner = false;
  }
  if (owner) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe' });
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
  const deadline = Date.now() + 110_000;
  while (fs.existsSync(lock) && Date.now() < deadline)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing after waiting for another worker's build`);
}
