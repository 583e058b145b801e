/** Key algorithms kubeadm v1beta4 accepts in `encryptionAlgorithm`. */
export const keyAlgorithms = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const;
export type KeyAlgorithm = (typeof keyAlgorithms)[number];
