import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyPair, createCertificationRequest } from '../crypto';
import { addClientKeyCommand } from '../outputs';
import { keyAlgorithms, type KeyAlgorithm } from '../vocabulary';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/**
 * `kubepki user-request`: run by the user on their own machine. Makes a key (0600, never leaves the machine) and a CSR
 * to hand to the cluster's administrator, who names it in the spec (`users[].csr`).
 */
export async function userRequestCommand(args: string[], io: CliIo): Promise<number> {
  const { values: raw, positionals } = parseVerbArgs(verbNamed('user-request')!, args);
  const values = {
    group: raw.group as string[] | undefined,
    algorithm: raw.algorithm as string,
    out: raw.out as string,
    force: raw.force === true,
  };
  if (positionals.length !== 1) throw new UsageError("expected exactly one user name (the spec's users[].name)");
  const name = positionals[0]!;
  if (!(keyAlgorithms as readonly string[]).includes(values.algorithm!))
    throw new UsageError(`--algorithm ${JSON.stringify(values.algorithm)}: use one of ${keyAlgorithms.join(', ')}`);
  if (/[/\\\0-\x1f]/.test(name) || name.startsWith('.') || name.length > 64)
    throw new UsageError(
      `${JSON.stringify(name)} is not a usable user name (it becomes the file names <name>.key and <name>.csr)`,
    );
  const keyFile = path.join(values.out!, `${name}.key`);
  const csrFile = path.join(values.out!, `${name}.csr`);
  for (const file of [keyFile, csrFile]) {
    if (fs.existsSync(file) && !values.force)
      throw new UsageError(`${file} exists: keep it, or pass --force to make a new key and CSR`);
  }
  const key = await KeyPair.generate(values.algorithm as KeyAlgorithm);
  const csr = await createCertificationRequest(key, { commonName: name, organizations: values.group ?? [] });
  fs.mkdirSync(values.out!, { recursive: true });
  // The key is created 0600 (not chmod-ed after), so it is never readable by others, even for an instant.
  fs.rmSync(keyFile, { force: true });
  fs.writeFileSync(keyFile, key.toPem(), { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(csrFile, csr, { mode: 0o644 });
  io.stdout(
    [
      `wrote ${keyFile} (private key, 0600: keep it here) and ${csrFile} (certificate signing request)`,
      `send ${csrFile} to your cluster administrator; the spec names it as users[].csr`,
      `when you receive ${name}.conf (certificate only), add your key with:`,
      // The kubeconfig names its user <name>@<cluster> (unique when merged), which only the administrator's spec knows.
      `  ${addClientKeyCommand(`${name}@<cluster>`, `${name}.conf`, keyFile)}`,
      `  (<cluster> as the file names it: kubectl --kubeconfig=${name}.conf config view -o jsonpath='{.users[0].name}')`,
    ].join('\n'),
  );
  return exitCodes.ok;
}
