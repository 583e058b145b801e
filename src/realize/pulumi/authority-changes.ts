import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPublicKey } from 'node:crypto';
import type { PkiPlan } from '../../plan';
import { certificateDrift } from '../../compare';
import { ParsedCertificate, describeKey, keyAlgorithmOf } from '../../crypto';
import type { LocatedAuthorities } from '../../compare';

/**
 * The authorities a plan would replace in a tree a previous `pulumi up` wrote: every input of a tls.PrivateKey or
 * tls.SelfSignedCert forces a replacement, so a CA whose planned properties differ from its certificate on disk (a
 * new algorithm, validity, subject or usages), or an sa key of another algorithm, would be replaced — and with it
 * every certificate it signed or token it verifies. Each generation is judged where locateAuthorities found it (by
 * its CN, in whatever file the rotation stage keeps it); the generation a rotation is replacing is taken as it is.
 * One sentence per authority, saying what changes, why it is refused and what to do instead; empty when nothing
 * would be replaced (or nothing is on disk yet).
 */
export function authorityChanges(plan: PkiPlan, located: LocatedAuthorities): string[] {
  const refusals: string[] = [];
  for (const ca of plan.certificates.filter((c) => c.isCa && !c.retiring)) {
    const found = located.cas.get(ca.id);
    if (!found) continue;
    const drift = certificateDrift(ca, found.certificate);
    if (drift.length === 0) continue;
    refusals.push(
      `${found.certificatePath}: the spec changes CA ${ca.id} (${drift.map((d) => d.message).join('; ')}), which would replace it and every certificate it signed. ` +
        `kubepki never replaces a CA implicitly: put spec.pki back (${fixOf(
          drift.map((d) => d.field),
          found.certificate,
        )}), ` +
        'change it through a rotation (spec.pki.rotation), or, for a lab cluster you rebuild, set kubepki:protectAuthorities false and run `pulumi up` again',
    );
  }
  const signer = plan.keyPairs[0]!;
  const found = signer.retiring ? undefined : located.serviceAccountKeys.get(signer.id);
  const saPublic = plan.files.find((f) => f.content.kind === 'public-key')?.path ?? 'sa.pub';
  const key = found ? createPublicKey(found.publicKeyPem) : undefined;
  if (key && keyAlgorithmOf(key) !== signer.algorithm) {
    refusals.push(
      `${saPublic}: the service-account key is ${describeKey(key)} but the spec asks for ${signer.algorithm}, which would replace it and reject every service-account token. ` +
        `kubepki never replaces the sa key implicitly: set spec.pki.encryptionAlgorithm: ${describeKey(key)}, ` +
        'change it through a rotation (spec.pki.rotation.serviceAccountKey), or, for a lab cluster you rebuild, set kubepki:protectAuthorities false and run `pulumi up` again',
    );
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
 * before the stack's first `pulumi up`. `held` is every CA certificate and sa public key the stack holds (PEM). While
 * the authorities are protected the stack's own can never change, so a trust file none of whose certificates or keys
 * is the stack's belongs to someone else, and no file of it may be overwritten. (During a rotation a trust file may
 * hold a generation the stack is only now creating beside one it holds.)
 */
export function foreignAuthorities(plan: PkiPlan, outDir: string, held: string[]): string[] {
  const der = (pem: string, kind: 'certificate' | 'public-key') => {
    try {
      return Buffer.from(
        kind === 'certificate'
          ? ParsedCertificate.fromPem(pem).der
          : createPublicKey(pem).export({ format: 'der', type: 'spki' }),
      ).toString('hex');
    } catch {
      return undefined;
    }
  };
  const ours = new Set(
    held
      .flatMap((pem) => [der(pem, 'certificate'), der(pem, 'public-key')])
      .filter((d): d is string => d !== undefined),
  );
  const authorityIds = new Set([
    ...plan.certificates.filter((c) => c.isCa).map((c) => c.id),
    ...plan.keyPairs.map((k) => k.id),
  ]);
  const foreign: string[] = [];
  for (const file of plan.files) {
    const { kind, of } = file.content;
    if ((kind !== 'certificate' && kind !== 'public-key') || !authorityIds.has(of)) continue;
    const absolute = path.join(outDir, file.path);
    if (!fs.existsSync(absolute)) continue;
    const blocks =
      fs.readFileSync(absolute, 'utf8').match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
    if (!blocks.some((pem) => ours.has(der(pem, kind) ?? ''))) foreign.push(file.path);
  }
  return foreign;
}
