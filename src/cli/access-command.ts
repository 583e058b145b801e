import {
  accessPolicyOf,
  buildAccessReport,
  checkExpectations,
  describeFailedExpectation,
  discoveryTableFor,
  renderAccessMarkdown,
  renderAccessText,
} from '../access';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';
import { writeJson } from './write-json';

/** The access matrix of every identity, cluster-admin equivalents, and the spec's expectations (exit 1 if one fails). */
export async function accessCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('access')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const format = outputFormatOf(values, ['text', 'md', 'json', 'yaml'] as const, 'text');
  const plan = loadPlan(positionals[0]);
  const policy = accessPolicyOf(plan);
  const report = buildAccessReport(plan, policy);
  const expectations = checkExpectations(plan, policy);
  const document = { ...report, expectations };
  // JSON is written element by element: the matrix of a thousand users as one string would double peak memory.
  if (format === 'json') writeJson(io, document);
  else
    io.stdout(
      format === 'yaml'
        ? renderYaml(document)
        : format === 'md'
          ? renderAccessMarkdown(report, expectations)
          : renderAccessText(report, expectations),
    );
  // Expectations name resources; say when the table resolving them is not of the spec's own minor.
  const { note } = discoveryTableFor(plan.cluster.kubernetesVersion);
  if (note && expectations.length > 0) io.stderr(`note: ${note}`);
  for (const r of expectations) if (r.warning && r.passed) io.stderr(`Warning: ${r.as} "${r.action}": ${r.warning}`);
  const failed = expectations.filter((r) => !r.passed);
  for (const r of failed) io.stderr(describeFailedExpectation(r));
  if (expectations.length > 0)
    io.stderr(`${expectations.length - failed.length} of ${expectations.length} expectations hold`);
  return failed.length > 0 ? exitCodes.failed : exitCodes.ok;
}
