import { X509Certificate as NodeX509Certificate, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../plan/pki-plan';
import { keyAlgorithmOf } from './key-algorithms';
import type { KeyPair } from './key-pair';

const knownKeyUsages: [KeyUsage, x509.KeyUsageFlags][] = [
  ['digitalSignature', x509.KeyUsageFlags.digitalSignature],
  ['keyEncipherment', x509.KeyUsageFlags.keyEncipherment],
  ['keyCertSign', x509.KeyUsageFlags.keyCertSign],
];

const extendedKeyUsageNames: Record<string, ExtendedKeyUsage> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth',
  [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth',
};

/**
 * A certificate read back into the plan's vocabulary, for comparing with a plan and for verification.
 * Node's X509Certificate (OpenSSL) does signatures and key matching; @peculiar/x509 reads the extensions.
 */
export class ParsedCertificate {
  private constructor(
    readonly pem: string,
    readonly node: NodeX509Certificate,
    /** The same certificate as @peculiar/x509 reads it (its subject name is reused verbatim as an issuer name). */
    readonly x509: x509.X509Certificate,
    readonly commonName: string,
    readonly organizations: string[],
    readonly dnsNames: string[],
    readonly ipAddresses: string[],
    readonly keyUsages: KeyUsage[],
    /** Usages kubepki has no name for (e.g. dataEncipherment, cRLSign), reported by verify rather than dropped. */
    readonly otherKeyUsageBits: number,
    readonly extendedKeyUsages: ExtendedKeyUsage[],
    readonly otherExtendedKeyUsages: string[],
    readonly isCa: boolean,
    readonly algorithm: KeyAlgorithm | undefined,
  ) {}

  /** Parses the first PEM certificate. Throws a short message (no PEM content) when it is not one. */
  static fromPem(pem: string | Buffer): ParsedCertificate {
    const text = pem.toString();
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
    if (!block) throw new Error('is not a PEM certificate');
    let node: NodeX509Certificate;
    let cert: x509.X509Certificate;
    try {
      node = new NodeX509Certificate(block[0]);
      cert = new x509.X509Certificate(block[0]);
    } catch {
      throw new Error('is not a valid X.509 certificate');
    }
    const subject = cert.subjectName;
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const names = san?.names.toJSON() ?? [];
    const ku = cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
    const known = knownKeyUsages.reduce((acc, [, flag]) => acc | flag, 0);
    const eku = Array.from(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [], String);
    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    return new ParsedCertificate(
      `${block[0]}\n`,
      node,
      cert,
      subject.getField('CN')[0] ?? '',
      subject.getField('O'),
      names.filter((n) => n.type === 'dns').map((n) => n.value),
      names.filter((n) => n.type === 'ip').map((n) => n.value),
      knownKeyUsages.filter(([, flag]) => (ku & flag) !== 0).map(([name]) => name),
      ku & ~known,
      eku.filter((oid) => extendedKeyUsageNames[oid]).map((oid) => extendedKeyUsageNames[oid]!),
      eku.filter((oid) => !extendedKeyUsageNames[oid]),
      basic?.ca ?? false,
      keyAlgorithmOf(node.publicKey),
    );
  }

  get notBefore(): Date {
    return new Date(this.node.validFrom);
  }

  get notAfter(): Date {
    return new Date(this.node.validTo);
  }

  get subject(): string {
    return this.node.subject.replace(/\n/g, ', ');
  }

  get issuer(): string {
    return this.node.issuer.replace(/\n/g, ', ');
  }

  get serialNumber(): string {
    return this.node.serialNumber;
  }

  /** True when `issuer`'s key signed this certificate and the issuer name matches (OpenSSL's check). */
  isIssuedBy(issuer: ParsedCertificate): boolean {
    return this.node.checkIssued(issuer.node) && this.node.verify(issuer.node.publicKey);
  }

  /** True when `key` is the private half of this certificate's public key. */
  matchesKey(key: KeyPair): boolean {
    const ours = this.node.publicKey.export({ format: 'der', type: 'spki' });
    return ours.equals(key.publicKeyDer());
  }

  /** The certificate's public key as PKIX PEM. */
  publicKeyPem(): string {
    return createPublicKey(this.node.publicKey).export({ format: 'pem', type: 'spki' }) as string;
  }

  /** Lifetime in hours from NotBefore to NotAfter. */
  get lifetimeHours(): number {
    return (this.notAfter.getTime() - this.notBefore.getTime()) / 3600_000;
  }
}
