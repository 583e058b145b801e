import { nodeUserPrefix } from '../vocabulary';
import type { ClusterSpec } from './cluster-spec-schema';
import type { SpecIssue } from './spec-error';
import { quoteSpecValue } from './spec-error';
import { closestName } from './closest-name';
import {
  isDefaultClusterRoleName,
  kubeadmUserNames,
  parseSubjectReference,
  type SubjectReference,
} from './subject-reference';

// Cross-references between users, service accounts, roles, bindings and expectations. They run on a spec that
// passed the schema, so every field has its type.

const subjectForms = 'user:<name>, group:<name> or serviceAccount:<namespace>/<name>';

type SpecSections = Partial<ClusterSpec['spec']>;

/**
 * Checks that every binding and expectation refers to something the spec (or Kubernetes itself) defines. Takes the
 * sections that parsed; a check whose sections are missing (they failed the schema) is skipped.
 */
export function checkAccessSpec(
  s: SpecSections,
  alsoKnown: { users: string[]; serviceAccounts: string[] } = { users: [], serviceAccounts: [] },
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const complete = (list: unknown[] | undefined) =>
    list !== undefined && list.filter(() => true).length === list.length;
  const nodesKnown = complete(s.controlPlane) && complete(s.workers);
  const nodeNames = [...(s.controlPlane ?? []), ...(s.workers ?? [])].filter((n) => n !== undefined).map((n) => n.name);
  const kubeadmUsers = kubeadmUserNames(nodeNames);
  const userNames = [...(s.users ?? []).filter(() => true).map((u) => u.name), ...kubeadmUsers, ...alsoKnown.users];
  const serviceAccounts = [
    ...(s.serviceAccounts ?? []).filter(() => true).map((sa) => `${sa.namespace}/${sa.name}`),
    ...alsoKnown.serviceAccounts,
  ];
  const groups = new Set<string>((s.users ?? []).filter(() => true).flatMap((u) => u.groups));
  (s.access ?? []).forEach((a) =>
    a.subjects.forEach((text) => text.startsWith('group:') && groups.add(text.slice('group:'.length))),
  );

  // A spec user cannot take the name of an identity kubeadm issues: both certificates would exist, and every offline
  // answer about that name would describe only one of them.
  (s.users ?? []).forEach((user, i) => {
    if (user.name.startsWith('system:') || kubeadmUsers.includes(user.name)) {
      issues.push({
        code: 'reserved_name',
        path: `spec.users[${i}].name`,
        message: `${quoteSpecValue(user.name)} is ${user.name.startsWith('system:') ? 'in the system: namespace Kubernetes reserves for its own identities' : 'the name of a kubeadm identity kubepki already issues'}: choose another user name`,
      });
    }
  });

  // Sections may be sparse (entries that failed the schema are holes): forEach skips holes, lookups use the compact list.
  const roles = s.roles ?? [];
  const roleList = roles.filter(() => true);
  const seenRoles = new Map<string, number>();
  roles.forEach((role, i) => {
    const key = `${role.namespace ?? ''}/${role.name}`;
    if (seenRoles.has(key)) {
      issues.push({
        code: 'duplicate_name',
        path: `spec.roles[${i}].name`,
        message: `${quoteSpecValue(role.name)} is already spec.roles[${seenRoles.get(key)}]${role.namespace ? ` in namespace ${role.namespace}` : ''}: rename one`,
      });
    } else {
      seenRoles.set(key, i);
    }
    if (!role.namespace && isDefaultClusterRoleName(role.name)) {
      issues.push({
        code: 'reserved_name',
        path: `spec.roles[${i}].name`,
        message: `${quoteSpecValue(role.name)} is a ClusterRole Kubernetes creates itself: choose another name${['admin', 'edit', 'view'].includes(role.name) ? ` (to extend it, label your role rbac.authorization.k8s.io/aggregate-to-${role.name}: "true")` : ''}`,
      });
    }
  });

  const seenAccounts = new Map<string, number>();
  (s.serviceAccounts ?? []).forEach((sa, i) => {
    const key = `${sa.namespace}/${sa.name}`;
    if (seenAccounts.has(key))
      issues.push({
        code: 'duplicate_name',
        path: `spec.serviceAccounts[${i}]`,
        message: `${quoteSpecValue(key)} is already spec.serviceAccounts[${seenAccounts.get(key)}]`,
      });
    else seenAccounts.set(key, i);
  });

  const checkSubject = (
    text: string,
    path: string,
    purpose: 'binding' | 'expectation',
  ): SubjectReference | undefined => {
    const ref = parseSubjectReference(text);
    if (!ref) {
      issues.push({ code: 'invalid_subject', path, message: `${quoteSpecValue(text)} is not ${subjectForms}` });
      return undefined;
    }
    if (
      ref.kind === 'user' &&
      s.users !== undefined &&
      (nodesKnown || !ref.name.startsWith(nodeUserPrefix)) &&
      !userNames.includes(ref.name)
    ) {
      const guess = closestName(ref.name, userNames);
      issues.push({
        code: 'unknown_subject',
        path,
        message: `${quoteSpecValue(text)} is not a user of this spec (spec.users or a kubeadm identity)${guess ? `: did you mean "user:${guess}"?` : ': add it to spec.users'}`,
      });
    }
    if (
      ref.kind === 'serviceAccount' &&
      s.serviceAccounts !== undefined &&
      !serviceAccounts.includes(`${ref.namespace}/${ref.name}`)
    ) {
      issues.push({
        code: 'unknown_subject',
        path,
        message: `${quoteSpecValue(text)} is not declared: add {name: ${ref.name}, namespace: ${ref.namespace}} to spec.serviceAccounts`,
      });
    }
    if (
      ref.kind === 'group' &&
      purpose === 'expectation' &&
      s.users !== undefined &&
      s.access !== undefined &&
      !groups.has(ref.name) &&
      !ref.name.startsWith('system:')
    ) {
      const guess = closestName(ref.name, [...groups]);
      issues.push({
        code: 'unknown_subject',
        path,
        message: `${quoteSpecValue(text)} is a group no user of this spec belongs to and no binding names: check the spelling${guess ? ` (did you mean "group:${guess}"?)` : ''}`,
      });
    }
    return ref;
  };

  (s.access ?? []).forEach((a, i) => {
    const at = `spec.access[${i}]`;
    a.subjects.forEach((text, j) => checkSubject(text, `${at}.subjects[${j}]`, 'binding'));
    if (a.namespaces && a.namespaces.length === 0) {
      issues.push({
        code: 'empty_namespaces',
        path: `${at}.namespaces`,
        message:
          'is an empty list, which would grant nothing: list namespaces, or drop the field for a cluster-wide ClusterRoleBinding',
      });
    }
    if ((a.role === undefined) === (a.clusterRole === undefined)) {
      issues.push({
        code: 'invalid_binding',
        path: at,
        message:
          a.role === undefined
            ? 'names neither role nor clusterRole: set exactly one'
            : 'names both role and clusterRole: set exactly one',
      });
      return;
    }
    if (s.roles === undefined) return;
    if (a.clusterRole !== undefined) {
      const specRole = roleList.find((r) => r.name === a.clusterRole && !r.namespace);
      const namespaced = roleList.find((r) => r.name === a.clusterRole && r.namespace);
      if (!specRole && !isDefaultClusterRoleName(a.clusterRole)) {
        issues.push({
          code: namespaced ? 'namespaced_role_bound_cluster_wide' : 'unknown_role',
          path: `${at}.clusterRole`,
          message: namespaced
            ? `${quoteSpecValue(a.clusterRole)} is a Role in namespace ${namespaced.namespace}, not a ClusterRole: bind it with role: ${a.clusterRole}`
            : `${quoteSpecValue(a.clusterRole)} is not a ClusterRole of the spec (spec.roles without namespace) nor a default one (cluster-admin, admin, edit, view, system:*)`,
        });
      }
    } else {
      const role = roleList.find((r) => r.name === a.role && r.namespace);
      const clusterScoped = roleList.find((r) => r.name === a.role && !r.namespace);
      if (!role) {
        issues.push({
          code: 'unknown_role',
          path: `${at}.role`,
          message: clusterScoped
            ? `${quoteSpecValue(a.role)} is a ClusterRole (it has no namespace): bind it with clusterRole: ${a.role}`
            : `${quoteSpecValue(a.role)} is not a Role of the spec: add it to spec.roles with a namespace`,
        });
      } else if (a.namespaces && a.namespaces.some((ns) => ns !== role.namespace)) {
        issues.push({
          code: 'namespaced_role_bound_elsewhere',
          path: `${at}.namespaces`,
          message: `${quoteSpecValue(a.namespaces)}: Role ${a.role} exists only in namespace ${role.namespace}; drop namespaces, or make it a ClusterRole (no namespace) to bind it in several`,
        });
      }
    }
  });

  (s.expect ?? []).forEach((e, i) => {
    const at = `spec.expect[${i}]`;
    checkSubject(e.as, `${at}.as`, 'expectation');
    if (!e.can?.length && !e.cannot?.length)
      issues.push({
        code: 'empty_expectation',
        path: at,
        message: 'has neither can nor cannot: list actions like "get pods"',
      });
    for (const [field, actions] of [
      ['can', e.can],
      ['cannot', e.cannot],
    ] as const) {
      (actions ?? []).forEach((action, j) => {
        const words = action.trim().split(/\s+/);
        if (!(words.length === 2 || (words.length === 1 && words[0] === '*'))) {
          issues.push({
            code: 'invalid_action',
            path: `${at}.${field}[${j}]`,
            message: `${quoteSpecValue(action)} is not "<verb> <resource>" (e.g. "get pods", "create deployments.apps", "get /healthz") or "*"`,
          });
        }
      });
    }
  });
  return issues;
}
