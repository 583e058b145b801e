import type { KeyAlgorithm } from './key-algorithm';
import type { ExtendedKeyUsage, KeyUsage } from './key-usage';

/** Certificate profiles: usages and CA-ness are data, certificates name one. */
export type CertificateProfileName = 'ca' | 'server' | 'client' | 'server-client';

export interface CertificateProfile {
  isCa: boolean;
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
}

/** kubeadm's certificate profiles (pkiutil): CA, serving, client, and etcd's serving+client. */
export const certificateProfiles: Record<CertificateProfileName, CertificateProfile> = {
  ca: { isCa: true, keyUsages: ['digitalSignature', 'keyEncipherment', 'keyCertSign'], extendedKeyUsages: [] },
  server: { isCa: false, keyUsages: ['digitalSignature', 'keyEncipherment'], extendedKeyUsages: ['serverAuth'] },
  client: { isCa: false, keyUsages: ['digitalSignature', 'keyEncipherment'], extendedKeyUsages: ['clientAuth'] },
  'server-client': {
    isCa: false,
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsages: ['serverAuth', 'clientAuth'],
  },
};

/**
 * Key usages for a profile and key algorithm. kubeadm sets keyEncipherment even on ECDSA keys, where it means nothing
 * (an ECDSA key cannot encipher; RFC 5480 forbids it) — a known kubeadm bug. kubepki sets it for RSA keys only.
 */
export function keyUsagesFor(profile: CertificateProfileName, algorithm: KeyAlgorithm): KeyUsage[] {
  const usages = certificateProfiles[profile].keyUsages;
  return algorithm.startsWith('RSA') ? [...usages] : usages.filter((u) => u !== 'keyEncipherment');
}
