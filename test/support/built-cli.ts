import { spawnSync } from 'node:child_process';
import { cliPath, repoRoot } from './fixture-trees';

// The one helper that runs the built bin (`node dist/cli/main.js`) as users do: a child process, real exit codes and
// output streams. End-to-end CLI tests use it; everything else calls the stages directly.

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kubepki <args>` and captures everything; never throws on a non-zero exit. */
export function runBuiltCli(args: string[], options: { cwd?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `status`, stdout and stderr in one string, for assertion messages. */
export function describeRun(run: CliRun): string {
  return `exit ${run.status}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
