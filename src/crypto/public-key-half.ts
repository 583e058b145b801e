import type { KeyAlgorithm } from '../vocabulary';
import { children, contentsOf, exactChildren, objectIdentifierOf, readElement } from './der-reader';

/**
 * What makes two keys the same key, as OpenSSL's X509_check_private_key compares them (EVP_PKEY_eq): the curve and
 * the public point for ECDSA, the modulus and the public exponent for RSA. Read from the DER of a certificate's
 * SubjectPublicKeyInfo or of a private key, so matching a key to its certificate needs no OpenSSL parse of either.
 */
export type PublicKeyHalf =
  { kind: 'ec'; curve: string; point: Buffer } | { kind: 'rsa'; modulus: Buffer; exponent: Buffer };

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const curves: Record<string, KeyAlgorithm> = {
  '1.2.840.10045.3.1.7': 'ECDSA-P256', // prime256v1
  '1.3.132.0.34': 'ECDSA-P384', // secp384r1
};
const rsaSizes: KeyAlgorithm[] = ['RSA-2048', 'RSA-3072', 'RSA-4096'];

export function sameKeyHalf(a: PublicKeyHalf, b: PublicKeyHalf): boolean {
  if (a.kind === 'ec' && b.kind === 'ec') return a.curve === b.curve && a.point.equals(b.point);
  if (a.kind === 'rsa' && b.kind === 'rsa') return a.modulus.equals(b.modulus) && a.exponent.equals(b.exponent);
  return false;
}

/** The spec algorithm of a key, or undefined for anything kubeadm would not write (as keyAlgorithmOf decides). */
export function keyAlgorithmOfHalf(half: PublicKeyHalf): KeyAlgorithm | undefined {
  if (half.kind === 'ec') return curves[half.curve];
  // An INTEGER's contents: a leading 0x00 only keeps a set top bit positive.
  let bytes = half.modulus;
  while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
  const bits = bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
  return rsaSizes.find((a) => a === `RSA-${bits}`);
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, or RSAPrivateKey's first fields. */
function rsaHalf(der: Uint8Array, sequenceAt: number, limit: number, skipVersion: boolean): PublicKeyHalf | undefined {
  const outer = readElement(der, sequenceAt, limit);
  const fields = outer && outer.tag === 0x30 ? exactChildren(der, outer) : undefined;
  const [modulus, exponent] = fields?.slice(skipVersion ? 1 : 0) ?? [];
  if (!modulus || !exponent || modulus.tag !== 0x02 || exponent.tag !== 0x02) return undefined;
  return { kind: 'rsa', modulus: contentsOf(der, modulus), exponent: contentsOf(der, exponent) };
}

/** The key half of a DER SubjectPublicKeyInfo, or undefined for an algorithm kubepki does not read. */
export function publicKeyHalfOfSpki(der: Uint8Array, spkiAt: number, limit: number): PublicKeyHalf | undefined {
  const spki = readElement(der, spkiAt, limit);
  const [algorithm, bits] = (spki && exactChildren(der, spki)) ?? [];
  if (!algorithm || !bits || bits.tag !== 0x03 || der[bits.start] !== 0) return undefined;
  const [id, parameters] = children(der, algorithm);
  const oid = objectIdentifierOf(der, id);
  if (oid === EC_PUBLIC_KEY) {
    const curve = objectIdentifierOf(der, parameters);
    return curve ? { kind: 'ec', curve, point: contentsOf(der, bits).subarray(1) } : undefined;
  }
  if (oid === RSA_ENCRYPTION) return rsaHalf(der, bits.start + 1, bits.end, false);
  return undefined;
}

/** ECPrivateKey (SEC1): version 1, privateKey, [0] curve, [1] public point. */
function ecPrivateKeyHalf(
  der: Uint8Array,
  at: number,
  limit: number,
  curveOutside?: string,
): PublicKeyHalf | undefined {
  const outer = readElement(der, at, limit);
  const fields = outer && outer.tag === 0x30 ? exactChildren(der, outer) : undefined;
  if (!fields || fields[0]?.tag !== 0x02 || fields[1]?.tag !== 0x04) return undefined;
  const tagged = (tag: number) => {
    const wrapper = fields.find((f) => f.tag === tag);
    return wrapper && readElement(der, wrapper.start, wrapper.end);
  };
  const curveInside = objectIdentifierOf(der, tagged(0xa0));
  const point = tagged(0xa1);
  const curve = curveInside ?? curveOutside;
  if (!curve || (curveOutside && curveInside && curveInside !== curveOutside)) return undefined;
  // Without its public point (it is optional) the key must be loaded to compute it: OpenSSL's business.
  if (!point || point.tag !== 0x03 || der[point.start] !== 0) return undefined;
  return { kind: 'ec', curve, point: contentsOf(der, point).subarray(1) };
}

/** The key half of a DER private key in the forms kubeadm reads (PKCS#1, SEC1, PKCS#8), or undefined. */
export function publicKeyHalfOfPrivateKey(
  der: Uint8Array,
  form: 'pkcs1' | 'sec1' | 'pkcs8',
): PublicKeyHalf | undefined {
  if (form === 'pkcs1') return rsaHalf(der, 0, der.length, true);
  if (form === 'sec1') return ecPrivateKeyHalf(der, 0, der.length);
  // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, … }
  const outer = readElement(der, 0, der.length);
  const [version, algorithm, key] = (outer && exactChildren(der, outer)) ?? [];
  if (!version || !algorithm || !key || key.tag !== 0x04) return undefined;
  const [id, parameters] = children(der, algorithm);
  const oid = objectIdentifierOf(der, id);
  if (oid === RSA_ENCRYPTION) return rsaHalf(der, key.start, key.end, true);
  if (oid === EC_PUBLIC_KEY) {
    const curve = objectIdentifierOf(der, parameters);
    return curve ? ecPrivateKeyHalf(der, key.start, key.end, curve) : undefined;
  }
  return undefined;
}
