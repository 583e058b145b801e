import { kubernetesMinor } from '../spec';
import type { ClusterSpec } from '../spec';
import type { CertificatePlan } from './pki-plan';
import type { KubeadmArgPlan, KubeadmConfigPlan, KubeadmNodePlan } from './kubeadm-config-plan';

/** The node directory's place on the node, and kubeadm's default certificatesDir under it. */
export const kubernetesDir = '/etc/kubernetes';
export const certificatesDir = `${kubernetesDir}/pki`;

/** The kubeadm configuration API kubepki writes; kubeadm reads v1beta4 from 1.31 on. */
export const kubeadmConfigMinMinor = 31;

/** The kubelet serving certificate's base name under pki/ (a kubepki addition: kubeadm leaves kubelets self-signed). */
export const kubeletServingName = 'kubelet-serving';

/** `/etc/kubernetes/pki/<name>` of a file planned as `<node>/pki/<name>`. */
const onNode = (name: string) => `${certificatesDir}/${name}`;

/** `host:port` of an https URL; the URL API drops port 443, kubeadm's discovery endpoint needs it spelt out. */
function hostPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '443'}`;
}

/** kubeadm's preflight check name for a file that must not exist yet (FileAvailableCheck). */
const fileAvailable = (file: string) => `FileAvailable-${file.replace(/\//g, '-')}`;

/**
 * Plans the kubeadm configuration of every node: `kubeadm init` for the first control-plane node, `kubeadm join
 * --control-plane` for the others, `kubeadm join` for workers. Absent for Kubernetes versions before 1.31, whose
 * kubeadm does not read v1beta4.
 */
export function planKubeadmConfig(
  spec: ClusterSpec,
  endpoint: string,
  certificates: CertificatePlan[],
): KubeadmConfigPlan | undefined {
  const s = spec.spec;
  if (kubernetesMinor(s.kubernetesVersion) < kubeadmConfigMinMinor) return undefined;
  const serving = certificates.some((c) => c.name === kubeletServingName);
  const extraArgs: KubeadmArgPlan[] = serving
    ? [{ name: 'kubelet-certificate-authority', value: onNode('ca.crt') }]
    : [];
  const joinIgnores = [fileAvailable(`${kubernetesDir}/kubelet.conf`)];
  const nodes: KubeadmNodePlan[] = [
    ...s.controlPlane.map((n, i): KubeadmNodePlan => ({
      node: n.name,
      mode: i === 0 ? 'init' : 'join-control-plane',
      address: n.advertiseAddress,
      path: `${n.name}/kubeadm.yaml`,
      ignorePreflightErrors: i === 0 ? [] : joinIgnores,
    })),
    ...s.workers.map((n): KubeadmNodePlan => ({
      node: n.name,
      mode: 'join',
      ...(n.address ? { address: n.address } : {}),
      path: `${n.name}/kubeadm.yaml`,
      ignorePreflightErrors: [...joinIgnores, fileAvailable(onNode('ca.crt'))],
    })),
  ];
  const etcd: KubeadmConfigPlan['etcd'] =
    'local' in s.etcd
      ? { local: { serverCertSANs: s.etcd.local.serverCertSANs, peerCertSANs: s.etcd.local.peerCertSANs } }
      : {
          external: {
            endpoints: s.etcd.external.endpoints,
            caFile: s.etcd.external.caFile ?? onNode('etcd/ca.crt'),
            certFile: s.etcd.external.certFile ?? onNode('apiserver-etcd-client.crt'),
            keyFile: s.etcd.external.keyFile ?? onNode('apiserver-etcd-client.key'),
          },
        };
  return {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kubernetesDir,
    certificatesDir,
    clusterName: s.clusterName,
    kubernetesVersion: s.kubernetesVersion,
    ...(s.controlPlaneEndpoint ? { controlPlaneEndpoint: s.controlPlaneEndpoint } : {}),
    discoveryEndpoint: hostPort(endpoint),
    networking: {
      serviceSubnet: s.networking.serviceSubnet,
      ...(s.networking.podSubnet ? { podSubnet: s.networking.podSubnet } : {}),
      dnsDomain: s.networking.dnsDomain,
    },
    apiServer: { certSANs: s.apiServer.certSANs, bindPort: s.apiServer.bindPort, extraArgs },
    etcd,
    encryptionAlgorithm: s.pki.encryptionAlgorithm,
    certificateValidityPeriod: s.pki.certificateValidityPeriod,
    caCertificateValidityPeriod: s.pki.caCertificateValidityPeriod,
    kubelet: {
      clientCAFile: onNode('ca.crt'),
      clusterDomain: s.networking.dnsDomain,
      ...(serving
        ? { tlsCertFile: onNode(`${kubeletServingName}.crt`), tlsPrivateKeyFile: onNode(`${kubeletServingName}.key`) }
        : {}),
    },
    nodes,
  };
}
