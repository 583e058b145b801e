#!/usr/bin/env node
// `npm test`: build, then vitest and the static checks (typecheck, lint, format:check) at the same time, so the checks
// fill the moments when vitest's two workers wait on a real peer (etcd elections, s_server, a spawned bin) instead of
// adding their ~50 CPU-seconds in front of it. The checks run at a lower scheduling priority so that they take only
// the CPU vitest leaves idle; their output is held back and printed after vitest's, each under its own heading.
// Exit status: non-zero when the build, vitest or any check failed. Extra arguments go to vitest.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const checks = ['typecheck', 'lint', 'format:check'];
const checkPriority = 10;
const vitestBin = path.join(path.dirname(fileURLToPath(import.meta.resolve('vitest/package.json'))), 'vitest.mjs');

/** Runs `command args`; resolves with its exit status and, when `capture`, what it printed. */
function run(script, command, args, { capture = false } = {}) {
  const started = Date.now();
  const child = spawn(command, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  let output = '';
  if (capture) {
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    // Children started from here on (npm's shell, then tsc, eslint or prettier) inherit the priority.
    try {
      os.setPriority(child.pid, checkPriority);
    } catch {
      // Not permitted here: the check runs at normal priority, only slower for vitest.
    }
  }
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ script, status: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) =>
      resolve({ script, status: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

const build = await run('build', npm, ['run', '-s', 'build']);
if (build.status !== 0) process.exit(build.status);

const pending = checks.map((script) => run(script, npm, ['run', '-s', script], { capture: true }));
const vitest = await run('vitest', process.execPath, [vitestBin, 'run', ...process.argv.slice(2)]);
const results = await Promise.all(pending);

for (const { script, status, output, seconds } of results) {
  const verdict = status === 0 ? 'passed' : `FAILED (exit ${status})`;
  console.log(`\n── npm run ${script}: ${verdict}, ${seconds.toFixed(1)} s`);
  if (output.trim()) console.log(output.trimEnd());
}
const failed = [...results.filter((r) => r.status !== 0).map((r) => r.script), ...(vitest.status ? ['vitest'] : [])];
if (failed.length) console.log(`\nnpm test: ${failed.join(', ')} failed`);
process.exit(failed.length ? 1 : 0);
