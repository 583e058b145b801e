import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type X509Certificate as NodeX509Certificate,
  type KeyObject,
} from 'node:crypto';
import type * as x509 from '@peculiar/x509';
import { peculiarX509 } from './peculiar-x509';
import { describeKey } from './key-algorithms';
import { ParsedCertificate } from './parsed-certificate';

/** What `kubepki inspect` says about a certificate: public facts, as `openssl x509 -text` or `step certificate inspect`. */
export interface InspectedCertificate {
  type: 'certificate';
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** Seconds until expiry (negative once expired). */
  expiresInSeconds: number;
  isCa: boolean;
  selfSigned: boolean;
  key: string;
  keyUsages: string[];
  extendedKeyUsages: string[];
  dnsNames: string[];
  ipAddresses: string[];
  sha256Fingerprint: string;
  publicKeySha256: string;
}

export interface InspectedRequest {
  type: 'certificate-request';
  subject: string;
  key: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** The requested extensions: in the external-CA flow, what the outside CA must copy into the certificate. */
  keyUsages: string[];
  extendedKeyUsages: string[];
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** Every requested extension in order, by name (its OID when kubepki has no name for it), with its criticality. */
  requestedExtensions: { name: string; critical: boolean }[];
  signatureValid: boolean;
  publicKeySha256: string;
}

// RFC 5280 KeyUsage bits as @peculiar/x509's KeyUsageFlags numbers them (bit n is 1 << n).
const keyUsageNames = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];
const extendedKeyUsageNames: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};
const extensionNames: Record<string, string> = {
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.30': 'nameConstraints',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.37': 'extendedKeyUsage',
};

/** A key's public facts only: never a private component. */
export interface InspectedKey {
  type: 'private-key' | 'public-key';
  key: string;
  publicKeySha256: string;
}

/** A JWT's header and claims; its signature is not checked here (`kubepki token verify` does that). */
export interface InspectedJwt {
  type: 'jwt';
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  expiresAt?: string;
  expired?: boolean;
  signatureChecked: false;
}

export type InspectedMaterial = InspectedCertificate | InspectedRequest | InspectedKey | InspectedJwt;

const colonHex = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');
const spkiSha256 = (key: KeyObject) =>
  colonHex(
    createHash('sha256')
      .update(key.export({ format: 'der', type: 'spki' }))
      .digest('hex'),
  );

export function certificateFacts(pem: string, now: Date): InspectedCertificate {
  const c = ParsedCertificate.fromPem(pem);
  const node: NodeX509Certificate = c.node;
  return {
    type: 'certificate',
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    expiresInSeconds: Math.floor((c.notAfter.getTime() - now.getTime()) / 1000),
    isCa: c.isCa,
    selfSigned: node.subject === node.issuer && node.verify(node.publicKey),
    key: describeKey(node.publicKey),
    keyUsages: c.keyUsages,
    extendedKeyUsages: [...c.extendedKeyUsages, ...c.otherExtendedKeyUsages],
    dnsNames: c.dnsNames,
    ipAddresses: c.ipAddresses,
    sha256Fingerprint: node.fingerprint256,
    publicKeySha256: spkiSha256(node.publicKey),
  };
}

export async function csrFacts(pem: string): Promise<InspectedRequest> {
  const peculiar = peculiarX509();
  const csr = new peculiar.Pkcs10CertificateRequest(pem);
  const san = csr.extensions.find(
    (e): e is x509.SubjectAlternativeNameExtension => e instanceof peculiar.SubjectAlternativeNameExtension,
  );
  const names = san?.names.items ?? [];
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  const usage = csr.extensions.find((e): e is x509.KeyUsagesExtension => e instanceof peculiar.KeyUsagesExtension);
  const extended = csr.extensions.find(
    (e): e is x509.ExtendedKeyUsageExtension => e instanceof peculiar.ExtendedKeyUsageExtension,
  );
  const basic = csr.extensions.find(
    (e): e is x509.BasicConstraintsExtension => e instanceof peculiar.BasicConstraintsExtension,
  );
  return {
    type: 'certificate-request',
    subject: csr.subject,
    key: describeKey(key),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    keyUsages: usage ? keyUsageNames.filter((_, bit) => (usage.usages & (1 << bit)) !== 0) : [],
    extendedKeyUsages: (extended?.usages ?? []).map((oid) => extendedKeyUsageNames[String(oid)] ?? String(oid)),
    ...(basic
      ? {
          basicConstraints: {
            ca: basic.ca,
            ...(basic.pathLength !== undefined ? { pathLength: basic.pathLength } : {}),
          },
        }
      : {}),
    requestedExtensions: csr.extensions.map((e) => ({ name: extensionNames[e.type] ?? e.type, critical: e.critical })),
    signatureValid: await csr.verify(),
    publicKeySha256: spkiSha256(key),
  };
}

export function keyFacts(pem: string): InspectedKey {
  const isPrivate = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-{5}/.test(pem);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-{5}/.test(pem))
    throw new Error('is an encrypted private key: kubepki does not ask for passphrases');
  const key = isPrivate ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  return { type: isPrivate ? 'private-key' : 'public-key', key: describeKey(key), publicKeySha256: spkiSha256(key) };
}

export function jwtFacts(token: string, now: Date): InspectedJwt {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new Error('is not a JWT (three base64url parts separated by dots)');
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    [header, claims] = [decode(parts[0]!), decode(parts[1]!)];
  } catch {
    throw new Error('is not a JWT: its header or claims are not base64url JSON');
  }
  const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  return {
    type: 'jwt',
    header,
    claims,
    ...(exp ? { expiresAt: exp.toISOString(), expired: exp.getTime() <= now.getTime() } : {}),
    signatureChecked: false,
  };
}

/** Every PEM block of a text, with its label. */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((m) => ({
    label: m[1]!,
    pem: m[0],
  }));
}

/** Facts of every PEM block: certificates, requests, private and public keys. Unknown blocks are an error. */
export async function inspectPem(text: string, now: Date): Promise<InspectedMaterial[]> {
  const facts: InspectedMaterial[] = [];
  for (const { label, pem } of pemBlocks(text)) {
    if (label === 'CERTIFICATE') facts.push(certificateFacts(pem, now));
    else if (label === 'CERTIFICATE REQUEST' || label === 'NEW CERTIFICATE REQUEST') facts.push(await csrFacts(pem));
    else if (/^(RSA |EC |ENCRYPTED )?PRIVATE KEY$|^PUBLIC KEY$/.test(label)) facts.push(keyFacts(pem));
    else throw new Error(`holds a PEM block "${label}" that kubepki does not read (certificates, requests, keys)`);
  }
  return facts;
}
