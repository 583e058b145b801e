import { nodesGroup, nodeUserPrefix } from '../vocabulary';
import { type AuthenticatedIdentity } from './authenticated-identity';

/**
 * The node a kubelet identity acts for, as the Node authorizer's default node identifier decides it
 * (k8s.io/component-helpers/nodeidentifier): the user must be `system:node:<name>` AND in `system:nodes`. An empty
 * node name is not a node (the Node authorizer has no opinion on it), so undefined is returned for it too.
 */
export function kubeletNodeName(identity: AuthenticatedIdentity): string | undefined {
  if (!identity.user.startsWith(nodeUserPrefix) || !identity.groups.includes(nodesGroup)) return undefined;
  const nodeName = identity.user.slice(nodeUserPrefix.length);
  return nodeName === '' ? undefined : nodeName;
}
