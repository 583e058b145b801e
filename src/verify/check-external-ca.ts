import type { Finding } from './finding';
import { kubeadmCas, type KubeadmCaName } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';

/**
 * kubeadm's external-CA mode on a control-plane node (its UsingExternalCA, UsingExternalFrontProxyCA and
 * UsingExternalEtcdCA): a CA certificate is present and its key is not. kubeadm then cannot issue anything that CA
 * signs, so every such file must already be there.
 */
export function externalCas(material: NodeMaterial): Set<KubeadmCaName> {
  const external = new Set<KubeadmCaName>();
  if (material.role !== 'control-plane') return external;
  const files = material.directory.files;
  for (const ca of kubeadmCas) if (files.has(`${ca.base}.crt`) && !files.has(`${ca.base}.key`)) external.add(ca.name);
  return external;
}

/**
 * The exchange files of the external-CA flow, as `kubeadm certs generate-csr` and `kubepki csr` lay them out: each
 * CSR must be made with the key beside it (`pki/<name>.key`, or the client key of `<name>.conf`), or the certificate
 * the outside CA signs for it certifies a key nobody holds; a returned `<name>.conf.crt` must be the one the
 * kubeconfig embeds, or the kubeconfig still uses another (kubepki generate embeds it).
 */
export function checkExternalCaExchange(material: NodeMaterial): Finding[] {
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  for (const [rel, request] of material.requests) {
    const base = rel.slice(0, -'.csr'.length);
    const key = base.endsWith('.conf') ? material.kubeconfigs.get(base)?.clientKey : material.keys.get(`${base}.key`);
    const keyFile = `${prefix}${base.endsWith('.conf') ? base : `${base}.key`}`;
    if (key && !request.publicKeyDer().equals(key.publicKeyDer())) {
      findings.push({
        id: 'csr.key-mismatch',
        file: `${prefix}${rel}`,
        severity: 'warning',
        message: `${prefix}${rel} was not made with the key in ${keyFile}: a certificate an outside CA signs for it will not match that key; re-create it (kubepki csr, or kubeadm certs generate-csr)`,
      });
    }
  }
  for (const [rel, certificate] of material.certificates) {
    if (!rel.endsWith('.conf.crt')) continue;
    const kubeconfig = material.kubeconfigs.get(rel.slice(0, -'.crt'.length));
    if (!kubeconfig || kubeconfig.clientCertificate?.der.equals(certificate.der)) continue;
    findings.push({
      id: 'external-ca.not-embedded',
      file: `${prefix}${rel}`,
      severity: 'warning',
      message: `${prefix}${rel}, the outside CA's certificate for ${kubeconfig.file.path}, is not the certificate that kubeconfig embeds: run kubepki generate to embed it (or set its client-certificate-data to it, as kubeadm documents)`,
    });
  }
  return findings;
}
