import { closestName } from '../../spec/closest-name';
import type { ApiResource, DiscoveryTable } from './discovery-tables';

/** A resource name as the user typed it, resolved the way kubectl resolves it through discovery. */
export interface ResolvedResourceName {
  /** Plural resource name to put in the request (as typed when unknown). */
  resource: string;
  apiGroup: string;
  /** The discovery entry it resolved to; absent for `*` and for names discovery does not know. */
  entry?: ApiResource;
  /**
   * kubectl's warning for a name it cannot resolve (the request is still sent as typed, as kubectl does), or for a
   * short name that also names a resource of a lower-priority group.
   */
  warning?: string;
}

// An API version segment (apimachinery's version naming): tells "resource.version.group" from "resource.group".
const API_VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;

/** Splits `resource`, `resource.group` or `resource.version.group` as schema.ParseResourceArg does. */
function splitResourceArg(typed: string): { name: string; group?: string } {
  const dot = typed.indexOf('.');
  if (dot === -1) return { name: typed };
  const name = typed.slice(0, dot);
  let group = typed.slice(dot + 1);
  const second = group.indexOf('.');
  if (second !== -1 && API_VERSION.test(group.slice(0, second))) group = group.slice(second + 1);
  return { name, group };
}

/**
 * Resolves `po`, `pod`, `pods`, `Pod`, `deploy`, `deployments`, `deployments.apps`, `deployments.v1.apps` to the plural
 * resource and its group, as kubectl does: short names first (discovery's shortNames), then plural or singular names
 * (a Kind, lower-cased, is the singular); in several groups, the first by discovery priority wins (core `events`
 * over `events.k8s.io`). A name discovery does not know is kept as typed, with kubectl's warning and a suggestion —
 * never silently answered "no". `table` is the built-in API of the cluster's minor (`discoveryTableFor`).
 */
export function resolveResourceName(typed: string, table: DiscoveryTable): ResolvedResourceName {
  const resources = table.resources;
  const lower = typed.toLowerCase();
  if (lower === '*') return { resource: '*', apiGroup: '' };
  const { name, group } = splitResourceArg(lower);
  if (name === '*') return { resource: '*', apiGroup: group ?? '' };
  const inGroup = (r: ApiResource) => group === undefined || r.group === group;

  const byShortName = resources.filter((r) => inGroup(r) && r.shortNames.includes(name));
  const byName = resources.filter((r) => inGroup(r) && (r.resource === name || r.singular === name));
  const matches = byShortName.length > 0 ? byShortName : byName;
  const first = matches[0];
  if (first) {
    // kubectl's shortcut expander warns when a short name also belongs to a resource of a lower-priority group.
    const shadowed = byShortName
      .slice(1)
      .map((r) => `short name "${name}" could also match lower priority resource ${r.resource}.${r.group}`);
    return {
      resource: first.resource,
      apiGroup: first.group,
      entry: first,
      ...(shadowed.length > 0 ? { warning: shadowed.join('\nWarning: ') } : {}),
    };
  }

  const knownGroup = group === undefined || group === '' || resources.some((r) => r.group === group);
  const candidates = resources.filter(inGroup).flatMap((r) => [r.resource, ...r.shortNames]);
  const suggestion = knownGroup ? closestName(name, candidates) : undefined;
  const warning =
    (group
      ? `the server doesn't have a resource type '${name}' in group '${group}'`
      : `the server doesn't have a resource type '${name}'`) +
    (suggestion
      ? `: did you mean "${suggestion}"?`
      : knownGroup
        ? ''
        : ' (not a built-in group: checked as written, as for a custom resource)');
  return { resource: name, apiGroup: group ?? '', warning };
}
