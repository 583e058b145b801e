import { closestName } from '../spec/closest-name';
import { discoveryTableFor, resolveResourceName } from './discovery';
import { parseAccessRequest, type AccessRequest } from './access-request';

/** An action resolved to the request kube-apiserver would authorize, and kubectl's warning when a name is unknown. */
export interface ResolvedAccessAction {
  request: AccessRequest;
  warning?: string;
}

/**
 * `get pods` / `get po` / `create deploy` / `create deployments.apps` / `get pods/log` / `get /healthz` / `*` → a request
 * in a namespace (or cluster-wide), with resource names resolved as kubectl resolves them through the discovery of a
 * cluster of `kubernetesVersion` (the spec's; `discoveryTableFor` says which table answers). An unknown name is kept as
 * typed and carries kubectl's warning.
 */
export function resolveAccessAction(
  action: string,
  namespace: string | undefined,
  kubernetesVersion: string,
): ResolvedAccessAction {
  const words = action.trim().split(/\s+/);
  if (words.length === 1 && words[0] === '*')
    return { request: parseAccessRequest('*', '*.*', namespace ? { namespace } : {}) };
  if (words.length !== 2) throw new Error(`${JSON.stringify(action)} is not "<verb> <resource>" or "*"`);
  const [verb, target] = words as [string, string];
  if (target.startsWith('/')) return { request: parseAccessRequest(verb, target) };
  const slash = target.indexOf('/');
  const typed = slash === -1 ? target : target.slice(0, slash);
  const subresource = slash === -1 ? undefined : target.slice(slash + 1).toLowerCase();
  const resolved = resolveResourceName(typed, discoveryTableFor(kubernetesVersion).table);
  const canonical = resolved.apiGroup === '' ? resolved.resource : `${resolved.resource}.${resolved.apiGroup}`;
  const request = parseAccessRequest(
    verb,
    subresource === undefined ? canonical : `${canonical}/${subresource}`,
    namespace ? { namespace } : {},
  );
  let warning = resolved.warning;
  const known = resolved.entry?.subresources;
  if (subresource && known && !known.includes(subresource)) {
    const suggestion = closestName(subresource, known);
    warning = `${resolved.resource} has no subresource '${subresource}'${suggestion ? `: did you mean "${resolved.resource}/${suggestion}"?` : known.length ? ` (it has ${known.join(', ')})` : ''}`;
  }
  // kubectl asks in the namespace all the same, and says so.
  if (resolved.entry && !resolved.entry.namespaced && namespace)
    warning = [
      warning,
      `resource '${resolved.entry.resource}' is not namespace scoped${resolved.entry.group ? ` in group '${resolved.entry.group}'` : ''}`,
    ]
      .filter(Boolean)
      .join('\nWarning: ');
  return { request, ...(warning ? { warning } : {}) };
}

/** The request of `resolveAccessAction`, for callers that report warnings elsewhere (the access matrix's fixed actions). */
export function parseAccessAction(
  action: string,
  namespace: string | undefined,
  kubernetesVersion: string,
): AccessRequest {
  return resolveAccessAction(action, namespace, kubernetesVersion).request;
}
