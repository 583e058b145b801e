/**
 * The attributes of one request as the RBAC authorizer sees them (authorizer.Attributes), in the shape of a
 * SubjectAccessReview's resourceAttributes / nonResourceAttributes.
 */

/** A request on an API resource. */
export interface ResourceAccessRequest {
  verb: string;
  /** API group; `""` is the core group. */
  apiGroup: string;
  /** Plural resource name, e.g. `pods`, `deployments`; `"*"` asks about every resource. */
  resource: string;
  /** Subresource, e.g. `log`, `scale`, `status`. */
  subresource?: string;
  /** Object name; list, watch-all and create-without-name requests have none. */
  name?: string;
  /** Namespace; absent for cluster-scoped resources and all-namespaces requests. */
  namespace?: string;
}

/** A request on a non-resource path such as `/healthz` or `/metrics`. */
export interface NonResourceAccessRequest {
  verb: string;
  /** The request path; it starts with `/`. */
  nonResourceURL: string;
}

/** What `kubectl auth can-i` (a SelfSubjectAccessReview) asks about. */
export type AccessRequest = ResourceAccessRequest | NonResourceAccessRequest;

/** Distinguishes the two request kinds. */
export function isNonResourceRequest(request: AccessRequest): request is NonResourceAccessRequest {
  return 'nonResourceURL' in request;
}

/** Options of `parseAccessRequest`, the equivalents of kubectl's `-n`, `TYPE/NAME` and `--subresource`. */
export interface ParseAccessRequestOptions {
  namespace?: string;
  name?: string;
  /** Subresource given separately, as with `kubectl auth can-i --subresource`; not combinable with `pods/log`. */
  subresource?: string;
}

// kubectl's lists of verbs it knows (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go). kubectl only warns on others;
// here an unknown verb is almost always a typo that would silently answer "no", so it is rejected.
const RESOURCE_VERBS: ReadonlySet<string> = new Set([
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'use',
  'bind',
  'impersonate',
  '*',
  'approve',
  'sign',
  'escalate',
  'attest',
]);
const NON_RESOURCE_VERBS: ReadonlySet<string> = new Set([
  'get',
  'put',
  'post',
  'head',
  'options',
  'delete',
  'patch',
  '*',
]);

// An API version segment such as v1, v2beta1 (apimachinery's version naming), used to tell "resource.version.group"
// from "resource.group" when the group itself contains dots.
const API_VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;

/**
 * Parses the `VERB TARGET` pair of `kubectl auth can-i`.
 *
 * Targets: `pods`, `pods/log` (resource/subresource), `deployments.apps`, `deployments.v1.apps`,
 * `deployments.apps/scale`, `*` (every resource, core group — what kubectl sends), `*.*` (every resource in every
 * group), and non-resource paths starting with `/` (`/healthz`, `/logs/*`).
 *
 * Unlike kubectl, `TYPE/SUFFIX` is read as resource/subresource (kubectl reads it as TYPE/NAME and takes the
 * subresource from `--subresource`); pass the object name as `opts.name`. There is no discovery offline, so short
 * names (`po`) are not expanded and a bare resource name is looked up in the core group: write `deployments.apps`.
 */
export function parseAccessRequest(verb: string, target: string, opts: ParseAccessRequestOptions = {}): AccessRequest {
  const trimmedTarget = target.trim();
  if (trimmedTarget === '') throw new Error('parseAccessRequest: the target (resource or non-resource URL) is empty');

  if (trimmedTarget.startsWith('/')) {
    checkVerb(verb, NON_RESOURCE_VERBS, 'non-resource URL');
    if (opts.name !== undefined || opts.subresource !== undefined) {
      throw new Error(`parseAccessRequest: a non-resource URL (${trimmedTarget}) takes no object name or subresource`);
    }
    // A namespace is meaningless for a path; kubectl ignores -n here too.
    return { verb, nonResourceURL: trimmedTarget };
  }

  checkVerb(verb, RESOURCE_VERBS, 'resource');
  const slash = trimmedTarget.indexOf('/');
  const typePart = (slash === -1 ? trimmedTarget : trimmedTarget.slice(0, slash)).toLowerCase();
  const subresourceInTarget = slash === -1 ? undefined : trimmedTarget.slice(slash + 1).toLowerCase();
  if (subresourceInTarget !== undefined && (subresourceInTarget === '' || subresourceInTarget.includes('/'))) {
    throw new Error(`parseAccessRequest: "${target}" is not TYPE or TYPE/SUBRESOURCE`);
  }
  if (subresourceInTarget !== undefined && opts.subresource !== undefined) {
    throw new Error(`parseAccessRequest: subresource given twice ("${target}" and subresource "${opts.subresource}")`);
  }
  const { resource, apiGroup } = parseResourceType(typePart, target);
  const subresource = subresourceInTarget ?? opts.subresource;

  const request: ResourceAccessRequest = { verb, apiGroup, resource };
  if (subresource !== undefined && subresource !== '') request.subresource = subresource;
  if (opts.name !== undefined && opts.name !== '') request.name = opts.name;
  if (opts.namespace !== undefined && opts.namespace !== '') request.namespace = opts.namespace;
  return request;
}

function checkVerb(verb: string, known: ReadonlySet<string>, what: string): void {
  if (verb.trim() === '') throw new Error('parseAccessRequest: the verb is empty');
  if (!known.has(verb)) {
    throw new Error(`parseAccessRequest: unknown ${what} verb "${verb}"; expected one of ${[...known].join(', ')}`);
  }
}

// Mirrors schema.ParseResourceArg: "resource", "resource.group", "resource.version.group".
function parseResourceType(typePart: string, target: string): { resource: string; apiGroup: string } {
  // kubectl sends a bare "*" with the core group, so `can-i '*' '*'` is "everything in the core group" unless a
  // rule grants all groups.
  if (typePart === '*') return { resource: '*', apiGroup: '' };
  const dot = typePart.indexOf('.');
  if (dot === -1) {
    if (typePart === '') throw new Error(`parseAccessRequest: "${target}" has no resource type`);
    return { resource: typePart, apiGroup: '' };
  }
  const resource = typePart.slice(0, dot);
  let apiGroup = typePart.slice(dot + 1);
  const secondDot = apiGroup.indexOf('.');
  if (secondDot !== -1 && API_VERSION.test(apiGroup.slice(0, secondDot))) apiGroup = apiGroup.slice(secondDot + 1);
  if (resource === '' || apiGroup === '') throw new Error(`parseAccessRequest: "${target}" is not RESOURCE.GROUP`);
  return { resource, apiGroup };
}
