import type { CertificatePlan } from '../plan';
import { dumpStableYaml } from './kubeconfig';

/** A DNS-1123 subdomain from a user name (`Alice.Smith@corp` → `kubepki-user-alice.smith-corp`). */
function objectName(userName: string): string {
  const cleaned = userName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `kubepki-user-${cleaned || 'unnamed'}`.slice(0, 253);
}

/**
 * The in-cluster path for a user's CSR: a certificates.k8s.io/v1 CertificateSigningRequest for the
 * `kubernetes.io/kube-apiserver-client` signer, which `kubectl certificate approve` lets kube-controller-manager sign
 * with the cluster CA. Usages are the ones that signer allows; the lifetime is the spec's.
 */
export function renderCertificateSigningRequestManifest(certificate: CertificatePlan, csrPem: string): string {
  return dumpStableYaml({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: objectName(certificate.subject.commonName),
      labels: { 'app.kubernetes.io/managed-by': 'kubepki' },
    },
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client',
      expirationSeconds: certificate.validityHours * 3600,
      usages: [
        'client auth',
        'digital signature',
        ...(certificate.keyUsages.includes('keyEncipherment') ? ['key encipherment'] : []),
      ],
    },
  });
}
