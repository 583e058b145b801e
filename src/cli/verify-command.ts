import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { hasErrorFindings } from '../verify/finding';
import { verifyPki } from '../verify/verify-pki';
import { renderFindingsJson, renderFindingsText } from '../verify/render-findings';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';


/**
 * Verifies an /etc/kubernetes (kubeadm's or kubepki's) or a `generate --out` tree: every finding with its file and
 * reason; with --spec also drift against the plan and the spec's access expectations. Exit 1 on any error finding.
 */
export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { spec: { type: 'string' }, format: { type: 'string', short: 'o', default: 'text' }, 'expiry-window': { type: 'string', default: '30' } },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one directory');
  if (!fs.existsSync(positionals[0]!) || !fs.statSync(positionals[0]!).isDirectory()) {
    throw new UsageError(`${JSON.stringify(positionals[0])} is not a directory: name an /etc/kubernetes or a \`kubepki generate --out\` directory`);
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format ${JSON.stringify(values.format)}: use text or json`);
  const window = Number(values['expiry-window']);
  if (!Number.isInteger(window) || window < 0) throw new UsageError(`--expiry-window ${JSON.stringify(values['expiry-window'])}: expected a whole number of days`);
  const plan = values.spec ? loadPlan(values.spec) : undefined;
  const findings = verifyPki(positionals[0]!, { ...(plan ? { plan, specFile: values.spec! } : {}), expiryWindowDays: window });
  io.stdout(values.format === 'json' ? renderFindingsJson(findings) : renderFindingsText(findings));
  return hasErrorFindings(findings) ? exitCodes.failed : exitCodes.ok;
}
