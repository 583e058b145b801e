import type { CertificateContent, CertificateProfileName, KeyHolder } from '../vocabulary';
import { localSigningKey, signCertificate } from './issue-certificate';
import type { KeyPair } from './key-pair';
import type { ParsedCertificate } from './parsed-certificate';

/** The subject of a certificate to sign: its public key, and on demand a CSR proving possession of the key. */
export interface SigningSubject {
  /** DER SubjectPublicKeyInfo. */
  publicKeyDer(): Promise<Buffer>;
  /** PEM CSR signed by the subject's key: what a remote CA needs (the user's own, or one kubepki makes). */
  certificationRequest(): Promise<string>;
}

export interface SignRequest {
  template: CertificateContent;
  /** kubepki's profile; a remote CA maps it to a signing profile of its own. */
  profile: CertificateProfileName;
  subject: SigningSubject;
  now: Date;
}

/**
 * A CA as the engine sees it: something that signs certificates under a CA certificate. Where the CA key lives — in
 * memory (the default), in a cfssl server, in a PKCS#11 token — is the implementation's business; no caller knows.
 */
export interface CertificateSigner {
  /** Where the key lives, as the plan says it. */
  readonly holder: KeyHolder;
  /**
   * The CA certificate this signer issues under. Signers that hold the certificate return theirs (cfssl's `info`);
   * signers that can sign anything with the CA key (a local key, an HSM) self-sign `template` when `existing` is absent.
   */
  caCertificate(
    template: CertificateContent,
    existing: ParsedCertificate | undefined,
    now: Date,
  ): Promise<ParsedCertificate>;
  /** Issues a certificate under the CA certificate returned by caCertificate. */
  sign(request: SignRequest): Promise<ParsedCertificate>;
  /** Releases connections and sessions. */
  close?(): Promise<void>;
}

/** The default signer: a CA key kubepki holds in memory (read from or written to the tree). */
export class LocalKeySigner implements CertificateSigner {
  readonly holder = 'kubepki' as const;
  private certificate: ParsedCertificate | undefined;

  constructor(
    private readonly key: KeyPair,
    certificate?: ParsedCertificate,
  ) {
    this.certificate = certificate;
  }

  async caCertificate(
    template: CertificateContent,
    existing: ParsedCertificate | undefined,
    now: Date,
  ): Promise<ParsedCertificate> {
    this.certificate =
      existing ??
      this.certificate ??
      (await signCertificate(template, this.key.publicKeyDer(), undefined, localSigningKey(this.key), now));
    return this.certificate;
  }

  async sign(request: SignRequest): Promise<ParsedCertificate> {
    if (!this.certificate) throw new Error('internal: LocalKeySigner.sign before caCertificate');
    return signCertificate(
      request.template,
      await request.subject.publicKeyDer(),
      this.certificate,
      localSigningKey(this.key),
      request.now,
    );
  }
}
