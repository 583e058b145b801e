import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { cliPath, repoRoot, stackFile } from '../support/fixture-trees';

// Shared by the review CLI tests: the built bin as users run it, and spec variants written to disk.

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function kubepki(args: string[], cwd = repoRoot): Run {
  const result = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const describeRun = (run: Run) => `exit ${run.status}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** The shipped stack's YAML document, changed by `change`, written as `<dir>/<name>`. */
export function writeSpec(dir: string, name: string, stack: string, change: (doc: Record<string, any>) => void = () => undefined): string {
  const doc = yaml.load(fs.readFileSync(stackFile(stack), 'utf8')) as Record<string, any>;
  change(doc);
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, yaml.dump(doc));
  return file;
}
