import type { CertificatePlan, PkiPlan } from '../../plan';
import { authorityOfId } from '../../plan';
import { actionableDrift, type LocatedAuthorities } from '../../compare';
import {
  KeyPair,
  describeKey,
  intermediateMismatches,
  intermediateSigningCommand,
  type ParsedCertificate,
} from '../../crypto';
import type { ExistingMaterial } from './existing-material';
import type { CertificateDecision } from './material-decisions';

/**
 * Keep a CA that is on disk, create one that is not — never replace one implicitly: a different algorithm or
 * lifetime is a refusal, since a new CA would invalidate every certificate the old one signed. Undefined when a
 * problem was recorded.
 */
export function decideCertificateAuthority(
  ca: CertificatePlan,
  existing: ExistingMaterial,
  located?: LocatedAuthorities,
  root?: ParsedCertificate,
): CertificateDecision | undefined {
  if (located) return decideRotatedAuthority(ca, existing, located);
  const leafPreference = (text: string) => existing.leavesSignedBy(ca.id, text);
  const cert = existing.sharedCopy(existing.filesOf('certificate', ca.id), `the ${ca.id} certificate`, leafPreference);
  const certificate = cert ? existing.certificate(cert.text, cert.path) : undefined;
  // Disagreeing key copies: the one that matches the certificate is the reference.
  const keyPreference = (text: string) => {
    try {
      return certificate?.parsed.matchesKey(KeyPair.fromPem(text)) ? 1 : 0;
    } catch {
      return 0;
    }
  };
  const keyCopy = existing.sharedCopy(existing.filesOf('private-key', ca.id), `the ${ca.id} key`, keyPreference);
  if (cert === null || keyCopy === null) return undefined;
  const key = keyCopy ? existing.key(keyCopy.text, keyCopy.path) : undefined;
  if (keyCopy && !key) return undefined;
  if (!cert) {
    if (!key) return { action: 'create', plan: ca, reasons: ['new CA'] };
    // A run of an older version killed between the key and its certificate: certify the key that is there, so that
    // anything it already signed keeps chaining to it.
    if (key.pair.algorithm !== ca.algorithm) {
      existing.problems.push({
        path: keyCopy!.path,
        code: 'ca-change',
        message: `exists without its certificate and is ${key.pair.algorithm}, but the spec asks for ${ca.algorithm}: set spec.pki.encryptionAlgorithm: ${key.pair.algorithm} to certify it, or remove it to start a new CA`,
      });
      return undefined;
    }
    return { action: 'create', plan: ca, reasons: ['certificate missing; its existing key is certified again'], key };
  }
  if (!certificate) return undefined;
  if (ca.parent !== undefined)
    return checkedIntermediate(ca, existing, certificate, cert.path, key, keyCopy?.path, root);
  return checkedAuthority(ca, existing, certificate, cert.path, key, keyCopy?.path);
}

/** The spec field that starts a rotation of the authority a CA belongs to. */
export function rotationHint(plan: PkiPlan, id: string): string {
  const a = authorityOfId(plan, id)?.authority;
  return a ? `spec.pki.rotation.${a.authority}: {generation: ${a.generation + 1}, phase: trust}` : 'spec.pki.rotation';
}

/**
 * A CA of a rotated plan, found wherever the previous stage left it (see locateAuthorities). The generation being
 * replaced is kept as it is; a missing new generation is created; the signer is checked like any CA.
 */
function decideRotatedAuthority(
  ca: CertificatePlan,
  existing: ExistingMaterial,
  located: LocatedAuthorities,
): CertificateDecision | undefined {
  const found = located.cas.get(ca.id);
  if (!found) return { action: 'create', plan: ca, reasons: ['new CA'] };
  const certificate = { pem: found.certificatePem, parsed: found.certificate };
  const key = found.key ? { pem: found.keyPem!, pair: found.key } : undefined;
  const signer = authorityOfId(existing.plan, ca.id)?.authority.signer;
  if (!key && !ca.retiring && ca.id !== signer) {
    existing.problems.push({
      path: found.certificatePath,
      code: 'missing-key',
      message: `holds ${ca.id} but its key is in none of the files a rotation keeps it in: restore it from the backup taken before this rotation`,
    });
    return undefined;
  }
  // The generation a rotation replaces is used as it is: a new algorithm or lifetime is why one rotates.
  if (ca.retiring) return { action: 'keep', plan: ca, certificate, ...(key ? { key } : {}) };
  return checkedAuthority(ca, existing, certificate, found.certificatePath, key, found.keyPath);
}

function checkedAuthority(
  ca: CertificatePlan,
  existing: ExistingMaterial,
  certificate: { pem: string; parsed: import('../../crypto').ParsedCertificate },
  certPath: string,
  key: { pem: string; pair: KeyPair } | undefined,
  keyPath: string | undefined,
): CertificateDecision | undefined {
  const cert = { path: certPath };
  const keyCopy = keyPath !== undefined ? { path: keyPath } : undefined;
  const parsed = certificate.parsed;
  if (!parsed.isCa || !parsed.keyUsages.includes('keyCertSign')) {
    existing.problems.push({
      path: cert.path,
      code: 'corrupt',
      message: 'is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)',
    });
    return undefined;
  }
  if (key && !parsed.matchesKey(key.pair)) {
    existing.problems.push({
      path: keyCopy!.path,
      code: 'key-mismatch',
      message: `does not match ${cert.path}: restore the matching key`,
    });
    return undefined;
  }
  // An outside CA's key and lifetime are its owner's (kubeadm's external-CA mode): only leaf keys follow the spec.
  if (ca.keyHolder === 'external-ca') return { action: 'keep', plan: ca, certificate, ...(key ? { key } : {}) };
  if (parsed.algorithm !== ca.algorithm) {
    existing.problems.push({
      path: cert.path,
      code: 'ca-change',
      message: `the existing CA key is ${describeKey(parsed.publicKey)} but the spec asks for ${ca.algorithm}: kubepki never replaces a CA implicitly (it would invalidate every certificate it signed). Set spec.pki.encryptionAlgorithm: ${parsed.algorithm ?? 'the CA key algorithm'} to keep it, or change it through a staged rotation (${rotationHint(existing.plan, ca.id)}, then issue, then finish)`,
    });
    return undefined;
  }
  // A CA you bring (openssl, a corporate PKI) is used whatever its lifetime. A CA kubeadm or kubepki issued carries
  // their five-minute backdate; for those, a different caCertificateValidityPeriod is a spec change to refuse.
  if (actionableDrift(ca, parsed).some((d) => d.field === 'validity')) {
    existing.problems.push({
      path: cert.path,
      code: 'ca-change',
      message: `the existing CA lives ${Math.round(parsed.lifetimeHours)}h but spec.pki.caCertificateValidityPeriod asks for ${ca.validityHours}h: kubepki never replaces a CA implicitly. Set caCertificateValidityPeriod: ${Math.round(parsed.lifetimeHours)}h to keep it, or change it through a staged rotation (${rotationHint(existing.plan, ca.id)}, then issue, then finish)`,
    });
    return undefined;
  }
  return { action: 'keep', plan: ca, certificate, ...(key ? { key } : {}) };
}

/**
 * The second half of the exchange with an offline root: the certificate placed at `<ca>.crt` must be what the plan
 * asked the root for — signed by the root the spec names, a CA with pathLen 0 and keyCertSign, for the key kubepki
 * made. Its lifetime is the root's choice. Anything else is refused, naming the file, what differs and the fix.
 */
function checkedIntermediate(
  ca: CertificatePlan,
  existing: ExistingMaterial,
  certificate: { pem: string; parsed: ParsedCertificate },
  certPath: string,
  key: { pem: string; pair: KeyPair } | undefined,
  keyPath: string | undefined,
  root: ParsedCertificate | undefined,
): CertificateDecision | undefined {
  if (!root) return undefined; // reported by gatherExternalMaterial
  if (!key) {
    existing.problems.push({
      path: certPath,
      code: 'missing-key',
      message: `is the intermediate ${ca.id} but its key ${keyPath ?? certPath.replace(/\.crt$/, '.key')} is absent: restore the key kubepki made for the CSR, or remove both to request a new intermediate`,
    });
    return undefined;
  }
  const reasons = intermediateMismatches(
    certificate.parsed,
    root,
    {
      commonName: ca.subject.commonName,
      algorithm: ca.algorithm,
      pathLength: ca.pathLength ?? 0,
      nameConstraints: ca.nameConstraints,
    },
    key.pair,
  );
  if (reasons.length > 0) {
    const csr = certPath.replace(/\.crt$/, '.csr');
    existing.problems.push({
      path: certPath,
      code: 'intermediate-refused',
      message: `is refused as the intermediate ${ca.id} under the offline root ${ca.parent} (spec.pki.caParents.${ca.id}): ${reasons.join('; ')}. Have the root sign ${csr} as a CA with pathLen 0${ca.nameConstraints ? ' and the name constraints it requests' : ''} (e.g. ${intermediateSigningCommand(csr, ca.parent!, certPath)}) and place the result here`,
    });
    return undefined;
  }
  return { action: 'keep', plan: ca, certificate, key };
}
