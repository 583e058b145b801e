import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { expiryReport } from '../verify/expiry-report';
import { renderExpiryJson, renderExpiryText } from '../verify/render-expiry-report';
import { exitCodes, UsageError, type CliIo } from './cli-io';


/** `kubeadm certs check-expiration` from the files alone: certificates, then CAs; per node for a generated tree. */
export async function expiryCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, format: { type: 'string' } } });
  // kubeadm's own flag is -o/--output; --format is accepted too, as every other kubepki verb takes it.
  values.output ??= values.format ?? 'text';
  if (positionals.length !== 1) throw new UsageError('expected exactly one directory');
  if (!fs.existsSync(positionals[0]!) || !fs.statSync(positionals[0]!).isDirectory()) {
    throw new UsageError(`${JSON.stringify(positionals[0])} is not a directory: name an /etc/kubernetes or a \`kubepki generate --out\` directory`);
  }
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`-o ${JSON.stringify(values.output)}: use text or json`);
  const report = expiryReport(positionals[0]!);
  io.stdout(values.output === 'json' ? renderExpiryJson(report) : renderExpiryText(report));
  return report.problems.some((p) => p.severity === 'error') ? exitCodes.failed : exitCodes.ok;
}
