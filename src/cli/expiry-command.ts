import { expiryReport } from '../verify/expiry-report';
import { renderExpiryJson, renderExpiryText } from '../verify/render-expiry-report';
import { exitCodes, type CliIo } from './cli-io';
import { directoryArgument } from './node-directory';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** `kubeadm certs check-expiration` from the files alone: certificates, then CAs; per node for a generated tree. */
export async function expiryCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('expiry')!, args);
  const format = outputFormatOf(values, ['text', 'json', 'yaml'] as const, 'text');
  const report = expiryReport(directoryArgument(positionals));
  io.stdout(
    format === 'json'
      ? renderExpiryJson(report)
      : format === 'yaml'
        ? renderYaml(JSON.parse(renderExpiryJson(report)))
        : renderExpiryText(report),
  );
  return report.problems.some((p) => p.severity === 'error') ? exitCodes.failed : exitCodes.ok;
}
