import { createPublicKey, type KeyObject } from 'node:crypto';
import type { CertificateContent, KeyAlgorithm } from '../vocabulary';
import type { CertificateSigner, SignRequest } from './certificate-signer';
import * as der from './der';
import { signCertificate, type SigningKey } from './issue-certificate';
import { describeKey, keyAlgorithmOf, keyAlgorithmParameters } from './key-algorithms';
import type { ParsedCertificate } from './parsed-certificate';

/** The environment variable holding the token's user PIN: never an argument. */
export const pkcs11PinVariable = 'KUBEPKI_PKCS11_PIN';

/** What a `pkcs11:` URI (RFC 7512) names: the module, the token by label, the key object by label. */
export interface Pkcs11Location {
  modulePath: string;
  token: string;
  object: string;
}

/** `pkcs11:token=kubepki;object=etcd-ca?module-path=/usr/lib/softhsm/libsofthsm2.so`. */
export function parsePkcs11Uri(uri: string): Pkcs11Location {
  const match = /^pkcs11:([^?]*)(?:\?(.*))?$/.exec(uri);
  const attributes = new Map<string, string>();
  for (const [text, separator] of [
    [match?.[1] ?? '', ';'],
    [match?.[2] ?? '', '&'],
  ] as const) {
    for (const part of text.split(separator).filter(Boolean)) {
      const at = part.indexOf('=');
      if (at > 0) attributes.set(part.slice(0, at), decodeURIComponent(part.slice(at + 1)));
    }
  }
  const modulePath = attributes.get('module-path');
  const token = attributes.get('token');
  const object = attributes.get('object');
  if (!match || !modulePath || !token || !object) {
    throw new Error(
      `${JSON.stringify(uri)} is not pkcs11:token=<token label>;object=<key label>?module-path=<PKCS#11 module>, e.g. pkcs11:token=kubepki;object=etcd-ca?module-path=/usr/lib/softhsm/libsofthsm2.so`,
    );
  }
  return { modulePath, token, object };
}

// The shapes used of node-webcrypto-p11 and graphene-pk11, declared here: both are optional dependencies (pkcs11js
// compiles at install), so the build must not need their types.
interface P11Crypto {
  subtle: SubtleCrypto;
  keyStorage: {
    keys(): Promise<string[]>;
    getItem(index: string): Promise<CryptoKey>;
    getItem(index: string, algorithm: Algorithm, extractable: boolean, usages: KeyUsage[]): Promise<CryptoKey>;
  };
  close(): void;
}
interface P11Module {
  Crypto: new (config: { library: string; slot: number; readWrite: boolean; pin: string }) => P11Crypto;
}
interface GrapheneModule {
  Module: {
    load(
      library: string,
      name: string,
    ): {
      initialize(): void;
      finalize(): void;
      getSlots(tokenPresent: boolean): { length: number; items(index: number): { getToken(): { label: string } } };
    };
  };
}

/**
 * A CA key in a PKCS#11 token (an HSM; SoftHSM2 here). The private key is used by handle — the token computes every
 * signature and the key is never exported — through PeculiarVentures' node-webcrypto-p11 (WebCrypto over graphene /
 * pkcs11js): kubepki encodes each certificate and the token signs it. The public key is read from the token's
 * public key object of the same label.
 */
export class Pkcs11Signer implements CertificateSigner {
  readonly holder = 'hsm' as const;
  private certificate: ParsedCertificate | undefined;
  /** A PKCS#11 session runs one operation at a time (else CKR_OPERATION_ACTIVE): signatures queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly crypto: P11Crypto,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: KeyObject,
    readonly algorithm: KeyAlgorithm,
  ) {}

  /** Opens the token named by `uri` and finds the key pair labelled `object`; the PIN comes from KUBEPKI_PKCS11_PIN. */
  static async open(uri: string, env: NodeJS.ProcessEnv): Promise<Pkcs11Signer> {
    const location = parsePkcs11Uri(uri);
    const pin = env[pkcs11PinVariable];
    if (!pin) throw new Error(`${pkcs11PinVariable} must hold the user PIN of token ${JSON.stringify(location.token)}`);
    let p11: P11Module;
    try {
      p11 = require('node-webcrypto-p11') as P11Module;
    } catch {
      throw new Error(
        'the optional dependency node-webcrypto-p11 is not installed (it needs a C++ compiler at npm install): HSM signing is unavailable',
      );
    }
    const slot = findSlot(location);
    let crypto: P11Crypto;
    try {
      crypto = new p11.Crypto({ library: location.modulePath, slot, readWrite: false, pin });
    } catch (error) {
      throw new Error(
        `cannot log in to token ${JSON.stringify(location.token)}: ${(error as Error).message} (check ${pkcs11PinVariable})`,
        { cause: error },
      );
    }
    try {
      const found = await findKeyPair(crypto, location.object);
      const spki = Buffer.from(await crypto.subtle.exportKey('spki', found.publicKey));
      const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
      const algorithm = keyAlgorithmOf(publicKey);
      if (!algorithm)
        throw new Error(
          `the key ${JSON.stringify(location.object)} is ${describeKey(publicKey)}; a CA key must be RSA-2048/3072/4096 or ECDSA-P256/P384`,
        );
      const privateKey = algorithm.startsWith('RSA')
        ? await crypto.keyStorage.getItem(found.privateIndex, keyAlgorithmParameters[algorithm].import, false, ['sign'])
        : found.privateKey;
      return new Pkcs11Signer(crypto, privateKey, publicKey, algorithm);
    } catch (error) {
      crypto.close();
      throw error;
    }
  }

  async caCertificate(
    template: CertificateContent,
    existing: ParsedCertificate | undefined,
    now: Date,
  ): Promise<ParsedCertificate> {
    if (existing) {
      const same = existing.publicKeyDer().equals(this.publicKey.export({ format: 'der', type: 'spki' }));
      if (!same) throw new Error("the CA certificate in the tree is not for the token's key");
      this.certificate = existing;
    } else {
      const publicKey = this.publicKey.export({ format: 'der', type: 'spki' });
      this.certificate = await this.serialized(() =>
        signCertificate(template, publicKey, undefined, this.signingKey(), now),
      );
    }
    return this.certificate;
  }

  async sign(request: SignRequest): Promise<ParsedCertificate> {
    if (!this.certificate) throw new Error('internal: Pkcs11Signer.sign before caCertificate');
    const certificate = this.certificate;
    const subjectKey = await request.subject.publicKeyDer();
    return this.serialized(() =>
      signCertificate(request.template, subjectKey, certificate, this.signingKey(), request.now),
    );
  }

  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    try {
      this.crypto.close();
    } catch {
      // another signer on the same module finalized it first: the session is gone either way
    }
  }

  /** The token computes the signature; WebCrypto returns ECDSA's as r‖s, which X.509 carries as a DER SEQUENCE. */
  private signingKey(): SigningKey {
    const { algorithm, privateKey, crypto } = this;
    return {
      algorithm,
      async sign(tbs) {
        const signature = new Uint8Array(
          await crypto.subtle.sign(keyAlgorithmParameters[algorithm].sign, privateKey, new Uint8Array(tbs)),
        );
        return algorithm.startsWith('ECDSA') ? der.ecdsaSignatureFromP1363(signature) : Buffer.from(signature);
      },
    };
  }
}

/** The index of the slot whose token has `location.token` as label (SoftHSM2 numbers slots unpredictably). */
function findSlot(location: Pkcs11Location): number {
  const graphene = require('graphene-pk11') as GrapheneModule;
  const module = graphene.Module.load(location.modulePath, 'kubepki');
  // PKCS#11 initialization is per process: another signer on the same module may have done it already. It is never
  // finalized here, which would end that signer's session; the last close does.
  try {
    module.initialize();
  } catch (error) {
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test((error as Error).message)) throw error;
  }
  const slots = module.getSlots(true);
  const labels: string[] = [];
  for (let i = 0; i < slots.length; i++) {
    const label = slots.items(i).getToken().label.trim();
    if (label === location.token) return i;
    labels.push(label);
  }
  throw new Error(
    `no token labelled ${JSON.stringify(location.token)} in ${location.modulePath} (tokens: ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'})`,
  );
}

async function findKeyPair(
  crypto: P11Crypto,
  label: string,
): Promise<{ privateKey: CryptoKey; privateIndex: string; publicKey: CryptoKey }> {
  let privateKey: { key: CryptoKey; index: string } | undefined;
  let publicKey: CryptoKey | undefined;
  for (const index of await crypto.keyStorage.keys()) {
    const key = await crypto.keyStorage.getItem(index);
    if ((key.algorithm as { label?: string }).label !== label) continue;
    if (key.type === 'private') privateKey = { key, index };
    if (key.type === 'public') publicKey = key;
  }
  if (!privateKey || !publicKey)
    throw new Error(`the token has no ${!privateKey ? 'private' : 'public'} key labelled ${JSON.stringify(label)}`);
  return { privateKey: privateKey.key, privateIndex: privateKey.index, publicKey };
}
