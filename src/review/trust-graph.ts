import { authoritiesOf, type AuthorityPlan, type KubeconfigPlan, type NodePlan, type PkiPlan } from '../plan';
import { kubeadmCertificateRows, type KubeadmCaId } from '../vocabulary';

/** The kubeadm catalog row of a certificate kind (`apiserver`, `etcd/peer`, `kubelet.conf`). */
const row = (id: string) => kubeadmCertificateRows.find((r) => r.id === id);
/** The CA that signs a kind of certificate, so the peer that checks it trusts that CA. */
const issuerOf = (id: string): KubeadmCaId => row(id)!.issuer;
const authorityOfCa: Record<KubeadmCaId, AuthorityPlan['authority']> = {
  ca: 'clusterCA',
  'front-proxy-ca': 'frontProxyCA',
  'etcd-ca': 'etcdCA',
};

/** A TLS peer: a component, on a node when it runs on one. */
export interface TrustEndpoint {
  component: string;
  node?: string;
}

/**
 * One "who trusts whom" edge: a client component connecting to a server component with mutual TLS. The server checks
 * the client certificate against `serverTrusts`; the client checks the server certificate against `clientTrusts` and
 * `serverName`. Ids are plan certificate ids; CAs are `ca`, `front-proxy-ca`, `etcd-ca` — during a rotation's overlap
 * both generations, `etcd-ca + etcd-ca-2`, the signer first.
 */
export interface TrustEdge {
  client: TrustEndpoint;
  server: TrustEndpoint;
  /** What the connection is for, with the flag or file that configures it. */
  purpose: string;
  clientCertificate: string;
  /** Absent when the server's certificate is not part of the kubeadm PKI (kubelet serving, aggregated API servers). */
  serverCertificate?: string;
  serverTrusts: string;
  /** The server-side setting that names `serverTrusts`. */
  serverTrustsVia: string;
  /** Absent when the client does not verify the server against a kubeadm CA. */
  clientTrusts?: string;
  clientTrustsVia?: string;
  /** The host the client dials, which the server certificate's SANs must cover. */
  serverName?: string;
}

/** The trust relations of a cluster's PKI, derived from its plan. */
export interface TrustGraph {
  cluster: string;
  edges: TrustEdge[];
  /** Service-account tokens: signed with sa.key, verified with sa.pub (not TLS). */
  tokens: { signer: TrustEndpoint; verifier: TrustEndpoint; via: string }[];
}

/** A kubeconfig → the component that uses it, as its catalog row says (a user's is kubectl's). */
function kubeconfigClient(k: KubeconfigPlan): TrustEndpoint {
  const usedBy = k.node === undefined ? undefined : row(k.name)?.usedBy;
  const component =
    usedBy === undefined ? `kubectl with users/${k.name}` : usedBy === 'kubectl' ? `kubectl with ${k.name}` : usedBy;
  return { component, ...(k.node !== undefined ? { node: k.node } : {}) };
}

function hostOf(server: string): string {
  const host = new URL(server).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * Derives the reference's "who trusts whom" table from a plan: every kubeconfig → the apiserver(s) its server
 * reaches (one node's when it is that node's address, all of them behind a controlPlaneEndpoint), kube-apiserver →
 * every kubelet, etcd and aggregated API servers, the etcd health check → etcd, and etcd members → each other.
 */
export function trustGraph(plan: PkiPlan): TrustGraph {
  const edges: TrustEdge[] = [];
  const trusted = (authority: AuthorityPlan['authority']) =>
    authoritiesOf(plan)
      .find((a) => a.authority === authority)
      ?.trusted.join(' + ') ?? '';
  // The CAs a peer trusts for a kind of certificate: its catalog issuer, with both generations during a rotation.
  const trustedFor = (id: string) => trusted(authorityOfCa[issuerOf(id)]);
  const controlPlanes = plan.nodes.filter((n) => n.role === 'control-plane');
  const apiserversFor = (host: string): NodePlan[] => {
    const own = controlPlanes.filter((n) => n.address === host || n.name === host);
    return own.length > 0 ? own : controlPlanes;
  };
  for (const k of plan.kubeconfigs) {
    const host = hostOf(k.server);
    for (const node of apiserversFor(host)) {
      edges.push({
        client: kubeconfigClient(k),
        server: { component: 'kube-apiserver', node: node.name },
        purpose: `API requests as ${plan.certificates.find((c) => c.id === k.certificate)?.subject.commonName ?? k.userName} (${k.node ? `${k.node}/` : 'users/'}${k.name})`,
        clientCertificate: k.certificate,
        serverCertificate: `${node.name}/apiserver`,
        serverTrusts: trustedFor('admin.conf'),
        serverTrustsVia: 'kube-apiserver --client-ca-file',
        clientTrusts: trustedFor('apiserver'),
        clientTrustsVia: 'kubeconfig certificate-authority-data',
        serverName: host,
      });
    }
  }
  const localEtcd = plan.cluster.etcd === 'local';
  for (const cp of controlPlanes) {
    for (const node of plan.nodes) {
      // With kubepki's kubelet serving certificates the edge is verified both ways (--kubelet-certificate-authority);
      // under kubeadm's defaults the kubelet serves a self-signed certificate the apiserver does not check.
      const serving = plan.certificates.find((c) => c.id === `${node.name}/kubelet-serving`);
      edges.push({
        client: { component: 'kube-apiserver', node: cp.name },
        server: { component: 'kubelet', node: node.name },
        purpose: 'logs, exec, port-forward, metrics (--kubelet-client-certificate)',
        clientCertificate: `${cp.name}/apiserver-kubelet-client`,
        ...(serving ? { serverCertificate: serving.id } : {}),
        serverTrusts: trustedFor('apiserver-kubelet-client'),
        serverTrustsVia: 'kubelet authentication.x509.clientCAFile',
        ...(serving
          ? { clientTrusts: serving.issuer, clientTrustsVia: 'kube-apiserver --kubelet-certificate-authority' }
          : {}),
        serverName: node.address ?? node.name,
      });
    }
    if (localEtcd) {
      const etcdServer = {
        serverCertificate: `${cp.name}/etcd/server`,
        serverTrusts: trustedFor('apiserver-etcd-client'),
        serverTrustsVia: 'etcd --trusted-ca-file (--client-cert-auth)',
        serverName: '127.0.0.1',
      };
      edges.push({
        client: { component: 'kube-apiserver', node: cp.name },
        server: { component: 'etcd', node: cp.name },
        purpose: 'storage (--etcd-servers=https://127.0.0.1:2379)',
        clientCertificate: `${cp.name}/apiserver-etcd-client`,
        ...etcdServer,
        clientTrusts: trustedFor('etcd/server'),
        clientTrustsVia: 'kube-apiserver --etcd-cafile',
      });
      edges.push({
        client: { component: 'etcd health check', node: cp.name },
        server: { component: 'etcd', node: cp.name },
        purpose: 'etcdctl endpoint health',
        clientCertificate: `${cp.name}/etcd/healthcheck-client`,
        ...etcdServer,
        clientTrusts: trustedFor('etcd/server'),
        clientTrustsVia: 'etcdctl --cacert',
      });
      for (const peer of controlPlanes) {
        if (peer === cp) continue;
        edges.push({
          client: { component: 'etcd', node: cp.name },
          server: { component: 'etcd', node: peer.name },
          purpose: 'raft replication (peer URLs, port 2380)',
          clientCertificate: `${cp.name}/etcd/peer`,
          serverCertificate: `${peer.name}/etcd/peer`,
          serverTrusts: trustedFor('etcd/peer'),
          serverTrustsVia: 'etcd --peer-trusted-ca-file (--peer-client-cert-auth)',
          clientTrusts: trustedFor('etcd/peer'),
          clientTrustsVia: 'etcd --peer-trusted-ca-file',
          serverName: peer.address ?? peer.name,
        });
      }
    }
    edges.push({
      client: { component: 'kube-apiserver', node: cp.name },
      server: { component: 'aggregated API server' },
      purpose: 'proxied requests with user headers (--proxy-client-cert-file)',
      clientCertificate: `${cp.name}/front-proxy-client`,
      serverTrusts: trustedFor('front-proxy-client'),
      serverTrustsVia: '--requestheader-client-ca-file, allowed name front-proxy-client',
    });
  }
  const saKeys = authoritiesOf(plan).find((a) => a.authority === 'serviceAccountKey')!.trusted;
  const tokens = controlPlanes.map((cp) => ({
    signer: { component: 'kube-controller-manager', node: cp.name },
    verifier: { component: 'kube-apiserver', node: cp.name },
    via: `sa.key (--service-account-private-key-file) → sa.pub (--service-account-key-file)${saKeys.length > 1 ? `, which accepts ${saKeys.join(' + ')}` : ''}`,
  }));
  return { cluster: plan.metadata.name, edges, tokens };
}

/** `kube-apiserver (cp1)`. */
export function endpointLabel(endpoint: TrustEndpoint): string {
  return endpoint.node ? `${endpoint.component} (${endpoint.node})` : endpoint.component;
}
