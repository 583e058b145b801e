import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parseSpec, parseSpecText } from '../spec';
import { planPki, type PkiPlan } from '../plan';
import { diffExitCode, diffPlans, renderDiffJson, renderDiffMarkdown } from '../review';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** A plan with nothing in it: the base of a spec that does not exist yet at the revision. */
function emptyPlan(head: PkiPlan): PkiPlan {
  return {
    ...head,
    nodes: [],
    certificates: [],
    keyPairs: [],
    kubeconfigs: [],
    rbac: [],
    identities: [],
    expectations: [],
    files: [],
  };
}

/**
 * The plan of `file` as committed at `rev`, read with `git show <rev>:./<file>` from the file's directory (so the path
 * is relative to where the file is, wherever the repository root is). Undefined when the file is new since `rev`.
 */
function planAtRevision(rev: string, file: string): PkiPlan | undefined {
  // A revision is passed to git as an argument: one that looks like an option would be taken for one.
  if (rev.startsWith('-'))
    throw new UsageError(`--git ${JSON.stringify(rev)} is not a revision: name a commit, branch or tag`);
  if (/\.(ts|js|cjs)$/i.test(file))
    throw new UsageError(`--git reads YAML or JSON specs; ${file} is code, whose imports cannot be read at a revision`);
  const source = `${file}@${rev}`;
  let text: string;
  try {
    text = execFileSync('git', ['show', `${rev}:./${path.basename(file)}`], {
      cwd: path.dirname(path.resolve(file)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const output = (error as { stderr?: string | Buffer }).stderr;
    const stderr = (output === undefined ? (error as Error).message : output.toString()).trim();
    if (/does not exist in|exists on disk, but not in/.test(stderr)) return undefined;
    throw new UsageError(`git show ${rev}:${file} failed: ${stderr.split('\n')[0]}`);
  }
  return planPki(parseSpec(parseSpecText(text, source), source));
}

/**
 * The semantic PKI diff between two specs (or a spec at a git revision and in the working tree), as a Markdown PR
 * comment or JSON. With --exit-code: 0 no change, 1 changes, 3 changes that replace a CA or the sa key.
 */
export async function diffCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('diff')!, args);
  const format = outputFormatOf(values, ['md', 'json', 'yaml'] as const, 'md');
  const git = values.git as string | undefined;
  let base: PkiPlan;
  let head: PkiPlan;
  if (git !== undefined) {
    if (positionals.length !== 1) throw new UsageError('with --git <rev>, expected exactly one spec file');
    head = loadPlan(positionals[0]);
    base = planAtRevision(git, positionals[0]!) ?? emptyPlan(head);
  } else {
    if (positionals.length !== 2) throw new UsageError('expected <base spec> <head spec>, or --git <rev> <spec>');
    base = loadPlan(positionals[0]);
    head = loadPlan(positionals[1]);
  }
  const diff = diffPlans(base, head);
  io.stdout(
    format === 'json'
      ? renderDiffJson(diff)
      : format === 'yaml'
        ? renderYaml(JSON.parse(renderDiffJson(diff)))
        : renderDiffMarkdown(diff),
  );
  if (!values['exit-code']) return exitCodes.ok;
  const code = diffExitCode(diff);
  return code === 3 ? exitCodes.caChange : code === 1 ? exitCodes.failed : exitCodes.ok;
}
