import type { KeyPair, ParsedCertificate } from '../crypto';
import type { ExtendedKeyUsage } from '../vocabulary';
import type { Finding } from './finding';
import type { LocatedCertificate, VerifyContext } from './verify-context';

const dayMs = 24 * 3600_000;
const isoMinute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Expired or not yet valid is an error (every peer rejects it); expiring within the window is a warning. */
export function checkValidity(certificate: ParsedCertificate, file: string, context: VerifyContext): Finding[] {
  const findings: Finding[] = [];
  const left = certificate.notAfter.getTime() - context.now.getTime();
  if (left <= 0) {
    const ago = Math.floor(-left / dayMs);
    findings.push({
      id: 'expiry.expired',
      file,
      severity: 'error',
      message: `${file} expired on ${isoMinute(certificate.notAfter)} (${ago === 0 ? 'less than a day' : `${ago} day${ago === 1 ? '' : 's'}`} ago): every peer rejects it; renew it`,
    });
  } else if (left < context.expiryWindowDays * dayMs) {
    const days = Math.floor(left / dayMs);
    findings.push({
      id: 'expiry.soon',
      file,
      severity: 'warning',
      message: `${file} expires on ${isoMinute(certificate.notAfter)}, in ${days} day${days === 1 ? '' : 's'} (within the ${context.expiryWindowDays}-day window); renew it before then`,
    });
  }
  if (certificate.notBefore.getTime() > context.now.getTime()) {
    findings.push({
      id: 'expiry.not-yet-valid',
      file,
      severity: 'error',
      message: `${file} is not valid before ${isoMinute(certificate.notBefore)}: peers reject it until then (clock skew, or issued with a future clock)`,
    });
  }
  return findings;
}

/**
 * Checks that `leaf` was signed by `expected` and by no other CA of the node, and that it does not outlive its CA.
 * When the signature fails, says which CA did sign it, or that another CA with the same name did. With no copy of the
 * CA anywhere (`expected` absent, `missingCa` names it) the chain cannot be checked, which is an error: a leaf from
 * another cluster would otherwise pass unnoticed.
 */
export function checkIssuer(
  leaf: ParsedCertificate,
  file: string,
  expected: LocatedCertificate | undefined,
  others: LocatedCertificate[],
  who: string,
  missingCa: string,
): Finding[] {
  if (!expected) {
    return [
      {
        id: 'chain.unverifiable',
        file,
        severity: 'error',
        message: `${file} cannot verify its chain: no ${missingCa} in the tree, so nothing shows that ${who} would accept it; restore the CA certificate from another control-plane node or a backup`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (leaf.isIssuedBy(expected.certificate)) {
    for (const other of others) {
      if (other.file !== expected.file && leaf.isIssuedBy(other.certificate)) {
        findings.push({
          id: 'chain.ambiguous',
          file,
          severity: 'error',
          message: `${file} also verifies against ${other.file}: CA separation is broken, so ${other.file}'s trusting peers accept it too`,
        });
      }
    }
    if (leaf.notAfter.getTime() > expected.certificate.notAfter.getTime()) {
      findings.push({
        id: 'chain.outlives-ca',
        file,
        severity: 'warning',
        message: `${file} is valid until ${leaf.notAfter.toISOString()}, after its CA ${expected.file} expires (${expected.certificate.notAfter.toISOString()}): it stops working with the CA, earlier than it says`,
      });
    }
    return findings;
  }
  const signer = others.find((o) => o.file !== expected.file && leaf.isIssuedBy(o.certificate));
  let reason: string;
  if (signer) reason = `it is signed by ${signer.file}, not by ${expected.file}`;
  else if (leaf.issuer === expected.certificate.subject) {
    reason = `its issuer is named "${leaf.issuer}" like ${expected.file}, but the signature does not verify with that CA's key: another CA with the same name signed it (another cluster's CA, or ${expected.file} was replaced)`;
  } else reason = `its issuer is "${leaf.issuer}", but ${expected.file} is "${expected.certificate.subject}"`;
  findings.push({
    id: 'chain.wrong-issuer',
    file,
    severity: 'error',
    message: `${file} does not chain to ${expected.file}: ${reason}; ${who} would reject it`,
  });
  return findings;
}

/** The private key must be the certificate's, or the TLS handshake fails when the holder proves possession. */
export function checkKeyMatch(
  certificate: ParsedCertificate,
  certFile: string,
  key: KeyPair | undefined,
  keyFile: string,
): Finding[] {
  if (!key || certificate.matchesKey(key)) return [];
  return [
    {
      id: 'key.mismatch',
      file: keyFile,
      severity: 'error',
      message: `${keyFile} is not the private key of ${certFile} (the public keys differ): a TLS handshake with this pair fails; reissue the certificate for this key or restore the matching key`,
    },
  ];
}

/** Key usages and extended key usages a leaf certificate needs, and those it must not have. */
export function checkLeafUsages(certificate: ParsedCertificate, file: string, required: ExtendedKeyUsage[]): Finding[] {
  const findings: Finding[] = [];
  if (certificate.isCa) {
    findings.push({
      id: 'usage.leaf-is-ca',
      file,
      severity: 'error',
      message: `${file} is a CA certificate (basicConstraints CA:TRUE) but is used as a leaf: whoever holds its key can issue certificates`,
    });
  }
  if (certificate.keyUsages.includes('keyCertSign')) {
    findings.push({
      id: 'usage.leaf-key-cert-sign',
      file,
      severity: 'error',
      message: `${file} has key usage keyCertSign: a leaf that may sign certificates lets its holder mint identities; kubeadm never sets it on a leaf`,
    });
  }
  if (!certificate.keyUsages.includes('digitalSignature')) {
    findings.push({
      id: 'usage.digital-signature',
      file,
      severity: 'error',
      message: `${file} lacks key usage digitalSignature, which TLS needs to sign the handshake; peers reject it`,
    });
  }
  findings.push(...checkEcdsaKeyEncipherment(certificate, file));
  for (const eku of required) {
    if (!certificate.extendedKeyUsages.includes(eku)) {
      findings.push({
        id: 'usage.eku-missing',
        file,
        severity: 'error',
        message: `${file} lacks extended key usage ${eku}; peers reject it as a ${eku === 'serverAuth' ? 'server' : 'client'} certificate`,
      });
    }
  }
  const extra = [
    ...certificate.extendedKeyUsages.filter((u) => !required.includes(u)),
    ...certificate.otherExtendedKeyUsages,
  ];
  if (extra.length > 0)
    findings.push({
      id: 'usage.eku-extra',
      file,
      severity: 'info',
      message: `${file} has extended key usages kubeadm does not set: ${extra.join(', ')}`,
    });
  return findings;
}

/** kubeadm sets keyEncipherment on ECDSA keys too (a known bug, harmless: TLS never uses it for ECDSA). */
export function checkEcdsaKeyEncipherment(certificate: ParsedCertificate, file: string): Finding[] {
  if (!certificate.algorithm?.startsWith('ECDSA') || !certificate.keyUsages.includes('keyEncipherment')) return [];
  return [
    {
      id: 'usage.ecdsa-key-encipherment',
      file,
      severity: 'info',
      message: `${file} has key usage keyEncipherment on an ECDSA key, which cannot encipher (kubeadm sets it anyway, a known kubeadm bug); harmless`,
    },
  ];
}
