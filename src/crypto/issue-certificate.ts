import { createHash, randomBytes, sign } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { CertificateContent, ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../vocabulary';
import { subjectKeyIdentifierOf, subjectNameDerOf, subjectPublicKeyBytesOf } from './certificate-fields';
import * as der from './der';
import { keyAlgorithmParameters } from './key-algorithms';
import { KeyPair } from './key-pair';
import { ParsedCertificate } from './parsed-certificate';

export interface CertificateIssuer {
  certificate: ParsedCertificate;
  key: KeyPair;
}

/**
 * The signing half of an issuer, wherever its key lives: it signs the encoded TBSCertificate and returns the
 * signature as X.509 carries it (DER SEQUENCE of r and s for ECDSA, the PKCS#1 v1.5 block for RSA).
 */
export interface SigningKey {
  readonly algorithm: KeyAlgorithm;
  sign(tbsCertificate: Buffer): Promise<Buffer>;
}

/**
 * A key kubepki holds in memory signs with node:crypto's asynchronous `sign`, which runs on libuv's thread pool: a
 * tree's certificates are signed on every core while the main thread encodes the next one.
 */
export function localSigningKey(key: KeyPair): SigningKey {
  const { hash } = keyAlgorithmParameters[key.algorithm].x509Signature;
  return {
    algorithm: key.algorithm,
    sign: (tbs) =>
      new Promise((resolve, reject) =>
        sign(hash, tbs, { key: key.privateKey, dsaEncoding: 'der' }, (error, signature) =>
          error ? reject(error) : resolve(signature),
        ),
      ),
  };
}

/**
 * The plan's key usages as X.509 KeyUsage bits (RFC 5280 4.2.1.3; bit n is `1 << n`, as certificate-fields.ts reads
 * them back and @peculiar/x509's KeyUsageFlags number them): one table for certificates and CSRs.
 */
export const keyUsageFlags: Record<KeyUsage, number> = {
  digitalSignature: 1 << 0,
  keyEncipherment: 1 << 2,
  keyCertSign: 1 << 5,
};

export const extendedKeyUsageOids: Record<ExtendedKeyUsage, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

const oids = {
  commonName: der.objectIdentifier('2.5.4.3'),
  organization: der.objectIdentifier('2.5.4.10'),
  basicConstraints: der.objectIdentifier('2.5.29.19'),
  keyUsage: der.objectIdentifier('2.5.29.15'),
  extendedKeyUsage: der.objectIdentifier('2.5.29.37'),
  subjectAltName: der.objectIdentifier('2.5.29.17'),
  subjectKeyIdentifier: der.objectIdentifier('2.5.29.14'),
  authorityKeyIdentifier: der.objectIdentifier('2.5.29.35'),
};

/** The AlgorithmIdentifier of a signature by `algorithm`'s key: RSA's carries NULL parameters, ECDSA's none (RFC 5758). */
function signatureAlgorithmIdentifier(algorithm: KeyAlgorithm): Buffer {
  const oid = der.objectIdentifier(keyAlgorithmParameters[algorithm].x509Signature.oid);
  return algorithm.startsWith('RSA') ? der.sequence(oid, Buffer.from([0x05, 0x00])) : der.sequence(oid);
}

const extension = (oid: Buffer, critical: boolean, value: Buffer) =>
  der.sequence(oid, ...(critical ? [der.booleanTrue] : []), der.octetString(value));

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (what Go's x509 and @peculiar/x509 compute). */
const keyIdentifier = (spki: Buffer) => createHash('sha1').update(subjectPublicKeyBytesOf(spki)).digest();

/** kubeadm backdates NotBefore by five minutes to tolerate clock skew between nodes. */
export const notBeforeBackdateMs = 5 * 60 * 1000;

/**
 * The subject as Go's crypto/x509 orders it (O before CN); one RDN per organization, which Kubernetes reads as one
 * group each, like `openssl req -subj /O=a/O=b/CN=x`.
 */
function subjectName(template: CertificateContent): Buffer {
  const rdn = (oid: Buffer, value: string) => der.set(der.sequence(oid, der.directoryString(value)));
  return der.sequence(
    ...template.organizations.map((o) => rdn(oids.organization, o)),
    rdn(oids.commonName, template.commonName),
  );
}

/** A positive 128-bit random serial (RFC 5280 allows up to 20 octets; the top bit is cleared to keep it positive). */
function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return der.unsignedInteger(bytes);
}

/**
 * The extensions Go's x509 (and so kubeadm) writes: critical basicConstraints and keyUsage, extKeyUsage, SANs,
 * subject key id on CAs and authority key id on issued certificates (the issuer's own subject key id when it has one).
 */
function extensionsOf(
  template: CertificateContent,
  subjectPublicKey: Buffer,
  issuer: ParsedCertificate | undefined,
): Buffer[] {
  const constraints = template.isCa
    ? [der.booleanTrue, ...(template.pathLength === undefined ? [] : [der.smallInteger(template.pathLength)])]
    : [];
  const extensions = [
    extension(oids.basicConstraints, true, der.sequence(...constraints)),
    extension(oids.keyUsage, true, der.namedBits(template.keyUsages.reduce((flags, u) => flags | keyUsageFlags[u], 0))),
  ];
  if (template.extendedKeyUsages.length > 0) {
    extensions.push(
      extension(
        oids.extendedKeyUsage,
        false,
        der.sequence(...template.extendedKeyUsages.map((u) => der.objectIdentifier(extendedKeyUsageOids[u]))),
      ),
    );
  }
  const names = [
    ...template.dnsNames.map((value) => der.implicit(2, Buffer.from(value, 'ascii'))),
    ...template.ipAddresses.map((value) => der.implicit(7, Uint8Array.from(ipaddr.parse(value).toByteArray()))),
  ];
  if (names.length > 0) extensions.push(extension(oids.subjectAltName, false, der.sequence(...names)));
  if (template.isCa)
    extensions.push(extension(oids.subjectKeyIdentifier, false, der.octetString(keyIdentifier(subjectPublicKey))));
  if (issuer) {
    const id = subjectKeyIdentifierOf(issuer.der) ?? keyIdentifier(issuer.publicKeyDer());
    extensions.push(extension(oids.authorityKeyIdentifier, false, der.sequence(der.implicit(0, id))));
  }
  return extensions;
}

/**
 * Builds and signs a certificate for `subjectPublicKey` (DER SubjectPublicKeyInfo), under `issuer` or self-signed
 * (issuer omitted: `signer` is then the subject's own key). The certificate is encoded as DER directly: building it
 * through an ASN.1 object model cost a third of generating a large tree.
 */
export async function signCertificate(
  template: CertificateContent,
  subjectPublicKey: Buffer,
  issuer: ParsedCertificate | undefined,
  signer: SigningKey,
  now: Date,
): Promise<ParsedCertificate> {
  const notBefore = new Date(now.getTime() - notBeforeBackdateMs);
  // Never past the issuer: a certificate that outlives its CA stops verifying before its own NotAfter.
  const wanted = now.getTime() + template.validityHours * 3600_000;
  const notAfter = new Date(issuer ? Math.min(wanted, issuer.notAfter.getTime()) : wanted);
  const algorithm = signatureAlgorithmIdentifier(signer.algorithm);
  const tbs = der.sequence(
    der.explicit(0, Buffer.from([0x02, 0x01, 0x02])), // v3
    randomSerial(),
    algorithm,
    // The issuer's subject as it is encoded there, byte for byte: name chaining compares encodings.
    issuer ? subjectNameDerOf(issuer.der) : subjectName(template),
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subjectName(template),
    subjectPublicKey,
    der.explicit(3, der.sequence(...extensionsOf(template, subjectPublicKey, issuer))),
  );
  const signature = await signer.sign(tbs);
  return ParsedCertificate.fromDer(der.sequence(tbs, algorithm, der.bitString(signature)));
}

/** {@link signCertificate} with in-memory keys: `subjectKey` signs itself when `issuer` is omitted. */
export async function issueCertificate(
  template: CertificateContent,
  subjectKey: KeyPair,
  issuer: CertificateIssuer | undefined,
  now: Date,
): Promise<ParsedCertificate> {
  return signCertificate(
    template,
    subjectKey.publicKeyDer(),
    issuer?.certificate,
    localSigningKey(issuer?.key ?? subjectKey),
    now,
  );
}

/**
 * PEM in, PEM out: the form a Pulumi dynamic provider needs (its inputs are strings). Signs `subjectKeyPem`'s public
 * key with the issuer's key.
 */
export async function issueCertificatePem(
  template: CertificateContent,
  subjectKeyPem: string,
  issuerCertificatePem: string,
  issuerKeyPem: string,
  now: Date,
): Promise<string> {
  const issuer = { certificate: ParsedCertificate.fromPem(issuerCertificatePem), key: KeyPair.fromPem(issuerKeyPem) };
  const issued = await issueCertificate(template, KeyPair.fromPem(subjectKeyPem), issuer, now);
  return issued.pem;
}
