/**
 * Who is asking: the user name and groups exactly as kube-apiserver's authenticator chain hands them to the
 * authorizers, i.e. after the authenticated-group adder has run.
 */
export interface AuthenticatedIdentity {
  /** The user name, e.g. `kubernetes-admin`, `system:node:worker-1`, `system:serviceaccount:ci:deployer`. */
  user: string;
  /** Every group the user is in, including `system:authenticated` for authenticated requests. */
  groups: string[];
}

/** Group every authenticated request carries (k8s.io/apiserver user.AllAuthenticated). */
export const ALL_AUTHENTICATED_GROUP = 'system:authenticated';
/** Group of anonymous requests (user.AllUnauthenticated). */
export const ALL_UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/** Group of every service account (serviceaccount.AllServiceAccountsGroup). */
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** Prefix of service-account user names (serviceaccount.ServiceAccountUsernamePrefix). */
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** The user name the token authenticator gives service account `<namespace>/<name>`. */
export function serviceAccountUserName(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/**
 * The identity a service-account token authenticates as: the service-account authenticator yields the user and the
 * two service-account groups, then the authenticated-group adder appends `system:authenticated`.
 */
export function serviceAccountIdentity(namespace: string, name: string): AuthenticatedIdentity {
  if (namespace === '' || name === '') {
    throw new Error(`serviceAccountIdentity: namespace and name must be non-empty (got "${namespace}"/"${name}")`);
  }
  return {
    user: serviceAccountUserName(namespace, name),
    groups: [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`, ALL_AUTHENTICATED_GROUP],
  };
}

/**
 * The identity of a user authenticated by a client certificate (CN = name, O = groups), token or OIDC. Mirrors the
 * apiserver's authenticated-group adder: `system:authenticated` is appended unless already present, and is not added
 * to a request that already claims `system:unauthenticated` (the anonymous user). Duplicate groups are dropped.
 */
export function userIdentity(name: string, groups: string[]): AuthenticatedIdentity {
  const unique = [...new Set(groups)];
  const alreadyClassified = unique.includes(ALL_AUTHENTICATED_GROUP) || unique.includes(ALL_UNAUTHENTICATED_GROUP);
  return { user: name, groups: alreadyClassified ? unique : [...unique, ALL_AUTHENTICATED_GROUP] };
}

/** The identity of an anonymous request (when `--anonymous-auth` is on): `system:anonymous` in `system:unauthenticated`. */
export function anonymousIdentity(): AuthenticatedIdentity {
  return { user: 'system:anonymous', groups: [ALL_UNAUTHENTICATED_GROUP] };
}
