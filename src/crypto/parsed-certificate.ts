import { X509Certificate as NodeX509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../vocabulary';
import { keyAlgorithmOf } from './key-algorithms';
import type { KeyPair } from './key-pair';
import { keyUsageBitsOf, nameConstraintsOf, pathLengthOf } from './certificate-fields';
import { canonicalNameOf, readCertificateFacts, type CertificateFacts } from './certificate-facts';
import { pemBodyOf } from './der-reader';
import { keyAlgorithmOfHalf, sameKeyHalf } from './public-key-half';

// KeyUsage bits as keyUsageBitsOf numbers them (bit n of the BIT STRING is 1 << n).
const knownKeyUsages: [KeyUsage, number][] = [
  ['digitalSignature', 1 << 0],
  ['keyEncipherment', 1 << 2],
  ['keyCertSign', 1 << 5],
];

const keyCertSign = 1 << 5;

// The signature algorithms kubepki, kubeadm and Go issue with, and the digest node:crypto verifies them with.
const signatureDigests: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

function verifiedSignature(check: { facts: CertificateFacts; digest: string }, issuer: ParsedCertificate): boolean {
  try {
    return verify(check.digest, check.facts.tbs, issuer.publicKey, check.facts.signature);
  } catch {
    return false; // a key of another type than the signature algorithm's
  }
}

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

/** What the rest of the program compares, read once from the DER walk or from Node's parse. */
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

function fieldsOfFacts(facts: CertificateFacts): CertificateFields {
  const eku = facts.extendedKeyUsageOids;
  return {
    commonName: facts.commonName,
    organizations: facts.organizations,
    dnsNames: facts.dnsNames,
    ipAddresses: facts.ipAddresses,
    extendedKeyUsages: eku.filter((oid) => extendedKeyUsageNames[oid]).map((oid) => extendedKeyUsageNames[oid]!),
    otherExtendedKeyUsages: eku.filter((oid) => !extendedKeyUsageNames[oid]),
    // Node's `ca` is OpenSSL's X509_check_ca() === 1: basicConstraints cA, and keyCertSign if KeyUsage is present.
    isCa: facts.basicConstraintsCa && (facts.keyUsageBits === undefined || (facts.keyUsageBits & keyCertSign) !== 0),
    algorithm: facts.publicKey && keyAlgorithmOfHalf(facts.publicKey),
  };
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
 * Most certificates are read by one walk of their DER (certificate-facts.ts): OpenSSL's parse costs 150 µs a
 * certificate, the bulk of a no-op run or a verify over a large tree. A certificate holding anything that walk does
 * not take exactly as OpenSSL would, or an odd PEM, goes to Node's X509Certificate (OpenSSL) as before; so does any
 * question the facts cannot answer (an issuer name that differs only in encoding, an unusual signature algorithm).
 * A certificate kubepki has just encoded is read only when something asks: most are only written out.
 */
export class ParsedCertificate {
  private fields: CertificateFields | undefined;
  private publicKeyObject: KeyObject | undefined;
  private readonly checkedIssuers = new WeakMap<ParsedCertificate, boolean>();

  private constructor(
    readonly pem: string,
    private parsed: NodeX509Certificate | undefined,
    private readonly rawDer: Buffer | undefined,
    /** null: looked for and not readable by the walk; undefined: not looked for yet. */
    private walked: CertificateFacts | null | undefined,
  ) {}

  /** Parses the first PEM certificate. Throws a short message (no PEM content) when it is not one. */
  static fromPem(pem: string | Buffer): ParsedCertificate {
    const text = pem.toString();
    const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
    if (!block) throw new Error('is not a PEM certificate');
    const der = pemBodyOf(block[0], 'CERTIFICATE');
    const facts = der && readCertificateFacts(der);
    if (facts) return new ParsedCertificate(`${block[0]}\n`, undefined, der, facts);
    let node: NodeX509Certificate;
    try {
      node = new NodeX509Certificate(block[0]);
    } catch {
      throw new Error('is not a valid X.509 certificate');
    }
    return new ParsedCertificate(`${block[0]}\n`, node, undefined, null);
  }

  /** A DER certificate kubepki has just encoded. */
  static fromDer(der: Buffer): ParsedCertificate {
    const lines = der.toString('base64').match(/.{1,64}/g)!;
    return new ParsedCertificate(
      `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
      undefined,
      der,
      undefined,
    );
  }

  /** Node's (OpenSSL's) view of the certificate. */
  get node(): NodeX509Certificate {
    this.parsed ??= new NodeX509Certificate(this.rawDer!);
    return this.parsed;
  }

  /** The DER encoding. */
  get der(): Buffer {
    return this.rawDer ?? this.node.raw;
  }

  private get facts(): CertificateFacts | null {
    if (this.walked === undefined) this.walked = (this.rawDer && readCertificateFacts(this.rawDer)) ?? null;
    return this.walked;
  }

  private get read(): CertificateFields {
    const facts = this.facts;
    this.fields ??= facts ? fieldsOfFacts(facts) : fieldsOf(this.node);
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
    const facts = this.facts;
    return facts ? (facts.keyUsageBits ?? 0) : keyUsageBitsOf(this.der);
  }

  /** basicConstraints pathLenConstraint; undefined when absent (unlimited) or not a CA. */
  get pathLength(): number | undefined {
    const facts = this.facts;
    return facts ? facts.pathLength : pathLengthOf(this.der);
  }

  /** The nameConstraints extension (DER value, criticality); undefined when absent. */
  get nameConstraints(): { critical: boolean; value: Buffer } | undefined {
    const facts = this.facts;
    return facts ? facts.nameConstraints : nameConstraintsOf(this.der);
  }

  get keyUsages(): KeyUsage[] {
    return knownKeyUsages.filter(([, flag]) => (this.keyUsageFlags & flag) !== 0).map(([name]) => name);
  }

  /** Usages kubepki has no name for (e.g. dataEncipherment, cRLSign), reported by verify rather than dropped. */
  get otherKeyUsageBits(): number {
    return this.keyUsageFlags & ~knownKeyUsages.reduce((acc, [, flag]) => acc | flag, 0);
  }

  get notBefore(): Date {
    return this.facts?.notBefore ?? new Date(this.node.validFrom);
  }

  get notAfter(): Date {
    return this.facts?.notAfter ?? new Date(this.node.validTo);
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

  /** The certificate's public key. */
  get publicKey(): KeyObject {
    const facts = this.facts;
    this.publicKeyObject ??= facts
      ? createPublicKey({ key: facts.spki, format: 'der', type: 'spki' })
      : this.node.publicKey;
    return this.publicKeyObject;
  }

  /** DER SubjectPublicKeyInfo: equal DER means the same key. */
  publicKeyDer(): Buffer {
    return this.facts?.spki ?? this.publicKey.export({ format: 'der', type: 'spki' });
  }

  /**
   * True when `issuer`'s key signed this certificate and `issuer` may have (OpenSSL's X509_check_issued and
   * X509_verify): the issuer name is the issuer's subject, the authority key identifier its subject key identifier,
   * its KeyUsage (when present) allows keyCertSign, and the signature verifies with its key. Remembered per issuer
   * object: both certificates are immutable, so the answer cannot change.
   */
  isIssuedBy(issuer: ParsedCertificate): boolean {
    const known = this.checkedIssuers.get(issuer);
    if (known !== undefined) return known;
    const check = this.issuerCheck(issuer);
    const answer = typeof check === 'boolean' ? check : verifiedSignature(check, issuer);
    this.checkedIssuers.set(issuer, answer);
    return answer;
  }

  /**
   * isIssuedBy with the signature verified on libuv's thread pool, so that many certificates are checked on every
   * core at once; a later isIssuedBy for the same issuer answers from it.
   */
  async isIssuedByInBackground(issuer: ParsedCertificate): Promise<boolean> {
    const known = this.checkedIssuers.get(issuer);
    if (known !== undefined) return known;
    const check = this.issuerCheck(issuer);
    const answer =
      typeof check === 'boolean'
        ? check
        : await new Promise<boolean>((resolve) => {
            try {
              verify(check.digest, check.facts.tbs, issuer.publicKey, check.facts.signature, (error, valid) =>
                resolve(!error && valid),
              );
            } catch {
              resolve(false); // a key of another type than the signature algorithm's
            }
          });
    this.checkedIssuers.set(issuer, answer);
    return answer;
  }

  /** Everything of isIssuedBy but the signature: a verdict, or the signature still to verify. */
  private issuerCheck(issuer: ParsedCertificate): boolean | { facts: CertificateFacts; digest: string } {
    const [own, theirs] = [this.facts, issuer.facts];
    const digest = own ? signatureDigests[own.signatureAlgorithm] : undefined;
    if (own && theirs && !own.issuerName.equals(theirs.subjectName)) {
      // Most such pairs are another CA of the tree, checked for CA separation: different names for OpenSSL as well.
      const [named, name] = [canonicalNameOf(own.issuerName), canonicalNameOf(theirs.subjectName)];
      if (named !== undefined && name !== undefined && named !== name) return false;
    }
    // Names equal only after OpenSSL's canonical form, or an algorithm not in the table: OpenSSL decides.
    if (!own || !theirs || !digest || !own.issuerName.equals(theirs.subjectName))
      return this.node.checkIssued(issuer.node) && this.node.verify(issuer.node.publicKey);
    const keyIdentifiers = [own.authorityKeyIdentifier, theirs.subjectKeyIdentifier] as const;
    if (keyIdentifiers[0] && keyIdentifiers[1] && !keyIdentifiers[0].equals(keyIdentifiers[1])) return false;
    if (theirs.keyUsageBits !== undefined && (theirs.keyUsageBits & keyCertSign) === 0) return false;
    return { facts: own, digest };
  }

  /** True when `key` is the private half of this certificate's public key. */
  matchesKey(key: KeyPair): boolean {
    const own = this.facts?.publicKey;
    const theirs = key.publicHalf;
    if (own && theirs) return sameKeyHalf(own, theirs);
    // OpenSSL's X509_check_private_key compares the key halves without exporting either.
    return this.node.checkPrivateKey(key.privateKey);
  }

  /** The certificate's public key as PKIX PEM. */
  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  }

  /** Lifetime in hours from NotBefore to NotAfter. */
  get lifetimeHours(): number {
    return (this.notAfter.getTime() - this.notBefore.getTime()) / 3600_000;
  }
}
