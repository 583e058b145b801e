/** What a `kubeadm join` line says: where to discover the cluster, how to trust and authenticate, who joins. */
export interface JoinCommandInput {
  /** host:port of the apiserver to discover the cluster at. */
  endpoint: string;
  /** The token, or a shell expression that yields it (so the line can be printed without the secret). */
  token: string;
  /** `sha256:<hex>` pins of the CAs' public keys: every cluster CA generation the stage trusts. */
  caCertHashes: string[];
  node: string;
  /** Present for a control-plane node: its apiserver's advertise address and port. */
  controlPlane?: { advertiseAddress: string; bindPort: number };
  ignorePreflightErrors: string[];
}

/**
 * The `kubeadm join` line for one node. No --certificate-key: kubepki put the control-plane certificates on the node
 * already, so kubeadm has nothing to download.
 */
export function renderJoinCommand(input: JoinCommandInput): string {
  // The flag is a string slice in kubeadm (StringSliceVar): given once per pin, kubeadm accepts any of them.
  const pins = input.caCertHashes.flatMap((hash) => ['--discovery-token-ca-cert-hash', hash]);
  const parts = ['kubeadm join', input.endpoint, '--token', input.token, ...pins, '--node-name', input.node];
  if (input.controlPlane) {
    parts.push(
      '--control-plane',
      '--apiserver-advertise-address',
      input.controlPlane.advertiseAddress,
      '--apiserver-bind-port',
      String(input.controlPlane.bindPort),
    );
  }
  if (input.ignorePreflightErrors.length > 0)
    parts.push(`--ignore-preflight-errors=${input.ignorePreflightErrors.join(',')}`);
  return parts.join(' ');
}
