import { certificateProfiles, commonNameOn, kubeadmCertificateRows } from '../vocabulary';

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

/**
 * The user names kubeadm's own client certificates carry (every catalog row the cluster CA signs for clientAuth), for
 * a spec with these nodes.
 */
export function kubeadmUserNames(nodeNames: string[]): string[] {
  const rows = kubeadmCertificateRows.filter(
    (r) => r.issuer === 'ca' && certificateProfiles[r.profile].extendedKeyUsages.includes('clientAuth'),
  );
  return [
    ...new Set(
      rows.flatMap((r) =>
        r.commonName.includes('{node}') ? nodeNames.map((n) => commonNameOn(r, n)) : [r.commonName],
      ),
    ),
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
