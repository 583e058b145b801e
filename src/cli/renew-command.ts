import * as fs from 'node:fs';
import { loadSpecFile } from '../spec';
import { planPki, type PkiPlan } from '../plan';
import { KeyPool } from '../crypto/key-pool';
import { closestName } from '../spec/closest-name';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { RunPrinter } from './run-printer';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';
import { loadParentCertificates } from './ca-parents';

/** kubeadm's name of a certificate (`etcd-server` for `etcd/server`), as `kubeadm certs renew` takes it. */
const kubeadmName = (name: string) => name.replace(/^etcd\//, 'etcd-');

/**
 * The leaf certificates a list of names selects: plan ids (`cp1/apiserver`, `users/alice.conf`), kubeadm's names on
 * every node (`apiserver`, `etcd-server`, `admin.conf`) or node-qualified (`cp1/etcd-server`). CAs are refused.
 */
function selectCertificates(plan: PkiPlan, names: string[]): string[] {
  const leaves = plan.certificates.filter((c) => !c.isCa);
  const selected = new Set<string>();
  for (const name of names) {
    if (plan.certificates.some((c) => c.isCa && (c.id === name || c.name === name))) {
      throw new UsageError(
        `${JSON.stringify(name)} is a CA: renewing a CA replaces it (every certificate it signed must follow), which is a CA rotation, not a renewal; as with kubeadm certs renew, name leaf certificates`,
      );
    }
    const matches = leaves.filter(
      (c) =>
        c.id === name ||
        c.name === name ||
        kubeadmName(c.name) === name ||
        (c.node !== undefined && `${c.node}/${kubeadmName(c.name)}` === name),
    );
    if (matches.length === 0) {
      const known = [...new Set(leaves.flatMap((c) => [c.id, kubeadmName(c.name)]))].sort();
      const guess = closestName(name, known);
      throw new UsageError(
        `no certificate ${JSON.stringify(name)} in this plan${guess ? `: did you mean ${JSON.stringify(guess)}?` : ''} (names: ${known.join(', ')})`,
      );
    }
    for (const c of matches) selected.add(c.id);
  }
  return [...selected].sort();
}

/**
 * `kubepki renew`: kubeadm's `certs renew` for a generated tree — the named certificates (or all leaves) reissued
 * now with their own keys and a fresh validity, the kubeconfigs that embed them rewritten, nothing else touched.
 */
export async function renewCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('renew')!, args);
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('--out <dir> is required: the directory `kubepki generate` wrote');
  const [specFile, ...names] = positionals;
  if (!specFile) throw new UsageError('expected <spec> and the certificates to renew, or --all');
  if (values.all === true && names.length > 0) throw new UsageError('name certificates or give --all, not both');
  if (values.all !== true && names.length === 0)
    throw new UsageError(
      'name the certificates to renew (e.g. apiserver, admin.conf, users/alice.conf), or give --all',
    );
  if (!fs.existsSync(out))
    throw new UsageError(
      `${JSON.stringify(out)} does not exist: renew reissues what \`kubepki generate --out ${out}\` wrote`,
    );
  const plan = planPki(loadSpecFile(specFile));
  const renew =
    values.all === true ? plan.certificates.filter((c) => !c.isCa).map((c) => c.id) : selectCertificates(plan, names);
  const quiet = values.quiet === true;
  const dryRun = values['dry-run'] === true;
  // As kubeadm certs renew lists only what it renewed: the files left as they were get no line.
  const printer = new RunPrinter(io, quiet, (change) => change.action !== 'kept');
  const keyPool = dryRun ? undefined : KeyPool.start(plan.cluster.algorithm, 0, printer.keys);
  const { realizeLocal } = await import('../realize/local');
  const report = await realizeLocal(plan, out, {
    dryRun,
    renew,
    parentCertificates: loadParentCertificates(plan, specFile),
    onLockWait: (holder) => io.stderr(`waiting for another kubepki run (${holder}) to finish writing ${out}…`),
    ...(keyPool ? { keyPool } : {}),
    ...printer.observer,
  });
  printer.finish(report.changes);
  const reissued = report.changes.filter((c) => c.action === 'reissued').length;
  io.stderr(
    `${dryRun ? 'dry run, nothing written: ' : ''}${renew.length} certificate${renew.length === 1 ? '' : 's'} renewed with ${dryRun ? 'their' : 'the same'} keys; ${reissued} files ${dryRun ? 'would be ' : ''}rewritten; ${report.generatedKeys} keys ${dryRun ? 'would be ' : ''}generated → ${out}`,
  );
  return exitCodes.ok;
}
