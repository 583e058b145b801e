import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPair, webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from '../vocabulary';
import { keyAlgorithmOf, keyAlgorithmParameters, describeKey } from './key-algorithms';

// OpenSSL 3 given bare PEM tries its decoders one by one; told the form, it reads a key in about half the time, which
// is most of what a no-op run and verify spend on keys.
const derTypes: Record<string, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

function privateKeyInput(pem: string): string | { key: Buffer; format: 'der'; type: 'pkcs1' | 'sec1' | 'pkcs8' } {
  const block = /^-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----\s*$/.exec(pem.trim() + '\n');
  const type = block && derTypes[block[1]!];
  // Anything else (headers, an encrypted key, two blocks) goes to OpenSSL as it is, to be read or refused there.
  return type ? { key: Buffer.from(block[2]!, 'base64'), format: 'der', type } : pem;
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

  /** Loads PKCS#1, SEC1 or PKCS#8 PEM (kubeadm reads all three). Throws a message without key material. */
  static fromPem(pem: string | Buffer): KeyPair {
    let key: KeyObject;
    try {
      key = createPrivateKey(privateKeyInput(pem.toString()));
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
    this.privateKeyObject ??= createPrivateKey({ key: this.pem!, format: 'pem' });
    return this.privateKeyObject;
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
