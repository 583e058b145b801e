// The crypto stage: the one place that creates keys, certificates and tokens and parses PEM.
export { issueCertificate, issueCertificatePem } from './issue-certificate';
export { describeKey, keyAlgorithmOf } from './key-algorithms';
export { KeyPair } from './key-pair';
export { KeyPool } from './key-pool';
export { ParsedCertificate } from './parsed-certificate';
export { mintServiceAccountToken, verifyServiceAccountToken } from './service-account-token';
export { bootstrapTokenId, bootstrapTokenPattern, generateBootstrapToken } from './bootstrap-token';
export { LocalKeySigner, type CertificateSigner, type SigningSubject } from './certificate-signer';
export {
  ParsedCertificationRequest,
  checkUserCertificationRequest,
  createCertificationRequest,
} from './certification-request';
export {
  certificateFacts,
  inspectPem,
  jwtFacts,
  type InspectedMaterial,
  type InspectedRequest,
} from './inspect-material';
export { publicKeyPin } from './public-key-pin';
export { intermediateMismatches, intermediateSigningCommand } from './intermediate-certificate';
export { noHostNamesDescription } from './name-constraints';
export { publicKeyPins } from './public-key-pin';
export { parseServiceAccountPublicKeys } from './service-account-token';
export { keyAlgorithmParameters } from './key-algorithms';
