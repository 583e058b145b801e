#!/usr/bin/env node
// Derives kubepki's table of built-in API resources from Kubernetes' own discovery documents, so that `can-i`,
// `access` and `expect` resolve `po`, `deploy` or `deployments` exactly as kubectl does through discovery.
//
// Sources (src/access/discovery/upstream/, see its README.md): kube-apiserver's discovery responses as kubernetes/kubernetes
// commits them under api/discovery/ — `api__v1.json` (the core group's APIResourceList, GET /api/v1) and
// `aggregated_v2.json` (every other built-in group, GET /apis as an apidiscovery.k8s.io/v2 APIGroupDiscoveryList).
// The same two documents can be taken from a live cluster and passed as arguments:
//   kubectl get --raw /api/v1 > api__v1.json
//   kubectl get --raw /apis -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' > aggregated_v2.json
//   node scripts/generate-discovery-table.mjs api__v1.json aggregated_v2.json
//
// Output: src/access/discovery/discovery-table.json — one row per group and resource, in discovery order (the
// core group first, then the groups as the server lists them: the priority kubectl's RESTMapper gives them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const discoveryDir = path.join(here, '..', 'src', 'access', 'discovery');
const [coreFile, groupsFile] =
  process.argv.length >= 4
    ? process.argv.slice(2, 4)
    : [path.join(discoveryDir, 'upstream', 'api__v1.json'), path.join(discoveryDir, 'upstream', 'aggregated_v2.json')];

const core = JSON.parse(fs.readFileSync(coreFile, 'utf8'));
const groups = JSON.parse(fs.readFileSync(groupsFile, 'utf8'));
if (core.kind !== 'APIResourceList' || core.groupVersion !== 'v1')
  throw new Error(`${coreFile}: expected the APIResourceList of /api/v1`);
if (groups.kind !== 'APIGroupDiscoveryList')
  throw new Error(`${groupsFile}: expected an apidiscovery.k8s.io/v2 APIGroupDiscoveryList of /apis`);

const rows = [];
const byKey = new Map();
function add(row, version, subresources) {
  const key = `${row.group}/${row.resource}`;
  let existing = byKey.get(key);
  if (!existing) {
    existing = { ...row, versions: [], subresources: [] };
    byKey.set(key, existing);
    rows.push(existing);
  }
  if (!existing.versions.includes(version)) existing.versions.push(version);
  for (const s of subresources) if (!existing.subresources.includes(s)) existing.subresources.push(s);
}

// The core group lists subresources as their own entries named `<resource>/<subresource>`.
const coreSubresources = new Map();
for (const r of core.resources) {
  const [resource, sub] = r.name.split('/');
  if (sub) coreSubresources.set(resource, [...(coreSubresources.get(resource) ?? []), sub]);
}
for (const r of core.resources) {
  if (r.name.includes('/')) continue;
  add(
    {
      group: '',
      resource: r.name,
      singular: r.singularName || r.kind.toLowerCase(),
      kind: r.kind,
      shortNames: r.shortNames ?? [],
      namespaced: r.namespaced,
      verbs: r.verbs,
    },
    'v1',
    coreSubresources.get(r.name) ?? [],
  );
}
// Versions are listed in the server's preference order; the first one that serves a resource describes it.
for (const g of groups.items) {
  for (const v of g.versions) {
    for (const r of v.resources) {
      add(
        {
          group: g.metadata.name,
          resource: r.resource,
          singular: r.singularResource || r.responseKind.kind.toLowerCase(),
          kind: r.responseKind.kind,
          shortNames: r.shortNames ?? [],
          namespaced: r.scope === 'Namespaced',
          verbs: r.verbs,
        },
        v.version,
        (r.subresources ?? []).map((s) => s.subresource),
      );
    }
  }
}
for (const row of rows) row.subresources.sort();

const out = path.join(discoveryDir, 'discovery-table.json');
fs.writeFileSync(
  out,
  `{\n  "source": ${JSON.stringify(`kubernetes/kubernetes api/discovery/: ${path.basename(coreFile)}, ${path.basename(groupsFile)} (see upstream/README.md)`)},\n  "resources": [\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]\n}\n`,
);
console.log(
  `${rows.length} resources in ${new Set(rows.map((r) => r.group)).size} groups → ${path.relative(process.cwd(), out)}`,
);
