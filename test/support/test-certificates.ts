import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyPair, ParsedCertificate, issueCertificate } from '../../src/crypto';
import type { CertificateContent } from '../../src/vocabulary';
import type { KeyAlgorithm } from '../../src/vocabulary';

export interface PemPair {
  certificatePem: string;
  keyPem: string;
}

export interface PemFiles {
  cert: string;
  key: string;
}

/** Leaf key usages as kubepki sets them: keyEncipherment only where it means something (RSA keys). */
export function leafKeyUsages(algorithm: KeyAlgorithm): CertificateContent['keyUsages'] {
  return algorithm.startsWith('RSA') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

/**
 * Issues a certificate in a test, signed by a CA of a generated tree (`caCertFile` / `caKeyFile`): for identities the
 * tree does not hold (a kubelet serving certificate, an extra etcd member, a certificate with the wrong usages).
 */
export async function issueFromCa(input: {
  caCertFile: string;
  caKeyFile: string;
  algorithm: KeyAlgorithm;
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  extendedKeyUsages: CertificateContent['extendedKeyUsages'];
  validityHours?: number;
  now?: Date;
}): Promise<PemPair> {
  const issuer = {
    certificate: ParsedCertificate.fromPem(fs.readFileSync(input.caCertFile)),
    key: KeyPair.fromPem(fs.readFileSync(input.caKeyFile)),
  };
  const key = await KeyPair.generate(input.algorithm);
  const certificate = await issueCertificate(
    {
      commonName: input.commonName,
      organizations: input.organizations ?? [],
      dnsNames: input.dnsNames ?? [],
      ipAddresses: input.ipAddresses ?? [],
      keyUsages: leafKeyUsages(input.algorithm),
      extendedKeyUsages: input.extendedKeyUsages,
      isCa: false,
      validityHours: input.validityHours ?? 24,
    },
    key,
    issuer,
    input.now ?? new Date(),
  );
  return { certificatePem: certificate.pem, keyPem: key.toPem() };
}

/** Writes `<name>.crt` (0644) and `<name>.key` (0600) into `dir`. */
export function writePemFiles(dir: string, name: string, pair: PemPair): PemFiles {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  fs.writeFileSync(cert, pair.certificatePem, { mode: 0o644 });
  fs.writeFileSync(key, pair.keyPem, { mode: 0o600 });
  return { cert, key };
}

/**
 * A throwaway self-signed CA, for serving identities outside the kubeadm PKI (an aggregated apiserver's own serving
 * certificate, whose CA kube-apiserver learns from the APIService caBundle).
 */
export async function createThrowawayCa(algorithm: KeyAlgorithm, commonName: string, dir: string): Promise<PemFiles> {
  const key = await KeyPair.generate(algorithm);
  const certificate = await issueCertificate(
    {
      commonName,
      organizations: [],
      dnsNames: [commonName],
      ipAddresses: [],
      keyUsages: algorithm.startsWith('RSA')
        ? ['digitalSignature', 'keyEncipherment', 'keyCertSign']
        : ['digitalSignature', 'keyCertSign'],
      extendedKeyUsages: [],
      isCa: true,
      validityHours: 24,
    },
    key,
    undefined,
    new Date(),
  );
  return writePemFiles(dir, commonName, { certificatePem: certificate.pem, keyPem: key.toPem() });
}
