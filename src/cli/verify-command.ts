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

interface TreeCounts {
  certificates: number;
  keys: number;
  kubeconfigs: number;
  /** Kubeconfigs that embed their client key (client-key-data): their key/certificate match is checked too. */
  kubeconfigKeys: number;
  /** ca.crt, front-proxy-ca.crt, etcd/ca.crt of one node: separation is checked when there is more than one. */
  cas: number;
  saKeys: number;
}

/** What the tree holds: what a clean verify says it checked, naming only the checks that had something to check. */
function countFiles(dir: string): TreeCounts {
  const counts: TreeCounts = { certificates: 0, keys: 0, kubeconfigs: 0, kubeconfigKeys: 0, cas: 0, saKeys: 0 };
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.crt')) {
        counts.certificates++;
        if (/(^|\/)(ca|front-proxy-ca|etcd\/ca)\.crt$/.test(path.relative(dir, file))) counts.cas++;
      } else if (entry.name.endsWith('.key')) counts.keys++;
      else if (entry.name.endsWith('.conf')) {
        counts.kubeconfigs++;
        if (readable(file)?.includes('client-key-data:')) counts.kubeconfigKeys++;
      }
      if (entry.name === 'sa.key' || entry.name === 'sa.pub') counts.saKeys++;
    }
  };
  walk(dir);
  return counts;
}

function readable(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

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
    const credentials = c.certificates + c.kubeconfigs > 0;
    const checks = [
      ...(credentials ? ['chains to the right CA and no other'] : []),
      ...(parentCertificates?.size
        ? [
            `intermediates under the offline root${new Set(plan!.certificates.map((c) => c.parent).filter(Boolean)).size > 1 ? 's' : ''}`,
          ]
        : []),
      ...(c.keys + c.kubeconfigKeys > 0 ? ['key/certificate matches'] : []),
      ...(credentials ? ["kubeadm's subjects, usages and SANs"] : []),
      ...(c.cas > 1 ? ['CA separation'] : []),
      ...(c.kubeconfigs > 0 ? ['kubeconfig CA data and servers'] : []),
      ...(c.saKeys > 0 ? ['the sa key pair'] : []),
      'file modes',
      ...(credentials ? [`expiry beyond ${window} days`] : []),
      ...(plan ? [`no drift from ${specFile}`, counted(plan.expectations.length, 'access expectation')] : []),
    ];
    io.stdout(
      `ok: ${dir}: ${counted(c.certificates, 'certificate')}, ${counted(c.keys, 'key')} and ${counted(c.kubeconfigs, 'kubeconfig')} checked: ${checks.join(', ')}`,
    );
  }
  return hasErrorFindings(findings) ? exitCodes.failed : exitCodes.ok;
}
