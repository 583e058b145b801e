import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../spec';
import { planPki } from '../plan';
import { KeyPool } from '../crypto/key-pool';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { ensureOutputDirectory } from '../realize/local/preflight';

/** A directory that holds nothing yet: every planned key will be generated. */
function isNewDirectory(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** `kubepki generate`: writes (or with --dry-run, describes) the tree; one line per file: created, kept, reissued. */
export async function generateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      'dry-run': { type: 'boolean' },
      prune: { type: 'boolean' },
      wait: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  if (!values.out) throw new UsageError('--out <dir> is required: the directory that receives <node>/, users/ and rbac/');
  const waitSeconds = values.wait === undefined ? 60 : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait ${JSON.stringify(values.wait)}: expected a number of seconds (0 to fail at once when another run holds the directory)`);
  const spec = loadSpecFile(positionals[0]!);
  const plan = planPki(spec);
  const dryRun = values['dry-run'] ?? false;
  const newDirectory = isNewDirectory(values.out);
  // Before any key exists: a read-only, unwritable or full --out fails here, not after minutes of RSA keygen.
  if (!dryRun) ensureOutputDirectory(values.out);
  // Into a new directory every key is needed: start them before loading the engine (x509, cdk8s), so the thread pool
  // works while the rest of the program loads.
  const keyPool = !dryRun && newDirectory ? KeyPool.start(plan.cluster.algorithm, plan.certificates.length + plan.keyPairs.length) : undefined;
  const { realizeLocal } = require('../realize/local') as typeof import('../realize/local');
  const report = await realizeLocal(plan, values.out, {
    dryRun,
    prune: values.prune ?? false,
    lockWaitMs: waitSeconds * 1000,
    onLockWait: (holder) => io.stderr(`waiting for another kubepki run (${holder}) to finish writing ${values.out}…`),
    ...(keyPool ? { keyPool } : {}),
  });
  const counts = new Map<string, number>();
  for (const change of report.changes) {
    counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
    if (!values.quiet) io.stdout(`${change.action.padEnd(9)}${change.path}${change.reason ? `  (${change.reason})` : ''}`);
  }
  const summary = [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
  io.stderr(`${report.dryRun ? 'dry run, nothing written: ' : ''}${summary}; ${report.generatedKeys} key${report.generatedKeys === 1 ? '' : 's'} generated → ${values.out}`);
  return exitCodes.ok;
}
