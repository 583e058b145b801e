import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSpecFile } from '../spec';
import { planPki } from '../plan';
import { KeyPool } from '../crypto/key-pool';
import { ensureOutputDirectory } from '../realize/local/preflight';
import { addClientKeyCommand } from '../outputs/kubeconfig';
import { loadUserRequests } from './user-requests';
import { loadParentCertificates } from './ca-parents';
import { intermediateSigningCommand } from '../crypto/intermediate-certificate';
import { openSigners } from './signer-option';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';
import { RunPrinter } from './run-printer';

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
  const { values, positionals } = parseVerbArgs(verbNamed('generate')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('--out <dir> is required: the directory that receives <node>/, users/ and rbac/');
  const quiet = values.quiet === true;
  const waitText = values.wait as string | undefined;
  const waitSeconds = waitText === undefined ? 60 : Number(waitText);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
    throw new UsageError(
      `--wait ${JSON.stringify(waitText)}: expected a number of seconds (0 to fail at once when another run holds the directory)`,
    );
  const spec = loadSpecFile(positionals[0]!);
  const plan = planPki(spec);
  const dryRun = values['dry-run'] === true;
  // Users' CSRs are checked and signers reached before anything happens to --out: a refusal leaves no trace.
  const certificationRequests = await loadUserRequests(
    plan,
    positionals[0]!,
    spec.spec.users.map((u) => u.name),
  );
  const parentCertificates = loadParentCertificates(plan, positionals[0]!);
  const signers = await openSigners((values.signer as string[] | undefined) ?? [], plan);
  // Into a new directory every key is needed: start them before loading the engine (x509, cdk8s), so the thread pool
  // works while the rest of the program loads. Otherwise the pool only counts the keys a reissue takes.
  const ownKeys = plan.certificates.filter((c) => c.keyHolder === 'kubepki').length + plan.keyPairs.length;
  // With intermediates under an offline root, a new directory's first run makes only their keys and CSRs.
  const planned = isNewDirectory(out) && parentCertificates.size === 0 ? ownKeys : 0;
  // Before any key exists: a read-only, unwritable or full --out fails here, not after minutes of RSA keygen.
  if (!dryRun) {
    try {
      ensureOutputDirectory(out);
    } catch (error) {
      for (const signer of signers.values()) await signer.close?.();
      throw error;
    }
  }
  const printer = new RunPrinter(io, quiet);
  const keyPool = dryRun ? undefined : KeyPool.start(plan.cluster.algorithm, planned, printer.keys);
  const { realizeLocal } = await import('../realize/local');
  let report: Awaited<ReturnType<typeof realizeLocal>>;
  try {
    report = await realizeLocal(plan, out, {
      dryRun,
      prune: values.prune === true,
      lockWaitMs: waitSeconds * 1000,
      onLockWait: (holder) => io.stderr(`waiting for another kubepki run (${holder}) to finish writing ${out}…`),
      ...(keyPool ? { keyPool } : {}),
      signers,
      certificationRequests,
      parentCertificates,
      ...printer.observer,
    });
  } finally {
    for (const signer of signers.values()) await signer.close?.();
  }
  printer.finish(report.changes);
  const counts = new Map<string, number>();
  for (const change of report.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  const summary = [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
  const keys = `${report.generatedKeys} key${report.generatedKeys === 1 ? '' : 's'}`;
  io.stderr(
    report.dryRun
      ? `dry run, nothing written: ${summary}; ${keys} would be generated → ${out}`
      : `${summary}; ${keys} generated → ${out}`,
  );
  // Users who keep their keys get a kubeconfig without one: tell the administrator what to hand over and what to say.
  const usersKeys = new Map(plan.certificates.filter((c) => c.keyHolder === 'user').map((c) => [c.id, c]));
  for (const kc of plan.kubeconfigs.filter((k) => usersKeys.has(k.certificate))) {
    const file = plan.files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === kc.id)!.path;
    const cn = usersKeys.get(kc.certificate)!.subject.commonName;
    io.stderr(
      `give ${path.join(out, file)} (certificate only) to ${cn}, who adds their key with: ${addClientKeyCommand(kc.userName, kc.name, `${cn}.key`)}`,
    );
  }
  // The exchange with an offline root: what to sign, with what, and where the result goes.
  for (const wait of report.awaitingSignature ?? []) {
    const csr = path.join(out, wait.csr);
    const certificate = path.join(out, wait.certificate);
    io.stderr(
      `${wait.ca} is an intermediate of the offline root ${wait.root}: nothing is issued from it until the root signs ${csr}, e.g. ${intermediateSigningCommand(csr, wait.root, certificate)}; place the signed certificate at ${certificate} and run generate again`,
    );
  }
  return exitCodes.ok;
}
