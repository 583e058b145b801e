/**
 * Where a CA's private key lives. `kubepki`: made and kept in the tree (kubeadm's default). `external-ca`: kubeadm's
 * external-CA mode, the key stays with an outside CA that signs the CSRs kubepki writes. `cfssl`: a `cfssl serve`
 * signs over its authenticated remote-signing API. `hsm`: a PKCS#11 token signs; the key is never exported.
 */
export const caKeyHolders = ['kubepki', 'external-ca', 'cfssl', 'hsm'] as const;
export type CaKeyHolder = (typeof caKeyHolders)[number];

/**
 * Who holds a private key: a CA's holder, the user (on their own machine, only a CSR travels), or an offline root (the
 * signer of an intermediate CA, never held by kubepki). Plan data: `plan` and `diff` show it.
 */
export type KeyHolder = CaKeyHolder | 'user' | 'offline-root';
