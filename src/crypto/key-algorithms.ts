import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../vocabulary';

/** WebCrypto parameters per spec algorithm: the one mapping table of the crypto backend. */
interface AlgorithmParameters {
  generate: RsaHashedKeyGenParams | EcKeyGenParams;
  import: RsaHashedImportParams | EcKeyImportParams;
  /** What a key of this algorithm signs with (Go's x509 defaults, which kubeadm uses). */
  sign: Algorithm | EcdsaParams;
  /** The same signature algorithm as a certificate names it, and the digest node:crypto signs with. */
  x509Signature: { oid: string; hash: 'sha256' | 'sha384' };
  /** node:crypto's generateKeyPair arguments for the same key. */
  nodeGenerate: { type: 'rsa'; options: { modulusLength: number } } | { type: 'ec'; options: { namedCurve: string } };
  /** The PEM form kubeadm writes: PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`. */
  privateKeyPemType: 'pkcs1' | 'sec1';
}

const rsa = (modulusLength: number): AlgorithmParameters => ({
  generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
  x509Signature: { oid: '1.2.840.113549.1.1.11', hash: 'sha256' }, // sha256WithRSAEncryption
  nodeGenerate: { type: 'rsa', options: { modulusLength } }, // public exponent 65537
  privateKeyPemType: 'pkcs1',
});

const ecdsa = (namedCurve: 'P-256' | 'P-384', hash: 'SHA-256' | 'SHA-384'): AlgorithmParameters => ({
  generate: { name: 'ECDSA', namedCurve },
  import: { name: 'ECDSA', namedCurve },
  sign: { name: 'ECDSA', hash } as EcdsaParams,
  // ecdsa-with-SHA256 / ecdsa-with-SHA384
  x509Signature:
    hash === 'SHA-256'
      ? { oid: '1.2.840.10045.4.3.2', hash: 'sha256' }
      : { oid: '1.2.840.10045.4.3.3', hash: 'sha384' },
  nodeGenerate: { type: 'ec', options: { namedCurve } },
  privateKeyPemType: 'sec1',
});

export const keyAlgorithmParameters: Record<KeyAlgorithm, AlgorithmParameters> = {
  'RSA-2048': rsa(2048),
  'RSA-3072': rsa(3072),
  'RSA-4096': rsa(4096),
  'ECDSA-P256': ecdsa('P-256', 'SHA-256'),
  'ECDSA-P384': ecdsa('P-384', 'SHA-384'),
};

/** The spec algorithm of a Node key, or undefined for anything kubeadm would not write (Ed25519, P-521, RSA-1024…). */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const name = `RSA-${details.modulusLength}`;
    return name in keyAlgorithmParameters ? (name as KeyAlgorithm) : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return 'ECDSA-P256';
    if (details.namedCurve === 'secp384r1') return 'ECDSA-P384';
  }
  return undefined;
}

/** A human description of a key for error messages (`RSA-1024`, `ed25519`). */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  return (
    keyAlgorithmOf(key) ??
    `${key.asymmetricKeyType}${details.modulusLength ? `-${details.modulusLength}` : details.namedCurve ? `-${details.namedCurve}` : ''}`
  );
}
