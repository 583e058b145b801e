import { builtinNamespaces, kubernetesMinor, parseSubjectReference } from '../spec';
import type { ClusterSpec } from '../spec';
import { clusterAdminsGroup, kubeadmCertificateRows, nodesGroup, sinceMinor } from '../vocabulary';
import type { RbacFilePlan, RbacManifest } from './rbac-plan';

const rbacGroup = 'rbac.authorization.k8s.io' as const;
const rbacVersion = 'rbac.authorization.k8s.io/v1' as const;

function subjectOf(text: string): NonNullable<RbacManifest['subjects']>[number] {
  const ref = parseSubjectReference(text)!;
  if (ref.kind === 'serviceAccount') return { kind: 'ServiceAccount', name: ref.name, namespace: ref.namespace };
  return { kind: ref.kind === 'user' ? 'User' : 'Group', name: ref.name, apiGroup: rbacGroup };
}

const byName = (a: RbacManifest, b: RbacManifest) => {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * The bindings kubeadm creates for the identities it issues: `kubeadm:cluster-admins` (1.29+) makes admin.conf a
 * revocable cluster-admin, and kubelets may renew their own client certificates.
 */
export function kubeadmRbac(kubernetesVersion: string): RbacManifest[] {
  const groupBinding = (name: string, clusterRole: string, group: string): RbacManifest => ({
    apiVersion: rbacVersion,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: clusterRole },
    subjects: [{ kind: 'Group', name: group, apiGroup: rbacGroup }],
  });
  const objects: RbacManifest[] = [];
  const admin = kubeadmCertificateRows.find((r) => r.id === 'admin.conf')!;
  if (sinceMinor(admin.organizations, kubernetesMinor(kubernetesVersion)).includes(clusterAdminsGroup)) {
    objects.push(groupBinding(clusterAdminsGroup, 'cluster-admin', clusterAdminsGroup));
  }
  objects.push(
    groupBinding(
      'kubeadm:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      nodesGroup,
    ),
  );
  return objects;
}

/**
 * Every RBAC object the spec implies, grouped into files: namespaces, service accounts, roles, bindings, and
 * kubeadm's own bindings. Bindings are named after the role they grant (`kubepki:edit`); access entries granting the
 * same role in the same namespace merge into one binding, so names never depend on list order.
 */
export function planRbac(spec: ClusterSpec): RbacFilePlan[] {
  const s = spec.spec;
  const namespaces = new Set<string>();
  for (const sa of s.serviceAccounts) namespaces.add(sa.namespace);
  for (const r of s.roles) if (r.namespace) namespaces.add(r.namespace);
  for (const u of s.users) for (const ns of u.namespaces) namespaces.add(ns);
  for (const a of s.access) for (const ns of a.namespaces ?? []) namespaces.add(ns);
  for (const ns of builtinNamespaces) namespaces.delete(ns);

  const namespaceObjects: RbacManifest[] = [...namespaces]
    .sort()
    .map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const serviceAccounts: RbacManifest[] = s.serviceAccounts
    .map((sa): RbacManifest => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: sa.name, namespace: sa.namespace },
      ...(sa.automountServiceAccountToken !== undefined
        ? { automountServiceAccountToken: sa.automountServiceAccountToken }
        : {}),
    }))
    .sort(byName);
  const roles = s.roles.map((r): RbacManifest => ({
    apiVersion: rbacVersion,
    kind: r.namespace ? 'Role' : 'ClusterRole',
    metadata: {
      name: r.name,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      ...(r.labels ? { labels: r.labels } : {}),
    },
    rules: r.rules,
  }));

  const bindings = new Map<string, RbacManifest>();
  for (const a of s.access) {
    const roleKind = a.role !== undefined ? 'Role' : 'ClusterRole';
    const roleName = (a.role ?? a.clusterRole)!;
    const scopes: (string | undefined)[] =
      a.role !== undefined
        ? [s.roles.find((r) => r.name === a.role && r.namespace)?.namespace]
        : a.namespaces?.length
          ? a.namespaces
          : [undefined];
    for (const namespace of scopes) {
      const key = `${namespace ?? ''}/${roleKind}/${roleName}`;
      let binding = bindings.get(key);
      if (!binding) {
        binding = {
          apiVersion: rbacVersion,
          kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
          metadata: { name: `kubepki:${roleName}`, ...(namespace ? { namespace } : {}) },
          roleRef: { apiGroup: rbacGroup, kind: roleKind, name: roleName },
          subjects: [],
        };
        bindings.set(key, binding);
      }
      for (const text of a.subjects) {
        const subject = subjectOf(text);
        if (
          !binding.subjects!.some(
            (x) => x.kind === subject.kind && x.name === subject.name && x.namespace === subject.namespace,
          )
        )
          binding.subjects!.push(subject);
      }
    }
  }
  // A Role and a ClusterRole of one name may both be bound in one namespace; the Role's binding keeps the plain name
  // and the ClusterRole's says what it is, so neither name depends on the order of spec.access.
  for (const binding of bindings.values()) {
    const ns = binding.metadata.namespace;
    const name = binding.roleRef!.name;
    if (binding.roleRef!.kind === 'ClusterRole' && ns && bindings.has(`${ns}/Role/${name}`))
      binding.metadata.name = `kubepki:clusterrole:${name}`;
  }
  const allBindings = [...bindings.values()];

  const files: RbacFilePlan[] = [
    { path: 'rbac/10-namespaces.yaml', objects: namespaceObjects },
    { path: 'rbac/20-service-accounts.yaml', objects: serviceAccounts },
    { path: 'rbac/30-cluster-roles.yaml', objects: roles.filter((r) => r.kind === 'ClusterRole').sort(byName) },
    { path: 'rbac/40-roles.yaml', objects: roles.filter((r) => r.kind === 'Role').sort(byName) },
    {
      path: 'rbac/50-cluster-role-bindings.yaml',
      objects: allBindings.filter((b) => b.kind === 'ClusterRoleBinding').sort(byName),
    },
    { path: 'rbac/60-role-bindings.yaml', objects: allBindings.filter((b) => b.kind === 'RoleBinding').sort(byName) },
    { path: 'rbac/70-kubeadm.yaml', objects: kubeadmRbac(s.kubernetesVersion) },
  ];
  return files.filter((f) => f.objects.length > 0);
}
