import type { CertificatePlan, PkiPlan } from './pki-plan';

/**
 * kubeadm's external-CA exchange for one leaf an outside CA signs (`spec.pki.caKeys.<ca>: external-ca`), in the layout
 * `kubeadm certs generate-csr` writes: the key where the plan keeps it (`pki/<name>.key`, or embedded in the
 * kubeconfig `<name>.conf`), the CSR beside it (`pki/<name>.csr`, `<name>.conf.csr`), and the certificate coming back
 * beside the CSR (`pki/<name>.crt` — the planned file itself — or `<name>.conf.crt`, which kubepki embeds). Paths only:
 * the exchange is plan data, secret-free, and not part of `plan.files` (the inventory and diff stay as they were).
 */
export interface ExternalCaExchange {
  readonly certificate: CertificatePlan;
  /**
   * The file holding the private key kubepki made: `cp1/pki/apiserver.key`, `cp1/admin.conf`. Absent for a user who
   * keeps their key (`users[].csr`): their own CSR is what the outside CA signs.
   */
  readonly keyFile?: string;
  /** The kubeconfig that embeds the certificate, for a kubeconfig's: `cp1/admin.conf`, `users/alice.conf`. */
  readonly kubeconfigFile?: string;
  /** The CSR for the outside CA: `cp1/pki/apiserver.csr`, `cp1/admin.conf.csr`. */
  readonly requestFile: string;
  /** Where the signed certificate is dropped: `cp1/pki/apiserver.crt`, `cp1/admin.conf.crt`. */
  readonly returnedFile: string;
}

/** Every leaf of the plan an outside CA signs (with a key kubepki makes, or the user's own), in plan order. */
export function externalCaExchanges(plan: PkiPlan): ExternalCaExchange[] {
  const exchanges: ExternalCaExchange[] = [];
  for (const certificate of plan.certificates) {
    if (certificate.isCa || certificate.signedBy !== 'external-ca') continue;
    if (certificate.storage === 'kubeconfig') {
      const file = plan.files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === certificate.id)!.path;
      const keyFile = certificate.keyHolder === 'user' ? {} : { keyFile: file };
      exchanges.push({
        certificate,
        ...keyFile,
        kubeconfigFile: file,
        requestFile: `${file}.csr`,
        returnedFile: `${file}.crt`,
      });
    } else {
      const keyFile = plan.files.find((f) => f.content.kind === 'private-key' && f.content.of === certificate.id)!.path;
      const returnedFile = plan.files.find(
        (f) => f.content.kind === 'certificate' && f.content.of === certificate.id,
      )!.path;
      exchanges.push({ certificate, keyFile, requestFile: keyFile.replace(/\.key$/, '.csr'), returnedFile });
    }
  }
  return exchanges;
}

/** The exchange files that are not planned files (CSRs, returned kubeconfig certificates): known, never stale. */
export function externalCaExchangeFiles(plan: PkiPlan): Set<string> {
  const files = new Set<string>();
  for (const exchange of externalCaExchanges(plan)) {
    files.add(exchange.requestFile);
    if (exchange.certificate.storage === 'kubeconfig') files.add(exchange.returnedFile);
  }
  return files;
}
