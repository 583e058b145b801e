import * as yaml from 'js-yaml';
import type { KubeadmConfigPlan, KubeadmNodePlan } from '../plan';

/** What a kubeadm configuration needs beyond the plan: the secret token and the pin of the CA's public key. */
export interface KubeadmConfigSecrets {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; the file that holds it is written 0600. */
  bootstrapToken: string;
  /**
   * `sha256:<hex>` of the SubjectPublicKeyInfo (kubeadm's pubkeypin format) of every CA in ca.crt, signer first: one
   * during a rotation's overlap is enough for kubeadm to trust the cluster (see publicKeyPins).
   */
  caCertHashes: string[];
}

/** kubeadm's group for tokens that join nodes (kubeadm init's default token carries it; the node-bootstrapper and auto-approve bindings name it). */
export const bootstrapTokenGroup = 'system:bootstrappers:kubeadm:default-node-token';

const kubeletApiVersion = 'kubelet.config.k8s.io/v1beta1';

function nodeRegistration(config: KubeadmConfigPlan, node: KubeadmNodePlan) {
  return {
    name: node.node,
    // The kubelet registers this address as its InternalIP, which kube-apiserver dials and the serving certificate names.
    ...(node.address ? { kubeletExtraArgs: [{ name: 'node-ip', value: node.address }] } : {}),
    ...(node.ignorePreflightErrors.length > 0 ? { ignorePreflightErrors: node.ignorePreflightErrors } : {}),
  };
}

function clusterConfiguration(config: KubeadmConfigPlan) {
  const etcd =
    'local' in config.etcd
      ? { local: { serverCertSANs: config.etcd.local.serverCertSANs, peerCertSANs: config.etcd.local.peerCertSANs } }
      : { external: { ...config.etcd.external } };
  return {
    apiVersion: config.apiVersion,
    kind: 'ClusterConfiguration',
    clusterName: config.clusterName,
    kubernetesVersion: config.kubernetesVersion,
    ...(config.controlPlaneEndpoint ? { controlPlaneEndpoint: config.controlPlaneEndpoint } : {}),
    certificatesDir: config.certificatesDir,
    networking: { ...config.networking },
    apiServer: {
      certSANs: config.apiServer.certSANs,
      ...(config.apiServer.extraArgs.length > 0 ? { extraArgs: config.apiServer.extraArgs } : {}),
    },
    etcd,
    encryptionAlgorithm: config.encryptionAlgorithm,
    certificateValidityPeriod: config.certificateValidityPeriod,
    caCertificateValidityPeriod: config.caCertificateValidityPeriod,
  };
}

function kubeletConfiguration(config: KubeadmConfigPlan) {
  const k = config.kubelet;
  return {
    apiVersion: kubeletApiVersion,
    kind: 'KubeletConfiguration',
    authentication: {
      x509: { clientCAFile: k.clientCAFile },
      webhook: { enabled: true },
      anonymous: { enabled: false },
    },
    authorization: { mode: 'Webhook' },
    clusterDomain: k.clusterDomain,
    // The certificate is kubepki's, renewed by kubepki: the kubelet must neither self-sign nor request one by CSR.
    ...(k.tlsCertFile
      ? { tlsCertFile: k.tlsCertFile, tlsPrivateKeyFile: k.tlsPrivateKeyFile, serverTLSBootstrap: false }
      : {}),
  };
}

/**
 * One node's kubeadm configuration as YAML documents. The first control-plane node gets InitConfiguration +
 * ClusterConfiguration + KubeletConfiguration (`kubeadm init --config`, which uploads the kubelet configuration to the
 * cluster's kubelet-config ConfigMap); every other node a JoinConfiguration (`kubeadm join --config`, whose kubelet
 * takes that ConfigMap). Discovery pins the CA by its public key and authenticates with the bootstrap token.
 */
export function renderKubeadmConfig(
  config: KubeadmConfigPlan,
  node: KubeadmNodePlan,
  secrets: KubeadmConfigSecrets,
): string {
  const documents: unknown[] = [];
  if (node.mode === 'init') {
    documents.push({
      apiVersion: config.apiVersion,
      kind: 'InitConfiguration',
      bootstrapTokens: [
        {
          token: secrets.bootstrapToken,
          description: 'kubepki: joins the nodes of this cluster',
          ttl: '24h0m0s',
          usages: ['signing', 'authentication'],
          groups: [bootstrapTokenGroup],
        },
      ],
      localAPIEndpoint: { advertiseAddress: node.address, bindPort: config.apiServer.bindPort },
      nodeRegistration: nodeRegistration(config, node),
    });
    documents.push(clusterConfiguration(config), kubeletConfiguration(config));
  } else {
    documents.push({
      apiVersion: config.apiVersion,
      kind: 'JoinConfiguration',
      caCertPath: `${config.certificatesDir}/ca.crt`,
      discovery: {
        bootstrapToken: {
          apiServerEndpoint: config.discoveryEndpoint,
          token: secrets.bootstrapToken,
          caCertHashes: secrets.caCertHashes,
        },
      },
      nodeRegistration: nodeRegistration(config, node),
      // No certificateKey: kubepki distributes the control-plane certificates, kubeadm need not download them.
      ...(node.mode === 'join-control-plane'
        ? {
            controlPlane: { localAPIEndpoint: { advertiseAddress: node.address, bindPort: config.apiServer.bindPort } },
          }
        : {}),
    });
  }
  return documents.map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true, quotingType: '"' })).join('---\n');
}
