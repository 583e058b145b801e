import { publicKeyPin } from '../crypto';
import type { Finding } from './finding';
import type { NodeMaterial } from './node-material';
import type { VerifyContext } from './verify-context';
import { trustedCas } from './check-cas';
import { checkIssuer, checkKeyMatch, checkLeafUsages, checkValidity } from './check-certificate-basics';
import { nodeNameOf } from './check-leaves';
import { sansCoverHost } from './san-covers-host';
import { readKubeadmNodeConfig } from './kubeadm-node-config';

/** Where kubepki puts a node's kubelet serving certificate (kubeadm leaves the kubelet self-signed). */
export const kubeletServingFiles = { certificate: 'pki/kubelet-serving.crt', key: 'pki/kubelet-serving.key' } as const;

/** The node directory is /etc/kubernetes: a path kubeadm's files name on the node, as a path in the directory. */
const kubernetesDir = '/etc/kubernetes/';
const inNodeDirectory = (onNode: string) =>
  onNode.startsWith(kubernetesDir) ? onNode.slice(kubernetesDir.length) : undefined;

/**
 * The apiserver → kubelet edge and the node's kubeadm.yaml: the kubelet serving certificate chains to the cluster CA
 * (which --kubelet-certificate-authority names), carries serverAuth, and names the address kube-apiserver dials;
 * every file kubeadm.yaml points at is in the node directory; the join pin is the CA's public key.
 */
export function checkKubeletServing(material: NodeMaterial, context: VerifyContext): Finding[] {
  if (material.role === 'users') return [];
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const configFile = material.directory.files.get('kubeadm.yaml');
  const config = configFile ? readKubeadmNodeConfig(configFile, findings) : undefined;
  const certificate = material.certificates.get(kubeletServingFiles.certificate);
  const nodeName = nodeNameOf(material);
  if (certificate) {
    const file = `${prefix}${kubeletServingFiles.certificate}`;
    const cas = trustedCas(material, context);
    const who =
      'kube-apiserver (--kubelet-certificate-authority = ca.crt) when it calls this kubelet for logs, exec, port-forward and metrics';
    findings.push(...checkIssuer(certificate, file, cas.get('ca'), [...cas.values()], who, 'ca (pki/ca.crt)'));
    findings.push(
      ...checkKeyMatch(
        certificate,
        file,
        material.keys.get(kubeletServingFiles.key),
        `${prefix}${kubeletServingFiles.key}`,
      ),
    );
    findings.push(...checkLeafUsages(certificate, file, ['serverAuth']));
    if (nodeName && certificate.commonName !== `system:node:${nodeName}`) {
      findings.push({
        id: 'subject.common-name',
        file,
        severity: 'warning',
        message: `${file} has CN "${certificate.commonName}" on node "${nodeName}": kubelet serving certificates are system:node:<node name> (the kubernetes.io/kubelet-serving signer's rule); reissue it`,
      });
    }
    if (nodeName && !sansCoverHost(certificate, nodeName)) {
      findings.push({
        id: 'san.missing',
        file,
        severity: 'warning',
        message: `${file} lacks the SAN ${nodeName}: kube-apiserver fails hostname verification when it dials this kubelet by its Hostname address`,
      });
    }
    if (config?.nodeIp && !sansCoverHost(certificate, config.nodeIp)) {
      findings.push({
        id: 'san.missing',
        file,
        severity: 'error',
        message: `${file} lacks the SAN ${config.nodeIp}: kube-apiserver dials this kubelet at its InternalIP (--node-ip in kubeadm.yaml) and fails hostname verification; reissue it`,
      });
    }
    findings.push(...checkValidity(certificate, file, context));
  }
  if (config) {
    const named: [string | undefined, string][] = [
      [config.tlsCertFile, 'KubeletConfiguration tlsCertFile'],
      [config.tlsPrivateKeyFile, 'KubeletConfiguration tlsPrivateKeyFile'],
      [config.kubeletCertificateAuthority, "kube-apiserver's --kubelet-certificate-authority"],
      [config.caCertPath, 'JoinConfiguration caCertPath'],
    ];
    for (const [onNode, what] of named) {
      const rel = onNode ? inNodeDirectory(onNode) : undefined;
      if (
        onNode &&
        rel !== undefined &&
        !material.directory.files.has(rel) &&
        !material.directory.unreadable.has(rel)
      ) {
        findings.push({
          id: 'kubeadm.missing-file',
          file: config.file.path,
          severity: 'error',
          message: `${config.file.path} names ${onNode} (${what}) but ${prefix}${rel} is not in the node directory: the component fails to start; run kubepki generate`,
        });
      }
    }
    const ca = context.clusterCa;
    if (ca && config.caCertHashes.length > 0) {
      const pin = publicKeyPin(ca.certificate.pem);
      if (!config.caCertHashes.includes(pin)) {
        findings.push({
          id: 'kubeadm.ca-pin',
          file: config.file.path,
          severity: 'error',
          message: `${config.file.path} pins caCertHashes that are not ${ca.file}'s public key (${pin}): kubeadm join refuses the cluster during discovery; run kubepki generate`,
        });
      }
    }
  }
  return findings;
}
