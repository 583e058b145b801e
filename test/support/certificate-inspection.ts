/**
 * Reads certificates and keys for trust tests without going through `src/crypto`: Node's `X509Certificate` (OpenSSL)
 * for signatures, issuer checks and public keys, `@peculiar/x509` for the raw extensions. Everything is reported, not
 * filtered: unknown key-usage bits, unknown EKU OIDs and non-DNS/IP SANs show up so a test can refuse them.
 */
import * as crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Names of all nine X.509 key-usage bits, by @peculiar/x509 flag value. */
const keyUsageNames: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

const extendedKeyUsageNames: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'ocspSigning',
};

export interface InspectedCertificate {
  /** Node's view (OpenSSL): use for `verify`, `checkIssued`, `publicKey`. */
  node: crypto.X509Certificate;
  /** @peculiar/x509's view, for anything not below. */
  peculiar: x509.X509Certificate;
  /** Subject attributes in DER order, e.g. `[{type: 'O', value: 'system:nodes'}, {type: 'CN', value: 'system:node:w1'}]`. */
  subjectAttributes: { type: string; value: string }[];
  /** Every CN attribute (a well-formed kubeadm certificate has exactly one). */
  commonNames: string[];
  /** Every O attribute, in order: Kubernetes reads each as a group. */
  organizations: string[];
  /** Every issuer CN attribute. */
  issuerCommonNames: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** SANs of any other type (email, URI, …) as `type:value`. */
  otherNames: string[];
  /** Names of the set key-usage bits, in bit order; empty when the extension is absent. */
  keyUsages: string[];
  keyUsageCritical: boolean | undefined;
  /** `serverAuth`/`clientAuth`/…, or the raw OID for anything unnamed; empty when the extension is absent. */
  extendedKeyUsages: string[];
  basicConstraints: { ca: boolean; pathLength: number | undefined; critical: boolean } | undefined;
  /** DER SubjectPublicKeyInfo: compare with {@link spkiOfPrivateKey}. */
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as Node reports it. */
  serialNumber: string;
}

/** Parses exactly one PEM certificate (throws if the text holds anything else or more than one block). */
export function inspectCertificate(pem: string | Buffer): InspectedCertificate {
  const blocks = pemBlocks(pem.toString());
  if (blocks.length !== 1 || blocks[0]!.label !== 'CERTIFICATE') {
    throw new Error(
      `expected exactly one CERTIFICATE PEM block, found ${blocks.map((b) => b.label).join(', ') || 'none'}`,
    );
  }
  const node = new crypto.X509Certificate(blocks[0]!.pem);
  const peculiar = new x509.X509Certificate(blocks[0]!.pem);
  const subjectAttributes = peculiar.subjectName
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value }))));
  const issuerAttributes = peculiar.issuerName
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value }))));
  const sans = peculiar.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  const ku = peculiar.getExtension(x509.KeyUsagesExtension);
  const eku = peculiar.getExtension(x509.ExtendedKeyUsageExtension);
  const basic = peculiar.getExtension(x509.BasicConstraintsExtension);
  return {
    node,
    peculiar,
    subjectAttributes,
    commonNames: subjectAttributes.filter((a) => a.type === 'CN').map((a) => a.value),
    organizations: subjectAttributes.filter((a) => a.type === 'O').map((a) => a.value),
    issuerCommonNames: issuerAttributes.filter((a) => a.type === 'CN').map((a) => a.value),
    dnsNames: sans.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: sans.filter((n) => n.type === 'ip').map((n) => n.value),
    otherNames: sans.filter((n) => n.type !== 'dns' && n.type !== 'ip').map((n) => `${n.type}:${n.value}`),
    keyUsages: ku ? keyUsageNames.filter(([flag]) => (ku.usages & flag) !== 0).map(([, name]) => name) : [],
    keyUsageCritical: ku?.critical,
    extendedKeyUsages: eku ? Array.from(eku.usages, (oid) => extendedKeyUsageNames[String(oid)] ?? String(oid)) : [],
    basicConstraints: basic ? { ca: basic.ca, pathLength: basic.pathLength, critical: basic.critical } : undefined,
    spki: node.publicKey.export({ format: 'der', type: 'spki' }),
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    serialNumber: node.serialNumber,
  };
}

/** The PEM blocks of a text, in order, with their labels (`CERTIFICATE`, `RSA PRIVATE KEY`, …). */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  const blocks: { label: string; pem: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) blocks.push({ label: m[1]!, pem: `${m[0]}\n` });
  return blocks;
}

/** DER SubjectPublicKeyInfo of the public half of a private key (PEM in any format Node reads). */
export function spkiOfPrivateKey(pem: string | Buffer): Buffer {
  return crypto.createPublicKey(crypto.createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
}

/** DER SubjectPublicKeyInfo of a PEM public key. */
export function spkiOfPublicKey(pem: string | Buffer): Buffer {
  return crypto.createPublicKey(pem).export({ format: 'der', type: 'spki' });
}

/** `true` when `cert` names `ca` as issuer (OpenSSL's check_issued) and its signature verifies with `ca`'s public key. */
export function isSignedBy(cert: InspectedCertificate, ca: InspectedCertificate): boolean {
  return cert.node.checkIssued(ca.node) && cert.node.verify(ca.node.publicKey);
}

/**
 * Which DER structure the (single) PEM block of a private key really holds, whatever its label says: `pkcs1` (RSA
 * PRIVATE KEY), `sec1` (EC PRIVATE KEY), `pkcs8` (PRIVATE KEY), or undefined.
 */
export function privateKeyEncoding(pem: string): 'pkcs1' | 'sec1' | 'pkcs8' | undefined {
  const [block] = pemBlocks(pem);
  if (!block) return undefined;
  const der = Buffer.from(block.pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  // OpenSSL's pkcs1/sec1 decoders also take PKCS#8 input, so PKCS#8 is tried first.
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      crypto.createPrivateKey({ key: der, format: 'der', type });
      return type;
    } catch {
      // not this structure
    }
  }
  return undefined;
}

/** Describes a private key: `rsa 2048` or `ec prime256v1`. */
export function describePrivateKey(pem: string | Buffer): string {
  const key = crypto.createPrivateKey(pem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `rsa ${details.modulusLength} e=${details.publicExponent}`;
  if (key.asymmetricKeyType === 'ec') return `ec ${details.namedCurve}`;
  return String(key.asymmetricKeyType);
}

/** What the PEM label, {@link privateKeyEncoding} and {@link describePrivateKey} must be for a kubepki key algorithm. */
export function expectedKeyShape(algorithm: string): {
  pemLabel: string;
  encoding: 'pkcs1' | 'sec1';
  description: string;
} {
  switch (algorithm) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return { pemLabel: 'RSA PRIVATE KEY', encoding: 'pkcs1', description: `rsa ${algorithm.slice(4)} e=65537` };
    case 'ECDSA-P256':
      return { pemLabel: 'EC PRIVATE KEY', encoding: 'sec1', description: 'ec prime256v1' };
    case 'ECDSA-P384':
      return { pemLabel: 'EC PRIVATE KEY', encoding: 'sec1', description: 'ec secp384r1' };
    default:
      throw new Error(`unknown algorithm ${algorithm}`);
  }
}
