import { AuthenticatedIdentity } from './authenticated-identity';

/** Group of kubelet identities (user.NodesGroup). */
export const NODES_GROUP = 'system:nodes';
/** Prefix of kubelet user names. */
export const NODE_USER_PREFIX = 'system:node:';

/**
 * The node a kubelet identity acts for, as the Node authorizer's default node identifier decides it
 * (k8s.io/component-helpers/nodeidentifier): the user must be `system:node:<name>` AND in `system:nodes`. An empty
 * node name is not a node (the Node authorizer has no opinion on it), so undefined is returned for it too.
 */
export function kubeletNodeName(identity: AuthenticatedIdentity): string | undefined {
  if (!identity.user.startsWith(NODE_USER_PREFIX) || !identity.groups.includes(NODES_GROUP)) return undefined;
  const nodeName = identity.user.slice(NODE_USER_PREFIX.length);
  return nodeName === '' ? undefined : nodeName;
}
