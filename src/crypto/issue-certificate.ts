import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../plan/pki-plan';
import { keyAlgorithmParameters } from './key-algorithms';
import { KeyPair } from './key-pair';
import { ParsedCertificate } from './parsed-certificate';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** What a certificate says; the plan's CertificatePlan is one source of it, the Pulumi dynamic resource another. */
export interface CertificateTemplate {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
  isCa: boolean;
  validityHours: number;
  /** basicConstraints pathLenConstraint of a CA; absent = unlimited. */
  pathLength?: number;
}

export interface CertificateIssuer {
  certificate: ParsedCertificate;
  key: KeyPair;
}

/** The plan's key usages as X.509 flags: one table for certificates and CSRs. */
export const keyUsageFlags: Record<KeyUsage, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
};

export const extendedKeyUsageOids: Record<ExtendedKeyUsage, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
};

/** kubeadm backdates NotBefore by five minutes to tolerate clock skew between nodes. */
export const notBeforeBackdateMs = 5 * 60 * 1000;

/**
 * The subject as Go's crypto/x509 orders it (O before CN); one RDN per organization, which Kubernetes reads as one
 * group each, like `openssl req -subj /O=a/O=b/CN=x`.
 */
function subjectName(template: CertificateTemplate): x509.JsonName {
  return [...template.organizations.map((o) => ({ O: [o] })), { CN: [template.commonName] }];
}

/** A positive 128-bit random serial (RFC 5280 allows up to 20 octets; the top bit is cleared to keep it positive). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** The signing half of an issuer: a WebCrypto key, possibly from another provider (a PKCS#11 token). */
export interface SigningKey {
  algorithm: KeyAlgorithm;
  key: CryptoKey;
  /** The WebCrypto implementation that owns `key`. @default Node's webcrypto */
  crypto?: Crypto;
}

/**
 * Builds and signs a certificate for `subjectPublicKey`, signed by `issuer` or self-signed (issuer omitted, `signer`
 * is then the subject's own key), with the extensions Go's x509 (and so kubeadm) writes: critical basicConstraints
 * and keyUsage, extKeyUsage, SANs, subject key id on CAs and authority key id on issued certificates.
 */
export async function signCertificate(
  template: CertificateTemplate,
  subjectPublicKey: CryptoKey,
  issuer: ParsedCertificate | undefined,
  signer: SigningKey,
  now: Date,
): Promise<ParsedCertificate> {
  const notBefore = new Date(now.getTime() - notBeforeBackdateMs);
  // Never past the issuer: a certificate that outlives its CA stops verifying before its own NotAfter.
  const wanted = now.getTime() + template.validityHours * 3600_000;
  const notAfter = new Date(issuer ? Math.min(wanted, issuer.notAfter.getTime()) : wanted);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(template.isCa, template.pathLength, true),
    new x509.KeyUsagesExtension(template.keyUsages.reduce((flags, u) => flags | keyUsageFlags[u], 0), true),
  ];
  if (template.extendedKeyUsages.length > 0) {
    extensions.push(new x509.ExtendedKeyUsageExtension(template.extendedKeyUsages.map((u) => extendedKeyUsageOids[u]), false));
  }
  const names = [
    ...template.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...template.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  if (template.isCa) extensions.push(await x509.SubjectKeyIdentifierExtension.create(subjectPublicKey, false));
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.x509, false));
  // As SPKI bytes: the generator would otherwise export the subject key with the signer's provider (an HSM's), which
  // cannot export a key it does not hold.
  const publicKey = await x509.PublicKey.create(subjectPublicKey);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: subjectName(template),
      issuer: issuer ? issuer.x509.subjectName : subjectName(template),
      notBefore,
      notAfter,
      signingAlgorithm: keyAlgorithmParameters[signer.algorithm].sign,
      publicKey,
      signingKey: signer.key,
      extensions,
    },
    signer.crypto,
  );
  return ParsedCertificate.fromPem(certificate.toString('pem'));
}

/** {@link signCertificate} with in-memory keys: `subjectKey` signs itself when `issuer` is omitted. */
export async function issueCertificate(
  template: CertificateTemplate,
  subjectKey: KeyPair,
  issuer: CertificateIssuer | undefined,
  now: Date,
): Promise<ParsedCertificate> {
  const signer = issuer?.key ?? subjectKey;
  return signCertificate(template, await subjectKey.publicCryptoKey(), issuer?.certificate, { algorithm: signer.algorithm, key: await signer.cryptoKey() }, now);
}

/**
 * PEM in, PEM out: the form a Pulumi dynamic provider needs (its inputs are strings). Signs `subjectKeyPem`'s public
 * key with the issuer's key.
 */
export async function issueCertificatePem(
  template: CertificateTemplate,
  subjectKeyPem: string,
  issuerCertificatePem: string,
  issuerKeyPem: string,
  now: Date,
): Promise<string> {
  const issuer = { certificate: ParsedCertificate.fromPem(issuerCertificatePem), key: KeyPair.fromPem(issuerKeyPem) };
  const issued = await issueCertificate(template, KeyPair.fromPem(subjectKeyPem), issuer, now);
  return issued.pem;
}
