import { type AuthenticatedIdentity, serviceAccountUserName } from './authenticated-identity';
import { type RbacSubject } from '../plan';

/**
 * Whether a binding subject names the identity (pkg/registry/rbac/validation appliesToUser): a User by user name, a
 * Group by membership, a ServiceAccount by its `system:serviceaccount:<ns>:<name>` user name. A ServiceAccount
 * subject without a namespace takes the binding's namespace, so in a ClusterRoleBinding (no namespace) it matches
 * nobody. The subject's apiGroup is not consulted, as in the authorizer.
 *
 * @param bindingNamespace the RoleBinding's namespace, or `""` for a ClusterRoleBinding.
 */
export function subjectAppliesTo(
  identity: AuthenticatedIdentity,
  subject: RbacSubject,
  bindingNamespace: string,
): boolean {
  switch (subject.kind) {
    case 'User':
      return identity.user === subject.name;
    case 'Group':
      return identity.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace =
        subject.namespace !== undefined && subject.namespace !== '' ? subject.namespace : bindingNamespace;
      return namespace !== '' && identity.user === serviceAccountUserName(namespace, subject.name);
    }
    default:
      return false;
  }
}

/** The first of the subjects that names the identity (the one the authorizer reports), or undefined. */
export function firstApplicableSubject(
  identity: AuthenticatedIdentity,
  subjects: readonly RbacSubject[] | null | undefined,
  bindingNamespace: string,
): RbacSubject | undefined {
  return (subjects ?? []).find((subject) => subjectAppliesTo(identity, subject, bindingNamespace));
}
