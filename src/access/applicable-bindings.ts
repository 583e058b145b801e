import { type AuthenticatedIdentity } from './authenticated-identity';
import { type PolicyRule, type RbacObject, type RbacSubject } from '../plan';
import { firstApplicableSubject } from './subject-applies-to';

/** Names a RoleBinding (with its namespace) or ClusterRoleBinding. */
export interface BindingReference {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
}

/** Names the Role (with the namespace it was looked up in) or ClusterRole a binding refers to. */
export interface RoleReference {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
}

/** A binding that names the identity, with the rules it grants. */
export interface ApplicableBinding {
  binding: BindingReference;
  /** The first subject of the binding that names the identity. */
  subject: RbacSubject;
  role: RoleReference;
  /** False when the referenced role does not exist; the binding then grants nothing. */
  roleFound: boolean;
  /** The role's rules (aggregated for aggregated ClusterRoles); they apply in `binding.namespace`, or everywhere. */
  rules: PolicyRule[];
}

/** Read access to a policy's objects; `RbacPolicy` implements it. */
export interface RbacObjectSource {
  clusterRoleBindings(): readonly RbacObject[];
  roleBindings(namespace: string): readonly RbacObject[];
  clusterRole(name: string): RbacObject | undefined;
  role(namespace: string, name: string): RbacObject | undefined;
}

/**
 * The bindings whose rules the RBAC authorizer considers for the identity, in the order it visits them
 * (pkg/registry/rbac/validation DefaultRuleResolver.VisitRulesFor): every ClusterRoleBinding naming the identity,
 * then — only when a namespace is given — the RoleBindings in that namespace naming it. A request without a namespace
 * (cluster-scoped, all namespaces, non-resource URL) therefore sees ClusterRoleBindings only.
 */
export function applicableBindings(
  source: RbacObjectSource,
  identity: AuthenticatedIdentity,
  namespace?: string,
): ApplicableBinding[] {
  const result: ApplicableBinding[] = [];
  for (const binding of source.clusterRoleBindings()) {
    const applied = applyBinding(source, identity, binding, '');
    if (applied !== undefined) result.push(applied);
  }
  if (namespace !== undefined && namespace !== '') {
    for (const binding of source.roleBindings(namespace)) {
      const applied = applyBinding(source, identity, binding, namespace);
      if (applied !== undefined) result.push(applied);
    }
  }
  return result;
}

function applyBinding(
  source: RbacObjectSource,
  identity: AuthenticatedIdentity,
  binding: RbacObject,
  bindingNamespace: string,
): ApplicableBinding | undefined {
  const subject = firstApplicableSubject(identity, binding.subjects, bindingNamespace);
  if (subject === undefined || binding.roleRef === undefined) return undefined;
  const { kind, name } = binding.roleRef;
  // GetRoleReferenceRules: a Role is looked up in the binding's namespace, so a ClusterRoleBinding → Role finds
  // nothing; any other kind is an error. Either way the binding grants nothing, which roleFound=false records.
  const role =
    kind === 'ClusterRole'
      ? source.clusterRole(name)
      : kind === 'Role' && bindingNamespace !== ''
        ? source.role(bindingNamespace, name)
        : undefined;
  return {
    binding:
      bindingNamespace === ''
        ? { kind: 'ClusterRoleBinding', name: binding.metadata.name }
        : { kind: 'RoleBinding', name: binding.metadata.name, namespace: bindingNamespace },
    subject,
    role: kind === 'Role' && bindingNamespace !== '' ? { kind, name, namespace: bindingNamespace } : { kind, name },
    roleFound: role !== undefined,
    rules: role?.rules ?? [],
  };
}
