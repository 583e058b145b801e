import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPublicKey } from 'node:crypto';
import type { PkiPlan } from '../../plan';
import { certificateDrift } from '../../compare';
import { ParsedCertificate, describeKey, keyAlgorithmOf } from '../../crypto';

/**
 * The authorities a plan would replace in a tree a previous `pulumi up` wrote: every input of a tls.PrivateKey or
 * tls.SelfSignedCert forces a replacement, so a CA whose planned properties differ from its certificate on disk (a
 * new algorithm, validity, subject or usages), or an sa key of another algorithm, would be replaced — and with it
 * every certificate it signed or token it verifies. One sentence per authority, saying what changes, why it is
 * refused and what to do instead; empty when nothing would be replaced (or nothing is on disk yet).
 */
export function authorityChanges(plan: PkiPlan, outDir: string): string[] {
  const refusals: string[] = [];
  const firstFile = (kind: string, of: string) => plan.files.find((f) => f.content.kind === kind && f.content.of === of && fs.existsSync(path.join(outDir, f.path)));
  for (const ca of plan.certificates.filter((c) => c.isCa)) {
    const file = firstFile('certificate', ca.id);
    if (!file) continue;
    let existing: ParsedCertificate;
    try {
      existing = ParsedCertificate.fromPem(fs.readFileSync(path.join(outDir, file.path)));
    } catch {
      continue; // Not ours to judge here: the file resource rewrites what the stack holds.
    }
    const drift = certificateDrift(ca, existing);
    if (drift.length === 0) continue;
    refusals.push(
      `${file.path}: the spec changes CA ${ca.id} (${drift.map((d) => d.message).join('; ')}), which would replace it and every certificate it signed. ` +
        `kubepki never replaces a CA implicitly: put spec.pki back (${fixOf(drift.map((d) => d.field), existing)}), ` +
        'or, for a lab cluster you rebuild, set kubepki:protectAuthorities false and run `pulumi up` again',
    );
  }
  const saPublic = plan.files.find((f) => f.content.kind === 'public-key' && fs.existsSync(path.join(outDir, f.path)));
  if (saPublic) {
    const planned = plan.keyPairs[0]!.algorithm;
    let key: ReturnType<typeof createPublicKey> | undefined;
    try {
      key = createPublicKey(fs.readFileSync(path.join(outDir, saPublic.path)));
    } catch {
      key = undefined;
    }
    if (key && keyAlgorithmOf(key) !== planned) {
      refusals.push(
        `${saPublic.path}: the service-account key is ${describeKey(key)} but the spec asks for ${planned}, which would replace it and reject every service-account token. ` +
          `kubepki never replaces the sa key implicitly: set spec.pki.encryptionAlgorithm: ${describeKey(key)}, ` +
          'or, for a lab cluster you rebuild, set kubepki:protectAuthorities false and run `pulumi up` again',
      );
    }
  }
  return refusals;
}

function fixOf(fields: string[], existing: ParsedCertificate): string {
  const fixes: string[] = [];
  if (fields.includes('algorithm')) fixes.push(`encryptionAlgorithm: ${existing.algorithm ?? 'the CA key algorithm'}`);
  if (fields.includes('validity')) fixes.push(`caCertificateValidityPeriod: ${Math.round(existing.lifetimeHours)}h`);
  return fixes.length > 0 ? fixes.join(', ') : 'as it was when the CA was created';
}

/**
 * The authority files in outDir that are not the stack's own: a tree another PKI wrote (`kubepki generate`, kubeadm)
 * before the stack's first `pulumi up`. `held` is what the stack holds, by CA id and `sa` (the CA certificate and
 * the sa public key, as PEM). While the authorities are protected the stack's own can never change, so any
 * difference means the tree belongs to someone else, and no file of it may be overwritten.
 */
export function foreignAuthorities(plan: PkiPlan, outDir: string, held: Record<string, string>): string[] {
  const foreign: string[] = [];
  const same = (a: string, b: string, kind: 'certificate' | 'public-key') => {
    try {
      const der = (pem: string) => Buffer.from(kind === 'certificate' ? ParsedCertificate.fromPem(pem).node.raw : createPublicKey(pem).export({ format: 'der', type: 'spki' }));
      return der(a).equals(der(b));
    } catch {
      return false;
    }
  };
  for (const file of plan.files) {
    const { kind, of } = file.content;
    if ((kind !== 'certificate' && kind !== 'public-key') || held[of] === undefined) continue;
    const absolute = path.join(outDir, file.path);
    if (fs.existsSync(absolute) && !same(fs.readFileSync(absolute, 'utf8'), held[of]!, kind)) foreign.push(file.path);
  }
  return foreign;
}
