import { createHash, randomBytes, sign } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../plan/pki-plan';
import { subjectNameDerOf, subjectPublicKeyBytesOf } from './certificate-fields';
import * as der from './der';
import { KeyPair } from './key-pair';
import { ParsedCertificate } from './parsed-certificate';

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
}

export interface CertificateIssuer {
  certificate: ParsedCertificate;
  key: KeyPair;
}

// KeyUsage bits (RFC 5280 4.2.1.3), numbered as certificate-fields.ts reads them back.
const keyUsageFlags: Record<KeyUsage, number> = { digitalSignature: 1 << 0, keyEncipherment: 1 << 2, keyCertSign: 1 << 5 };

const extendedKeyUsageOids: Record<ExtendedKeyUsage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

/** How each key algorithm signs (Go's x509 defaults, which kubeadm uses): the digest and the AlgorithmIdentifier. */
const signatureAlgorithms: Record<KeyAlgorithm, { hash: string; identifier: Buffer }> = (() => {
  const rsa = { hash: 'sha256', identifier: der.sequence(der.objectIdentifier('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00])) };
  return {
    'RSA-2048': rsa,
    'RSA-3072': rsa,
    'RSA-4096': rsa,
    'ECDSA-P256': { hash: 'sha256', identifier: der.sequence(der.objectIdentifier('1.2.840.10045.4.3.2')) },
    'ECDSA-P384': { hash: 'sha384', identifier: der.sequence(der.objectIdentifier('1.2.840.10045.4.3.3')) },
  };
})();

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

const extension = (oid: Buffer, critical: boolean, value: Buffer) => der.sequence(oid, ...(critical ? [der.booleanTrue] : []), der.octetString(value));

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits. */
const keyIdentifier = (spki: Buffer) => createHash('sha1').update(subjectPublicKeyBytesOf(spki)).digest();

/** kubeadm backdates NotBefore by five minutes to tolerate clock skew between nodes. */
export const notBeforeBackdateMs = 5 * 60 * 1000;

/**
 * The subject as Go's crypto/x509 orders it (O before CN); one RDN per organization, which Kubernetes reads as one
 * group each, like `openssl req -subj /O=a/O=b/CN=x`.
 */
function subjectName(template: CertificateTemplate): Buffer {
  const rdn = (oid: Buffer, value: string) => der.set(der.sequence(oid, der.directoryString(value)));
  return der.sequence(...template.organizations.map((o) => rdn(oids.organization, o)), rdn(oids.commonName, template.commonName));
}

/** A positive 128-bit random serial (RFC 5280 allows up to 20 octets; the top bit is cleared to keep it positive). */
function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return der.unsignedInteger(bytes);
}

/** Signs on libuv's thread pool, so certificates are signed on every core while the main thread encodes the next. */
function signOnThreadPool(hash: string, data: Buffer, key: KeyPair): Promise<Buffer> {
  return new Promise((resolve, reject) => sign(hash, data, { key: key.privateKey, dsaEncoding: 'der' }, (error, signature) => (error ? reject(error) : resolve(signature))));
}

function toPem(certificate: Buffer): string {
  const lines = certificate.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Issues a certificate for `subjectKey`, signed by `issuer` or self-signed when issuer is omitted, with the
 * extensions Go's x509 (and so kubeadm) writes: critical basicConstraints and keyUsage, extKeyUsage, SANs, subject
 * key id on CAs and authority key id on issued certificates.
 */
export async function issueCertificate(
  template: CertificateTemplate,
  subjectKey: KeyPair,
  issuer: CertificateIssuer | undefined,
  now: Date,
): Promise<ParsedCertificate> {
  const notBefore = new Date(now.getTime() - notBeforeBackdateMs);
  // Never past the issuer: a certificate that outlives its CA stops verifying before its own NotAfter.
  const wanted = now.getTime() + template.validityHours * 3600_000;
  const notAfter = new Date(issuer ? Math.min(wanted, issuer.certificate.notAfter.getTime()) : wanted);
  const spki = subjectKey.publicKeyDer();
  const extensions = [
    extension(oids.basicConstraints, true, der.sequence(...(template.isCa ? [der.booleanTrue] : []))),
    extension(oids.keyUsage, true, der.namedBits(template.keyUsages.reduce((flags, u) => flags | keyUsageFlags[u], 0))),
  ];
  if (template.extendedKeyUsages.length > 0) {
    extensions.push(extension(oids.extendedKeyUsage, false, der.sequence(...template.extendedKeyUsages.map((u) => der.objectIdentifier(extendedKeyUsageOids[u])))));
  }
  const names = [
    ...template.dnsNames.map((value) => der.implicit(2, Buffer.from(value, 'ascii'))),
    ...template.ipAddresses.map((value) => der.implicit(7, Uint8Array.from(ipaddr.parse(value).toByteArray()))),
  ];
  if (names.length > 0) extensions.push(extension(oids.subjectAltName, false, der.sequence(...names)));
  if (template.isCa) extensions.push(extension(oids.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spki))));
  if (issuer) {
    const issuerSpki = issuer.certificate.node.publicKey.export({ format: 'der', type: 'spki' });
    extensions.push(extension(oids.authorityKeyIdentifier, false, der.sequence(der.implicit(0, keyIdentifier(issuerSpki)))));
  }
  const signer = issuer?.key ?? subjectKey;
  const algorithm = signatureAlgorithms[signer.algorithm];
  const tbs = der.sequence(
    der.explicit(0, Buffer.from([0x02, 0x01, 0x02])), // v3
    randomSerial(),
    algorithm.identifier,
    issuer ? subjectNameDerOf(issuer.certificate.node.raw) : subjectName(template),
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subjectName(template),
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  const signature = await signOnThreadPool(algorithm.hash, tbs, signer);
  return ParsedCertificate.fromPem(toPem(der.sequence(tbs, algorithm.identifier, der.bitString(signature))));
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
