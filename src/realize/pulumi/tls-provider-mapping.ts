import type { ExtendedKeyUsage, KeyAlgorithm, KeyUsage } from '../../vocabulary';
import type { CertificatePlan } from '../../plan';

// The one mapping table from the plan's vocabulary to terraform-provider-tls / @pulumi/tls arguments.

/** PrivateKey arguments per algorithm. The ECDSA curve is always explicit: the provider's default is P224. */
export const tlsPrivateKeyArgs: Record<
  KeyAlgorithm,
  { algorithm: 'RSA' | 'ECDSA'; rsaBits?: number; ecdsaCurve?: 'P256' | 'P384' }
> = {
  'RSA-2048': { algorithm: 'RSA', rsaBits: 2048 },
  'RSA-3072': { algorithm: 'RSA', rsaBits: 3072 },
  'RSA-4096': { algorithm: 'RSA', rsaBits: 4096 },
  'ECDSA-P256': { algorithm: 'ECDSA', ecdsaCurve: 'P256' },
  'ECDSA-P384': { algorithm: 'ECDSA', ecdsaCurve: 'P384' },
};

/** The provider's snake_case `allowed_uses` for each key usage and extended key usage. */
export const tlsAllowedUses: Record<KeyUsage | ExtendedKeyUsage, string> = {
  digitalSignature: 'digital_signature',
  keyEncipherment: 'key_encipherment',
  keyCertSign: 'cert_signing',
  serverAuth: 'server_auth',
  clientAuth: 'client_auth',
};

export function allowedUsesOf(keyUsages: KeyUsage[], extendedKeyUsages: ExtendedKeyUsage[]): string[] {
  return [...keyUsages, ...extendedKeyUsages].map((u) => tlsAllowedUses[u]);
}

/** The tls provider's subject: one CN and at most one O (several O go through MultiGroupCertificate). */
export function subjectArgs(cert: CertificatePlan): { commonName: string; organization?: string } {
  const [organization] = cert.subject.organizations;
  return organization === undefined
    ? { commonName: cert.subject.commonName }
    : { commonName: cert.subject.commonName, organization };
}
