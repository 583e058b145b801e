// Group and user names that kube-apiserver and kubeadm give meaning to, spelled once.

/** kube-apiserver's privileged group: authorized for every request before RBAC is consulted; no binding revokes it. */
export const mastersGroup = 'system:masters';
/** The revocable group kubeadm (1.29+) binds to cluster-admin for admin.conf and the apiserver's kubelet client. */
export const clusterAdminsGroup = 'kubeadm:cluster-admins';
/** The group the Node authorizer and NodeRestriction require of kubelets. */
export const nodesGroup = 'system:nodes';
/** Kubelets authenticate as `system:node:<node name>`. */
export const nodeUserPrefix = 'system:node:';

/** The user name a node's kubelet authenticates as. */
export function nodeUserName(node: string): string {
  return `${nodeUserPrefix}${node}`;
}
