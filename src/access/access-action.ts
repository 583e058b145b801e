import { parseAccessRequest, type AccessRequest } from './access-request';

/** `get pods` / `create deployments.apps` / `get /healthz` / `*` → a request in a namespace (or cluster-wide). */
export function parseAccessAction(action: string, namespace: string | undefined): AccessRequest {
  const words = action.trim().split(/\s+/);
  if (words.length === 1 && words[0] === '*') return parseAccessRequest('*', '*.*', namespace ? { namespace } : {});
  if (words.length !== 2) throw new Error(`${JSON.stringify(action)} is not "<verb> <resource>" or "*"`);
  const target = words[1]!;
  return parseAccessRequest(words[0]!, target, !target.startsWith('/') && namespace ? { namespace } : {});
}
