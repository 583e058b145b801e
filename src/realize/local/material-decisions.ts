import type { CertificatePlan } from '../../plan';
import type { KeyPair, ParsedCertificate } from '../../crypto';

/** A private key found on disk: its file text, kept byte for byte when the key is reused. */
export interface ExistingKey {
  readonly pem: string;
  readonly pair: KeyPair;
}

/** A certificate found on disk: its file text, kept byte for byte when kept. */
export interface ExistingCertificate {
  readonly pem: string;
  readonly parsed: ParsedCertificate;
}

/**
 * What to do with one certificate and its key, decided from the tree alone. Decisions are data: producing the
 * material reads them and never changes them.
 */
export type CertificateDecision =
  /** Everything matches the plan. No key means kubeadm's external CA mode: the CA key lives elsewhere. */
  | {
      readonly action: 'keep';
      readonly plan: CertificatePlan;
      readonly certificate: ExistingCertificate;
      readonly key?: ExistingKey;
    }
  /** No certificate yet; with a key, that key is certified (kubeadm's "key only" case, or a CA whose certificate was lost). */
  | {
      readonly action: 'create';
      readonly plan: CertificatePlan;
      readonly reasons: readonly string[];
      readonly key?: ExistingKey;
    }
  /** The certificate drifted from the plan or expires; the key is reused when its algorithm still fits. */
  | {
      readonly action: 'reissue';
      readonly plan: CertificatePlan;
      readonly reasons: readonly string[];
      readonly previous: ParsedCertificate;
      readonly key?: ExistingKey;
    };

export type ServiceAccountKeyDecision =
  | { readonly action: 'keep'; readonly key: ExistingKey; readonly publicKeyPem?: string }
  /** A rotation's leaving key after the issue stage: only its public half is left (in sa.pub), still accepted. */
  | { readonly action: 'public'; readonly publicKeyPem: string }
  | { readonly action: 'create' };

export interface MaterialDecisions {
  readonly certificates: ReadonlyMap<string, CertificateDecision>;
  /** The signing sa key (plan.keyPairs[0]). */
  readonly serviceAccountKey: ServiceAccountKeyDecision;
  /** Every sa key generation by plan id, the signer's included. */
  readonly serviceAccountKeys: ReadonlyMap<string, ServiceAccountKeyDecision>;
}
