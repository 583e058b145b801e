/**
 * Helpers for verify tests: copy a realized tree, reissue one of its certificates with its real CA key (to damage
 * exactly one property), and read findings by file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyPair, ParsedCertificate, issueCertificate } from '../../src/crypto';
import type { CertificateContent } from '../../src/vocabulary';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Finding } from '../../src/verify';
import { realizeStack, removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';

/** A fresh copy of `source` (file modes kept), for one damaged variant. */
export function copyTree(source: string): string {
  const copy = temporaryDirectory('kubepki-verify-');
  fs.cpSync(source, copy, { recursive: true });
  return copy;
}

/** The template a certificate was issued from, read back, to reissue it with one change. */
export function templateOf(certificate: ParsedCertificate): CertificateContent {
  return {
    commonName: certificate.commonName,
    organizations: [...certificate.organizations],
    dnsNames: [...certificate.dnsNames],
    ipAddresses: [...certificate.ipAddresses],
    keyUsages: [...certificate.keyUsages],
    extendedKeyUsages: [...certificate.extendedKeyUsages],
    isCa: certificate.isCa,
    validityHours: Math.round(certificate.lifetimeHours),
  };
}

/**
 * Reissues `<node>/pki/<name>.crt` for its existing key, signed by the tree's real CA (`caBase`, e.g. `pki/ca`), after
 * `change` edits the template; `now` moves the issuing clock (for expired certificates).
 */
export async function reissueCertificate(
  dir: string,
  input: {
    node: string;
    name: string;
    caBase: string;
    change: (template: CertificateContent) => void;
    now?: Date;
    pastTheCa?: boolean;
  },
): Promise<void> {
  const nodeDir = path.join(dir, input.node);
  const certFile = path.join(nodeDir, 'pki', `${input.name}.crt`);
  const current = ParsedCertificate.fromPem(fs.readFileSync(certFile));
  const template = templateOf(current);
  input.change(template);
  const issuer = {
    certificate: ParsedCertificate.fromPem(fs.readFileSync(path.join(nodeDir, `${input.caBase}.crt`))),
    key: KeyPair.fromPem(fs.readFileSync(path.join(nodeDir, `${input.caBase}.key`))),
  };
  const key = KeyPair.fromPem(fs.readFileSync(path.join(nodeDir, 'pki', `${input.name}.key`)));
  // issueCertificate never issues past the CA's NotAfter; to build that defect, hide the CA's NotAfter from it.
  if (input.pastTheCa) {
    const real = issuer.certificate;
    issuer.certificate = new Proxy(real, {
      get: (target, prop) => (prop === 'notAfter' ? new Date(8.64e15) : Reflect.get(target, prop, target)),
    });
  }
  const reissued = await issueCertificate(template, key, issuer, input.now ?? new Date());
  fs.writeFileSync(certFile, reissued.pem);
}

/** Files named by error findings, sorted and unique. */
export function errorFiles(findings: Finding[]): string[] {
  return [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.file))].sort();
}

/** Findings as `severity id file` lines, for readable assertion failures. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.severity} ${f.id} ${f.file}: ${f.message}`).join('\n');
}

/** Asserts an error finding `id` on `file`, and errors on `file` (and `alsoErrors`) only; returns that finding. */
export function expectNamed(findings: Finding[], id: string, file: string, alsoErrors: string[] = []): Finding {
  const hit = findings.find((f) => f.id === id && f.file === file && f.severity === 'error');
  expect(hit, `no error ${id} on ${file}:\n${describeFindings(findings)}`).toBeDefined();
  expect(errorFiles(findings), describeFindings(findings)).toEqual([file, ...alsoErrors].sort());
  return hit!;
}

/**
 * A good tree of `stack` and an unrelated (foreign) one, made once per file, plus fresh copies of the good one to
 * damage, removed after each test.
 */
export function useDamageableTrees(stack: 'lab' | 'ha'): {
  good: () => FixtureTree;
  foreign: () => FixtureTree;
  damagedCopy: () => string;
} {
  let good: FixtureTree | undefined;
  let foreign: FixtureTree | undefined;
  const copies: string[] = [];
  beforeAll(async () => {
    [good, foreign] = await Promise.all([realizeStack(stack, 'ECDSA-P256'), realizeStack(stack, 'ECDSA-P256')]);
  });
  afterAll(() => {
    removeTree(good?.dir);
    removeTree(foreign?.dir);
  });
  afterEach(() => {
    for (const dir of copies.splice(0)) removeTree(dir);
  });
  return {
    good: () => good!,
    foreign: () => foreign!,
    damagedCopy: () => {
      const dir = copyTree(good!.dir);
      copies.push(dir);
      return dir;
    },
  };
}
