import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import type * as x509 from '@peculiar/x509';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../vocabulary';
import { describeKey, keyAlgorithmOf, keyAlgorithmParameters } from './key-algorithms';
import type { KeyPair } from './key-pair';
import { extendedKeyUsageOids, keyUsageFlags } from './issue-certificate';
import { nameConstraintsOid, noHostNamesConstraint } from './name-constraints';
import { peculiarX509 } from './peculiar-x509';

const subjectAltNameOid = '2.5.29.17';

/** What a CSR asks for: the subject and SANs. */
export interface CertificationRequestSubject {
  commonName: string;
  /** One O per entry, in order: Kubernetes reads each as a group. */
  organizations: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /**
   * Ask for a CA certificate (an intermediate): basicConstraints CA:TRUE with this pathLen and keyCertSign, in the
   * extensionRequest, so a root that copies requested extensions (`openssl x509 -req -copy_extensions copyall`,
   * `openssl ca` with copy_extensions) signs exactly what the plan checks.
   */
  caPathLength?: number;
  /** With caPathLength: request critical name constraints too (see noHostNamesConstraint), copied likewise. */
  nameConstraints?: 'no-host-names';
  /**
   * The key usages to request. With caPathLength (@default ['digitalSignature', 'keyCertSign']); without, a leaf's
   * (CA:FALSE), so that an outside CA copying the CSR's extensions issues exactly the planned certificate. Absent on
   * a leaf: SANs only, as kubeadm's CSRs carry.
   */
  keyUsages?: KeyUsage[];
  /** The extended key usages a leaf's certificate must carry, requested likewise. */
  extendedKeyUsages?: ExtendedKeyUsage[];
}

/**
 * Makes a PKCS#10 CSR signed by `key` (proof of possession), with the subject in Go's order (O before CN) and SANs
 * in an extensionRequest, as `kubeadm certs generate-csr` and `openssl req` write them.
 */
export async function createCertificationRequest(key: KeyPair, subject: CertificationRequestSubject): Promise<string> {
  const names = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(subject.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const peculiar = peculiarX509();
  const extensions: x509.Extension[] =
    names.length > 0 ? [new peculiar.SubjectAlternativeNameExtension(names, false)] : [];
  const usages =
    subject.keyUsages ??
    (subject.caPathLength !== undefined ? (['digitalSignature', 'keyCertSign'] as KeyUsage[]) : undefined);
  if (usages) {
    extensions.push(
      new peculiar.BasicConstraintsExtension(subject.caPathLength !== undefined, subject.caPathLength, true),
    );
    extensions.push(
      new peculiar.KeyUsagesExtension(
        usages.reduce((flags, u) => flags | keyUsageFlags[u], 0),
        true,
      ),
    );
  }
  if (subject.nameConstraints === 'no-host-names')
    extensions.push(new peculiar.Extension(nameConstraintsOid, true, Uint8Array.from(noHostNamesConstraint())));
  if (subject.extendedKeyUsages?.length)
    extensions.push(
      new peculiar.ExtendedKeyUsageExtension(
        subject.extendedKeyUsages.map((u) => extendedKeyUsageOids[u]),
        false,
      ),
    );
  const request = await peculiar.Pkcs10CertificateRequestGenerator.create({
    name: [...subject.organizations.map((o) => ({ O: [o] })), { CN: [subject.commonName] }],
    keys: { privateKey: await key.cryptoKey(), publicKey: await key.publicCryptoKey() },
    signingAlgorithm: keyAlgorithmParameters[key.algorithm].sign,
    extensions,
  });
  return `${request.toString('pem')}\n`;
}

/** A CSR read back: subject, SANs, public key, and whether its self-signature holds. */
export class ParsedCertificationRequest {
  private constructor(
    readonly pem: string,
    readonly request: x509.Pkcs10CertificateRequest,
    readonly commonName: string,
    readonly organizations: string[],
    readonly dnsNames: string[],
    readonly ipAddresses: string[],
    readonly publicKey: KeyObject,
  ) {}

  /** Parses the first PEM CSR (`CERTIFICATE REQUEST`, or the old `NEW CERTIFICATE REQUEST`). No PEM in messages. */
  static fromPem(pem: string | Buffer): ParsedCertificationRequest {
    const text = pem.toString();
    const block = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+?-----END (NEW )?CERTIFICATE REQUEST-----/.exec(
      text,
    );
    if (!block) throw new Error('is not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)');
    let request: x509.Pkcs10CertificateRequest;
    try {
      request = new (peculiarX509().Pkcs10CertificateRequest)(
        block[0].replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST'),
      );
    } catch {
      throw new Error('is not a valid PKCS#10 certificate signing request');
    }
    const sanExtension = request.extensions.find((e) => e.type === subjectAltNameOid);
    const names = sanExtension
      ? new (peculiarX509().SubjectAlternativeNameExtension)(sanExtension.rawData).names.toJSON()
      : [];
    return new ParsedCertificationRequest(
      `${request.toString('pem')}\n`,
      request,
      request.subjectName.getField('CN')[0] ?? '',
      request.subjectName.getField('O'),
      names.filter((n) => n.type === 'dns').map((n) => n.value),
      names.filter((n) => n.type === 'ip').map((n) => n.value),
      createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' }),
    );
  }

  /** DER SubjectPublicKeyInfo: equal DER means the same key. */
  publicKeyDer(): Buffer {
    return this.publicKey.export({ format: 'der', type: 'spki' });
  }

  get algorithm(): KeyAlgorithm | undefined {
    return keyAlgorithmOf(this.publicKey);
  }

  async publicCryptoKey(): Promise<CryptoKey> {
    const algorithm = this.algorithm;
    if (!algorithm)
      throw new Error(
        `holds a ${describeKey(this.publicKey)} key; kubeadm keys are RSA-2048/3072/4096 or ECDSA-P256/P384`,
      );
    return webcrypto.subtle.importKey('spki', this.publicKeyDer(), keyAlgorithmParameters[algorithm].import, true, [
      'verify',
    ]);
  }

  /** True when the CSR is signed by the key it carries: whoever sent it holds that key. */
  /** True when the CSR requests exactly the critical name constraints `kind` stands for (absent kind: none at all). */
  requestsNameConstraints(kind: 'no-host-names' | undefined): boolean {
    const extension = this.request.extensions.find((e) => e.type === nameConstraintsOid);
    if (!kind || !extension) return !kind && !extension;
    return extension.critical && Buffer.from(extension.value).equals(noHostNamesConstraint());
  }

  async verifySignature(): Promise<boolean> {
    try {
      return await this.request.verify();
    } catch {
      return false;
    }
  }
}

/**
 * Why a user's CSR cannot be signed as the spec says, or [] when it can: a bad self-signature, an unsupported key, a
 * CN other than the user's name, or an O (group) the spec does not give the user. The spec's groups win: a CSR may ask
 * for fewer groups (kubepki signs the spec's), never for more.
 */
export async function checkUserCertificationRequest(
  csr: ParsedCertificationRequest,
  expected: { commonName: string; organizations: string[] },
): Promise<string[]> {
  const problems: string[] = [];
  if (!(await csr.verifySignature()))
    problems.push(
      'its signature does not verify: it was not signed by the key it carries (re-create it with kubepki user-request)',
    );
  if (!csr.algorithm)
    problems.push(`it holds a ${describeKey(csr.publicKey)} key; use RSA-2048/3072/4096 or ECDSA-P256/P384`);
  if (csr.commonName !== expected.commonName) {
    problems.push(
      `its CN is ${JSON.stringify(csr.commonName)} but the spec's user is ${JSON.stringify(expected.commonName)}: the CN is the user name Kubernetes authenticates`,
    );
  }
  const extra = csr.organizations.filter((o) => !expected.organizations.includes(o));
  if (extra.length > 0) {
    problems.push(
      `it asks for group${extra.length === 1 ? '' : 's'} ${extra.map((o) => JSON.stringify(o)).join(', ')} that the spec does not give this user (spec groups: ${
        expected.organizations.length ? expected.organizations.map((o) => JSON.stringify(o)).join(', ') : 'none'
      }): the spec's groups win; add the group to the user in the spec, or make a CSR without it`,
    );
  }
  return problems;
}
