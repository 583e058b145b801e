import * as path from 'node:path';
import { loadSpecFile, SpecError } from '../spec';
import { externalCaExchanges, planPki } from '../plan';
import { KeyPool } from '../crypto/key-pool';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { RunPrinter } from './run-printer';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';
import { loadUserRequests } from './user-requests';

/**
 * `kubepki csr`: kubeadm's `certs generate-csr` for the leaves an outside CA signs — a key and a CSR each, in
 * kubeadm's layout under `--out` — then the list of CSRs to have signed and where each certificate goes back.
 */
export async function csrCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('csr')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const out = values.out as string | undefined;
  if (!out)
    throw new UsageError(
      '--out <dir> is required: the directory that receives <node>/ and users/ (the one kubepki generate completes)',
    );
  const waitText = values.wait as string | undefined;
  const waitSeconds = waitText === undefined ? 60 : Number(waitText);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
    throw new UsageError(
      `--wait ${JSON.stringify(waitText)}: expected a number of seconds (0 to fail at once when another run holds the directory)`,
    );
  const spec = loadSpecFile(positionals[0]!);
  const plan = planPki(spec);
  if (externalCaExchanges(plan).length === 0) {
    throw new SpecError(
      [
        {
          code: 'no_external_ca',
          path: 'spec.pki.caKeys',
          message:
            'names no CA as external-ca, so kubepki signs every certificate itself and there is nothing for an outside CA to sign: set spec.pki.caKeys.ca (and front-proxy-ca, etcd-ca as wanted) to external-ca',
        },
      ],
      positionals[0],
    );
  }
  // Users who keep their keys: their CSRs are checked as generate checks them, then copied for the outside CA.
  const certificationRequests = await loadUserRequests(
    plan,
    positionals[0]!,
    spec.spec.users.map((u) => u.name),
  );
  const quiet = values.quiet === true;
  const dryRun = values['dry-run'] === true;
  const printer = new RunPrinter(io, quiet);
  const keyPool = dryRun ? undefined : KeyPool.start(plan.cluster.algorithm, 0, printer.keys);
  const { requestCertificates } = await import('../realize/local');
  const report = await requestCertificates(plan, out, {
    dryRun,
    lockWaitMs: waitSeconds * 1000,
    onLockWait: (holder) => io.stderr(`waiting for another kubepki run (${holder}) to finish writing ${out}…`),
    ...(keyPool ? { keyPool } : {}),
    certificationRequests,
    ...printer.observer,
  });
  printer.finish(report.changes);
  const keys = `${report.generatedKeys} key${report.generatedKeys === 1 ? '' : 's'}`;
  if (report.awaiting.length === 0) {
    io.stderr(
      `${dryRun ? 'dry run: ' : ''}every certificate the outside CA signs is in place and matches the plan; nothing to sign → ${out}`,
    );
    return exitCodes.ok;
  }
  io.stderr(
    `${dryRun ? `dry run, nothing written: ${keys} would be generated; ` : `${keys} generated; `}${report.awaiting.length} CSR${report.awaiting.length === 1 ? '' : 's'} for the outside CA → ${out}`,
  );
  io.stderr(
    'have your CA sign each CSR and save the certificate beside it (<name>.csr → <name>.crt), then run kubepki generate:',
  );
  for (const exchange of report.awaiting)
    io.stderr(
      `  ${path.join(out, exchange.requestFile)} → ${path.join(out, exchange.returnedFile)}  (signed by ${exchange.certificate.issuer})`,
    );
  return exitCodes.ok;
}
