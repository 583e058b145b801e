import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorFindings } from '../verify/finding';
import { verifyPki } from '../verify/verify-pki';
import { renderFindingsJson, renderFindingsText } from '../verify/render-findings';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { loadParentCertificates } from './ca-parents';
import { directoryArgument } from './node-directory';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** How many certificates, keys and kubeconfigs the tree holds: what a clean verify says it checked. */
function countFiles(dir: string): { certificates: number; keys: number; kubeconfigs: number } {
  const counts = { certificates: 0, keys: 0, kubeconfigs: 0 };
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(d, entry.name));
      else if (entry.name.endsWith('.crt')) counts.certificates++;
      else if (entry.name.endsWith('.key')) counts.keys++;
      else if (entry.name.endsWith('.conf')) counts.kubeconfigs++;
    }
  };
  walk(dir);
  return counts;
}

/**
 * Verifies an /etc/kubernetes (kubeadm's or kubepki's) or a `generate --out` tree: every finding with its file and
 * reason; with --spec also drift against the plan and the spec's access expectations. Exit 1 on any error finding.
 */
export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('verify')!, args);
  const format = outputFormatOf(values, ['text', 'json', 'yaml'] as const, 'text');
  const dir = directoryArgument(positionals);
  const windowText = values['expiry-window'] as string;
  const window = Number(windowText);
  if (!Number.isInteger(window) || window < 0)
    throw new UsageError(`--expiry-window ${JSON.stringify(windowText)}: expected a whole number of days`);
  const specFile = values.spec as string | undefined;
  const plan = specFile ? loadPlan(specFile) : undefined;
  const parentCertificates = plan ? loadParentCertificates(plan, specFile!) : undefined;
  const findings = verifyPki(dir, {
    ...(plan ? { plan, specFile: specFile! } : {}),
    ...(parentCertificates?.size ? { parentCertificates } : {}),
    expiryWindowDays: window,
  });
  if (format !== 'text') {
    io.stdout(format === 'json' ? renderFindingsJson(findings) : renderYaml(JSON.parse(renderFindingsJson(findings))));
    return hasErrorFindings(findings) ? exitCodes.failed : exitCodes.ok;
  }
  io.stdout(renderFindingsText(findings));
  if (!findings.some((f) => f.severity === 'error' || f.severity === 'warning')) {
    const c = countFiles(dir);
    const checks = [
      'chains to the right CA and no other',
      ...(parentCertificates?.size
        ? [
            `intermediates under the offline root${new Set(plan!.certificates.map((c) => c.parent).filter(Boolean)).size > 1 ? 's' : ''}`,
          ]
        : []),
      'key/certificate matches',
      "kubeadm's subjects, usages and SANs",
      'CA separation',
      'kubeconfig CA data and servers',
      'the sa key pair',
      'file modes',
      `expiry beyond ${window} days`,
      ...(plan
        ? [
            `no drift from ${specFile}`,
            `${plan.expectations.length} access expectation${plan.expectations.length === 1 ? '' : 's'}`,
          ]
        : []),
    ];
    io.stdout(
      `ok: ${dir}: ${c.certificates} certificates, ${c.keys} keys and ${c.kubeconfigs} kubeconfigs checked: ${checks.join(', ')}`,
    );
  }
  return hasErrorFindings(findings) ? exitCodes.failed : exitCodes.ok;
}
