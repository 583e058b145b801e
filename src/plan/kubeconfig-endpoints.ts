import { formatUrlHost, splitHostPort } from '../spec';
import type { ClusterSpec, ControlPlaneNodeSpec } from '../spec';

/**
 * The cluster-wide apiserver URL: `https://<controlPlaneEndpoint host>:<its port or bindPort>`; without an endpoint,
 * the first control-plane node's advertise address (what kubeadm init writes and join discovers).
 */
export function clusterEndpoint(spec: ClusterSpec): string {
  const bindPort = spec.spec.apiServer.bindPort;
  if (spec.spec.controlPlaneEndpoint) {
    const { host, port } = splitHostPort(spec.spec.controlPlaneEndpoint)!;
    return `https://${formatUrlHost(host)}:${port ?? bindPort}`;
  }
  return localEndpoint(spec, spec.spec.controlPlane[0]!);
}

/** A control-plane node's own apiserver: `https://<advertiseAddress>:<bindPort>`. */
export function localEndpoint(spec: ClusterSpec, node: ControlPlaneNodeSpec): string {
  return `https://${formatUrlHost(node.advertiseAddress)}:${spec.spec.apiServer.bindPort}`;
}
