import { runCli } from '../../src/cli/run-cli';
import type { CliIo } from '../../src/cli/cli-io';
import type { CliRun } from './built-cli';

// CLI tests run `kubepki <args>` in-process through runCli with a CliIo that captures what the verb prints: the same
// code path as the bin (main.ts only adds the process plumbing), without a Node start-up per call and without a build.
// The few end-to-end tests that must see the real process (exit codes, TTY, signals, stdin) use built-cli.ts.

const lineOf = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * Runs `kubepki <args>` in this process and captures stdout, stderr and the exit code, as the bin would print them;
 * never throws on a non-zero exit. `cwd` is entered for the call (vitest's fork workers may chdir) and left after.
 */
export async function runKubepki(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: (text) => void stdout.push(lineOf(text)),
    stderr: (text) => void stderr.push(lineOf(text)),
  };
  const previous = process.cwd();
  if (options.cwd) process.chdir(options.cwd);
  try {
    const status = await runCli(args, io);
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  } catch (error) {
    // What main.ts prints for an error no verb caught.
    return { status: 1, stdout: stdout.join(''), stderr: `${stderr.join('')}kubepki: ${(error as Error).message}\n` };
  } finally {
    process.chdir(previous);
  }
}

/**
 * `runKubepki` with the result shaped as `runCommand` (managed-process.ts) reports a spawned program: `code` for the
 * exit status. For the conformance tests, whose peers check what the verb wrote; the built bin itself runs every verb
 * in at least one test (test/cli, test/realize, the README's external-CA script, user-csr, cfssl-signer).
 */
export async function runKubepkiCommand(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { status, stdout, stderr } = await runKubepki(args, options);
  return { code: status, stdout, stderr };
}

/** What a terminal shows, in order: lines on stdout and stderr, and the status line (undefined: cleared). */
export type TerminalEvent =
  { stream: 'stdout' | 'stderr'; text: string } | { stream: 'status'; text: string | undefined };

/**
 * Runs `kubepki <args>` in this process as on a terminal (stdout and stderr both TTYs: a status line, live lines) and
 * records what it shows, in order. `onStdout` is called with each stdout line as it is printed, to look at the disk then.
 */
export async function runKubepkiOnTerminal(
  args: string[],
  onStdout: (line: string) => void = () => undefined,
): Promise<{ status: number; events: TerminalEvent[]; stdout: string[] }> {
  const events: TerminalEvent[] = [];
  const io: CliIo = {
    stdout: (text) => {
      events.push({ stream: 'stdout', text });
      onStdout(text);
    },
    stderr: (text) => void events.push({ stream: 'stderr', text }),
    progress: (text) => void events.push({ stream: 'status', text }),
    liveLines: true,
  };
  const status = await runCli(args, io);
  return { status, events, stdout: events.filter((e) => e.stream === 'stdout').map((e) => e.text!) };
}
