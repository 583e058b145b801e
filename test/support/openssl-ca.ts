import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { runCommand, type CommandResult } from './managed-process';

// An offline root and the CAs around it, played by OpenSSL: the one place conformance tests spell its commands.

/** Runs openssl and expects it to succeed (its stderr in the failure message). */
export async function opensslOk(args: string[]): Promise<CommandResult> {
  const result = await runCommand('openssl', args, { timeoutMs: 20_000 });
  expect(result.code, `openssl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

const newEcKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed ECDSA P-256 root (10 years, CA:true, keyCertSign + cRLSign) at `<base>.key` / `<base>.crt`. */
export function opensslRoot(base: string, subject: string): Promise<CommandResult> {
  return opensslOk([
    'req',
    '-x509',
    ...newEcKey,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.crt`,
    '-subj',
    subject,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/**
 * A self-signed certificate at `<base>.crt` with a new key at `<base>.key` (ECDSA P-256 unless `newKey` says
 * otherwise, e.g. `['-newkey', 'rsa:2048']`), made with whatever `req -x509` options `args` adds (30 days unless set).
 */
export function opensslSelfSigned(base: string, args: string[], newKey: string[] = newEcKey): Promise<CommandResult> {
  return opensslOk([
    'req',
    '-x509',
    ...newKey,
    ...(newKey.includes('-nodes') ? [] : ['-nodes']),
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.crt`,
    ...(args.includes('-days') ? [] : ['-days', '30']),
    ...args,
  ]);
}

/** A new ECDSA P-256 key at `<base>.key` and its CSR at `<base>.csr`, requesting `extensions` (openssl -addext). */
export function opensslKeyAndCsr(base: string, subject: string, extensions: string[] = []): Promise<CommandResult> {
  return opensslOk([
    'req',
    '-new',
    ...newEcKey,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.csr`,
    '-subj',
    subject,
    ...extensions.flatMap((e) => ['-addext', e]),
  ]);
}

/**
 * A CA operator signing a CSR: copies the extensions the CSR requests, or writes `extensions` (an openssl extfile's
 * text) instead.
 */
export async function opensslSign(options: {
  csr: string;
  out: string;
  ca: { crt: string; key: string };
  days: number;
  extensions?: string;
}): Promise<CommandResult> {
  // The extfile lives outside the tree the certificate goes into: a stray file there would be one more finding.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepki-extfile-'));
  const extfile = path.join(scratch, 'extensions.cnf');
  if (options.extensions) fs.writeFileSync(extfile, options.extensions);
  return opensslOk([
    'x509',
    '-req',
    '-in',
    options.csr,
    '-CA',
    options.ca.crt,
    '-CAkey',
    options.ca.key,
    '-days',
    String(options.days),
    '-out',
    options.out,
    ...(options.extensions ? ['-extfile', extfile] : ['-copy_extensions', 'copyall']),
  ]).finally(() => fs.rmSync(scratch, { recursive: true, force: true }));
}
