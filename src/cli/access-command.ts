import { parseArgs } from 'node:util';
import { accessPolicyOf, buildAccessReport, checkExpectations, describeFailedExpectation, renderAccessMarkdown } from '../access';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';

/** The access matrix of every identity, cluster-admin equivalents, and the spec's expectations (exit 1 if one fails). */
export async function accessCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'o', default: 'md' } } });
  if (values.format !== 'md' && values.format !== 'json') throw new UsageError(`--format ${JSON.stringify(values.format)}: use md or json`);
  const plan = loadPlan(positionals[0]);
  const policy = accessPolicyOf(plan);
  const report = buildAccessReport(plan, policy);
  const expectations = checkExpectations(plan, policy);
  io.stdout(values.format === 'json' ? JSON.stringify({ ...report, expectations }, null, 2) : renderAccessMarkdown(report, expectations));
  const failed = expectations.filter((r) => !r.passed);
  for (const r of failed) io.stderr(describeFailedExpectation(r));
  if (expectations.length > 0) io.stderr(`${expectations.length - failed.length} of ${expectations.length} expectations hold`);
  return failed.length > 0 ? exitCodes.failed : exitCodes.ok;
}
