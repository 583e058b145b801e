import { runKubepki } from '../support/run-kubepki';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot, stackFile } from '../support/fixture-trees';

// Shared by the review CLI tests: the built bin as users run it, and spec variants written to disk.

export { describeRun, type CliRun as Run } from '../support/built-cli';

export const kubepki = (args: string[], cwd = repoRoot) => runKubepki(args, { cwd });

/** The shipped stack's YAML document, changed by `change`, written as `<dir>/<name>`. */
export function writeSpec(
  dir: string,
  name: string,
  stack: string,
  change: (doc: Record<string, any>) => void = () => undefined,
): string {
  const doc = yaml.load(fs.readFileSync(stackFile(stack), 'utf8')) as Record<string, any>;
  change(doc);
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, yaml.dump(doc));
  return file;
}
