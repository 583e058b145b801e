import { type AccessRequest, isNonResourceRequest } from './access-request';

/**
 * The request in words for explanations: `get /healthz`, `list pods cluster-wide`,
 * `create deployments.apps in namespace "ci"`, `get pods/log "web-0" in namespace "a"`.
 */
export function describeAccessRequest(request: AccessRequest): string {
  if (isNonResourceRequest(request)) return `${request.verb} ${request.nonResourceURL}`;
  const type = request.apiGroup === '' ? request.resource : `${request.resource}.${request.apiGroup}`;
  const target =
    request.subresource !== undefined && request.subresource !== '' ? `${type}/${request.subresource}` : type;
  const name = request.name !== undefined && request.name !== '' ? ` "${request.name}"` : '';
  const where =
    request.namespace !== undefined && request.namespace !== ''
      ? ` in namespace "${request.namespace}"`
      : ' cluster-wide';
  return `${request.verb} ${target}${name}${where}`;
}
