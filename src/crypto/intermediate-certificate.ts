import type { KeyAlgorithm } from '../vocabulary';
import type { KeyPair } from './key-pair';
import { noHostNamesConstraint, noHostNamesDescription } from './name-constraints';
import type { ParsedCertificate } from './parsed-certificate';

/** What the plan says an intermediate CA under an offline root must be. */
export interface IntermediateExpectation {
  commonName: string;
  algorithm: KeyAlgorithm;
  /** basicConstraints pathLenConstraint: 0, so the intermediate signs leaves and never another CA. */
  pathLength: number;
  /** Name constraints it must carry, as its CSR requested them (CertificatePlan.nameConstraints). */
  nameConstraints?: 'no-host-names';
}

/**
 * Why `certificate` cannot serve as the planned intermediate under `root`, or [] when it can: each reason says what
 * differs, in words for the error that names the file. `key` is the key kubepki made for the CSR: the root must have
 * certified exactly it.
 */
export function intermediateMismatches(
  certificate: ParsedCertificate,
  root: ParsedCertificate,
  expected: IntermediateExpectation,
  key?: KeyPair,
): string[] {
  const reasons: string[] = [];
  if (!certificate.isIssuedBy(root))
    reasons.push(`it is not signed by the root "${root.subject}" (its issuer is "${certificate.issuer}")`);
  if (!certificate.isCa) reasons.push('it is not a CA (basicConstraints CA:TRUE is missing)');
  if (!certificate.keyUsages.includes('keyCertSign')) reasons.push('its key usage lacks keyCertSign');
  if (certificate.isCa && certificate.pathLength !== expected.pathLength) {
    reasons.push(
      `its pathLen is ${certificate.pathLength ?? 'absent (unlimited)'}, the plan needs ${expected.pathLength} (an intermediate that signs leaves only)`,
    );
  }
  if (expected.nameConstraints === 'no-host-names') {
    const carried = certificate.nameConstraints;
    if (!carried || !carried.critical || !carried.value.equals(noHostNamesConstraint())) {
      reasons.push(
        `${carried ? 'its nameConstraints differ from' : 'it lacks'} the ${noHostNamesDescription} its CSR requests (copy the CSR's extensions when signing)`,
      );
    }
  }
  if (key && !certificate.matchesKey(key))
    reasons.push('it certifies another key than the one kubepki made for the CSR (the root signed another request)');
  if (certificate.commonName !== expected.commonName)
    reasons.push(`its CN is "${certificate.commonName}", the plan's is "${expected.commonName}"`);
  if (certificate.algorithm !== expected.algorithm)
    reasons.push(
      `its key is ${certificate.algorithm ?? 'of an unsupported type'}, the spec asks for ${expected.algorithm}`,
    );
  return reasons;
}

/** The openssl command an offline root's operator runs to sign an intermediate's CSR as the plan checks it. */
export function intermediateSigningCommand(csrFile: string, rootCertificate: string, out: string): string {
  return `openssl x509 -req -in ${csrFile} -CA ${rootCertificate} -CAkey <root key> -copy_extensions copyall -days 1825 -out ${out}`;
}
