// The crypto stage: the one place that creates keys, certificates and tokens and parses PEM.
export { issueCertificate, issueCertificatePem } from './issue-certificate';
export { describeKey, keyAlgorithmOf } from './key-algorithms';
export { KeyPair } from './key-pair';
export { KeyPool } from './key-pool';
export { ParsedCertificate } from './parsed-certificate';
export { mintServiceAccountToken, verifyServiceAccountToken } from './service-account-token';
