/** A binding subject or expectation identity as the spec writes it: `user:alice`, `group:dev-team`, `serviceAccount:ci/deployer`. */
export type SubjectReference =
  | { kind: 'user'; name: string }
  | { kind: 'group'; name: string }
  | { kind: 'serviceAccount'; namespace: string; name: string };

/** Parses a subject reference; undefined when it has none of the three forms. */
export function parseSubjectReference(text: string): SubjectReference | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (rest === '') return undefined;
  if (kind === 'user') return { kind, name: rest };
  if (kind === 'group') return { kind, name: rest };
  if (kind === 'serviceAccount') {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(rest);
    return match ? { kind, namespace: match[1]!, name: match[3]! } : undefined;
  }
  return undefined;
}

export function formatSubjectReference(ref: SubjectReference): string {
  return ref.kind === 'serviceAccount' ? `serviceAccount:${ref.namespace}/${ref.name}` : `${ref.kind}:${ref.name}`;
}

/** The user names kubeadm's own kubeconfigs and client certificates carry, for a spec with these nodes. */
export function kubeadmUserNames(nodeNames: string[]): string[] {
  return [
    'kubernetes-admin',
    'kubernetes-super-admin',
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'kube-apiserver-kubelet-client',
    ...nodeNames.map((n) => `system:node:${n}`),
  ];
}

/**
 * ClusterRoles every cluster has (kube-apiserver's bootstrap policy): the user-facing four, and every `system:` role.
 * A binding to any other ClusterRole must name one the spec defines.
 */
export const defaultUserFacingClusterRoles = ['cluster-admin', 'admin', 'edit', 'view'] as const;

export function isDefaultClusterRoleName(name: string): boolean {
  return (defaultUserFacingClusterRoles as readonly string[]).includes(name) || name.startsWith('system:');
}

/** Namespaces every cluster has; kubepki never writes Namespace objects for them. */
export const builtinNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
