import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../vocabulary';
import { keyAlgorithmOf } from './key-algorithms';
import type { KeyPair } from './key-pair';
import { keyUsageBitsOf, nameConstraintsOf, pathLengthOf } from './certificate-fields';

// KeyUsage bits as keyUsageBitsOf numbers them (bit n of the BIT STRING is 1 << n).
const knownKeyUsages: [KeyUsage, number][] = [
  ['digitalSignature', 1 << 0],
  ['keyEncipherment', 1 << 2],
  ['keyCertSign', 1 << 5],
];

const extendedKeyUsageNames: Record<string, ExtendedKeyUsage> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
};

/** Splits OpenSSL's subjectAltName text (`DNS:a, IP Address:10.0.0.1`); Node quotes entries holding separators. */
function subjectAltNames(text: string | undefined): { type: string; value: string }[] {
  if (!text) return [];
  const entries: { type: string; value: string }[] = [];
  for (const match of text.matchAll(/(?:^|, )([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = match[2]!;
    entries.push({ type: match[1]!, value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return entries;
}

/** What the rest of the program compares, read once from Node's parse. */
interface CertificateFields {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  extendedKeyUsages: ExtendedKeyUsage[];
  otherExtendedKeyUsages: string[];
  isCa: boolean;
  algorithm: KeyAlgorithm | undefined;
}

function fieldsOf(node: NodeX509Certificate): CertificateFields {
  // The legacy object's subject has OpenSSL's own unescaping and joins multi-valued RDNs: {O: [...], CN: '...'}.
  const subject = node.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const names = subjectAltNames(node.subjectAltName);
  const eku = node.keyUsage ?? [];
  return {
    commonName: list(subject.CN)[0] ?? '',
    organizations: list(subject.O),
    dnsNames: names.filter((n) => n.type === 'DNS').map((n) => n.value),
    // OpenSSL prints IPv6 uncompressed (0:0:0:0:0:0:0:1); the canonical form (::1) is what plans and users write.
    ipAddresses: names
      .filter((n) => n.type === 'IP Address')
      .map((n) => (ipaddr.isValid(n.value) ? ipaddr.parse(n.value).toString() : n.value)),
    extendedKeyUsages: eku.filter((oid) => extendedKeyUsageNames[oid]).map((oid) => extendedKeyUsageNames[oid]!),
    otherExtendedKeyUsages: eku.filter((oid) => !extendedKeyUsageNames[oid]),
    isCa: node.ca,
    algorithm: keyAlgorithmOf(node.publicKey),
  };
}

/**
 * A certificate read back into the plan's vocabulary, for comparing with a plan and for verification.
 * Node's X509Certificate (OpenSSL) reads the subject, SANs, extended usages and CA flag, checks signatures and key
 * matches; the key-usage bits Node does not expose are read from the DER directly (`keyUsageBitsOf`), since parsing
 * every certificate fully with @peculiar/x509 would cost most of a no-op run. A certificate kubepki has just encoded
 * is parsed only when something reads it: most are only written out.
 */
export class ParsedCertificate {
  private keyUsageBits: number | undefined;
  private fields: CertificateFields | undefined;

  private constructor(
    readonly pem: string,
    private parsed: NodeX509Certificate | undefined,
    private readonly der?: Buffer,
  ) {}

  /** Parses the first PEM certificate. Throws a short message (no PEM content) when it is not one. */
  static fromPem(pem: string | Buffer): ParsedCertificate {
    const text = pem.toString();
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
    if (!block) throw new Error('is not a PEM certificate');
    let node: NodeX509Certificate;
    try {
      node = new NodeX509Certificate(block[0]);
    } catch {
      throw new Error('is not a valid X.509 certificate');
    }
    return new ParsedCertificate(`${block[0]}\n`, node);
  }

  /** A DER certificate kubepki has just encoded. */
  static fromDer(der: Buffer): ParsedCertificate {
    const lines = der.toString('base64').match(/.{1,64}/g)!;
    return new ParsedCertificate(
      `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
      undefined,
      der,
    );
  }

  /** Node's (OpenSSL's) view of the certificate. */
  get node(): NodeX509Certificate {
    this.parsed ??= new NodeX509Certificate(this.der!);
    return this.parsed;
  }

  private get read(): CertificateFields {
    this.fields ??= fieldsOf(this.node);
    return this.fields;
  }

  get commonName(): string {
    return this.read.commonName;
  }

  get organizations(): string[] {
    return this.read.organizations;
  }

  get dnsNames(): string[] {
    return this.read.dnsNames;
  }

  get ipAddresses(): string[] {
    return this.read.ipAddresses;
  }

  get extendedKeyUsages(): ExtendedKeyUsage[] {
    return this.read.extendedKeyUsages;
  }

  get otherExtendedKeyUsages(): string[] {
    return this.read.otherExtendedKeyUsages;
  }

  get isCa(): boolean {
    return this.read.isCa;
  }

  get algorithm(): KeyAlgorithm | undefined {
    return this.read.algorithm;
  }

  private get keyUsageFlags(): number {
    this.keyUsageBits ??= keyUsageBitsOf(this.node.raw);
    return this.keyUsageBits;
  }

  /** basicConstraints pathLenConstraint; undefined when absent (unlimited) or not a CA. */
  get pathLength(): number | undefined {
    return pathLengthOf(this.node.raw);
  }

  /** The nameConstraints extension (DER value, criticality); undefined when absent. */
  get nameConstraints(): { critical: boolean; value: Buffer } | undefined {
    return nameConstraintsOf(this.node.raw);
  }

  get keyUsages(): KeyUsage[] {
    return knownKeyUsages.filter(([, flag]) => (this.keyUsageFlags & flag) !== 0).map(([name]) => name);
  }

  /** Usages kubepki has no name for (e.g. dataEncipherment, cRLSign), reported by verify rather than dropped. */
  get otherKeyUsageBits(): number {
    return this.keyUsageFlags & ~knownKeyUsages.reduce((acc, [, flag]) => acc | flag, 0);
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
    // OpenSSL's X509_check_private_key compares the key halves without exporting either.
    return this.node.checkPrivateKey(key.privateKey);
  }

  /** The certificate's public key as PKIX PEM. */
  publicKeyPem(): string {
    return this.node.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  }

  /** Lifetime in hours from NotBefore to NotAfter. */
  get lifetimeHours(): number {
    return (this.notAfter.getTime() - this.notBefore.getTime()) / 3600_000;
  }
}
