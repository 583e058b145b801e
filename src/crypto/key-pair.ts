import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPair, webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from '../vocabulary';
import { keyAlgorithmOf, keyAlgorithmParameters, describeKey } from './key-algorithms';
import {
  keyAlgorithmOfHalf,
  publicKeyHalfOfPrivateKey,
  publicKeyHalfOfSpki,
  type PublicKeyHalf,
} from './public-key-half';

// OpenSSL 3 given bare PEM tries its decoders one by one; told the form, it reads a key in about half the time, which
// is most of what a no-op run and verify spend on keys.
const derTypes: Record<string, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

type PrivateKeyDer = { key: Buffer; format: 'der'; type: 'pkcs1' | 'sec1' | 'pkcs8' };

function privateKeyInput(pem: string): string | PrivateKeyDer {
  const block = /^-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----\s*$/.exec(pem.trim() + '\n');
  const type = block && derTypes[block[1]!];
  // Anything else (headers, an encrypted key, two blocks) goes to OpenSSL as it is, to be read or refused there.
  return type ? { key: Buffer.from(block[2]!, 'base64'), format: 'der', type } : pem;
}

/**
 * A key's algorithm and public half read from its DER, or undefined for OpenSSL to judge: a key this walk does not
 * read, or a text whose base64 is not canonical (Buffer's decoder skips what it cannot read; OpenSSL refuses it).
 */
function walkedKey(pem: string, input: PrivateKeyDer): { algorithm: KeyAlgorithm; half: PublicKeyHalf } | undefined {
  const base64 = /-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END/.exec(pem)![1]!.replace(/\r?\n/g, '');
  if (input.key.toString('base64') !== base64) return undefined;
  const half = publicKeyHalfOfPrivateKey(input.key, input.type);
  const algorithm = half && keyAlgorithmOfHalf(half);
  return half && algorithm ? { algorithm, half } : undefined;
}

/** A private key in the forms the rest of the program needs. Never logged; `toString` hides it. */
export class KeyPair {
  private signingKey: CryptoKey | undefined;

  private constructor(
    readonly algorithm: KeyAlgorithm,
    private privateKeyObject: KeyObject | undefined,
    private publicKeyObject: KeyObject | undefined,
    /** The PEM kubeadm writes, when known without exporting (a generated key). */
    private pem: string | undefined,
    private publicDer: Buffer | undefined,
    /** A key read from a file: what OpenSSL loads when the private half is first needed, and its public half. */
    private readonly source?: PrivateKeyDer,
    private half?: PublicKeyHalf,
  ) {}

  /**
   * Generates a key on libuv's thread pool, so many keys generate in parallel on every core. The pool thread also
   * encodes it — the PEM kubeadm writes and the public key's DER — so the main thread never exports a key; most
   * generated keys are only written out and put in a certificate, and only the few that sign are ever loaded.
   */
  static generate(algorithm: KeyAlgorithm): Promise<KeyPair> {
    const how = keyAlgorithmParameters[algorithm].nodeGenerate;
    const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, publicDer: Buffer, pem: string) =>
        error ? reject(error) : resolve(new KeyPair(algorithm, undefined, undefined, pem, publicDer));
      // The PEM forms of privateKeyPemType: PKCS#1 for RSA, SEC1 for ECDSA.
      if (how.type === 'rsa')
        generateKeyPair(
          'rsa',
          { ...how.options, publicKeyEncoding, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } },
          done,
        );
      else
        generateKeyPair(
          'ec',
          { ...how.options, publicKeyEncoding, privateKeyEncoding: { type: 'sec1', format: 'pem' } },
          done,
        );
    });
  }

  /**
   * Loads PKCS#1, SEC1 or PKCS#8 PEM (kubeadm reads all three). Throws a message without key material. A key whose
   * DER the walk reads (public-key-half.ts) is loaded into OpenSSL only when something signs with it or exports it:
   * checking that a key matches its certificate needs only its public half, and loading costs 150 µs a key.
   */
  static fromPem(pem: string | Buffer): KeyPair {
    const text = pem.toString();
    const input = privateKeyInput(text);
    const walked = typeof input === 'string' ? undefined : walkedKey(text, input);
    if (walked && typeof input !== 'string')
      return new KeyPair(walked.algorithm, undefined, undefined, undefined, undefined, input, walked.half);
    let key: KeyObject;
    try {
      key = createPrivateKey(input);
    } catch {
      throw new Error('is not a PEM private key (PKCS#1, SEC1 or PKCS#8)');
    }
    const algorithm = keyAlgorithmOf(key);
    if (!algorithm)
      throw new Error(`holds a ${describeKey(key)} key; kubeadm keys are RSA-2048/3072/4096 or ECDSA-P256/P384`);
    return new KeyPair(algorithm, key, undefined, undefined, undefined);
  }

  /** The key as node:crypto signs with it. */
  get privateKey(): KeyObject {
    if (!this.privateKeyObject) {
      try {
        this.privateKeyObject = createPrivateKey(this.source ?? { key: this.pem!, format: 'pem' });
      } catch {
        throw new Error('is not a PEM private key (PKCS#1, SEC1 or PKCS#8)');
      }
    }
    return this.privateKeyObject;
  }

  /** What makes it this key (curve and point, or modulus and exponent), when known without loading it. */
  get publicHalf(): PublicKeyHalf | undefined {
    this.half ??= this.publicDer ? publicKeyHalfOfSpki(this.publicDer, 0, this.publicDer.length) : undefined;
    return this.half;
  }

  /** PEM as kubeadm writes it: PKCS#1 for RSA, SEC1 for ECDSA. */
  toPem(): string {
    this.pem ??= this.privateKey.export({
      format: 'pem',
      type: keyAlgorithmParameters[this.algorithm].privateKeyPemType,
    }) as string;
    return this.pem;
  }

  private get publicKey(): KeyObject {
    this.publicKeyObject ??= this.publicDer
      ? createPublicKey({ key: this.publicDer, format: 'der', type: 'spki' })
      : createPublicKey(this.privateKey);
    return this.publicKeyObject;
  }

  /** PKIX `PUBLIC KEY` PEM (sa.pub). */
  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  }

  /** DER SubjectPublicKeyInfo: equal DER means the same key. */
  publicKeyDer(): Buffer {
    this.publicDer ??= this.publicKey.export({ format: 'der', type: 'spki' });
    return this.publicDer;
  }

  async publicCryptoKey(): Promise<CryptoKey> {
    const params = keyAlgorithmParameters[this.algorithm];
    return webcrypto.subtle.importKey('spki', this.publicKeyDer(), params.import, true, ['verify']);
  }

  async cryptoKey(): Promise<CryptoKey> {
    if (!this.signingKey) {
      const params = keyAlgorithmParameters[this.algorithm];
      const der = this.privateKey.export({ format: 'der', type: 'pkcs8' });
      this.signingKey = await webcrypto.subtle.importKey('pkcs8', der, params.import, true, ['sign']);
    }
    return this.signingKey;
  }

  toString(): string {
    return `[KeyPair ${this.algorithm}]`;
  }

  toJSON(): string {
    return this.toString();
  }
}
