/** X.509 key usages kubeadm sets. */
export type KeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign';
/** X.509 extended key usages kubeadm sets. */
export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';
