#!/usr/bin/env node
// Derives kubepki's tables of built-in API resources, one per Kubernetes minor, from Kubernetes' own discovery
// documents, so that `can-i`, `access` and `expect` resolve `po`, `deploy` or `deployments` exactly as kubectl does
// through discovery against a cluster of the spec's `kubernetesVersion`.
//
// Sources (src/access/discovery/upstream/<minor>/, see upstream/README.md for the commits): kube-apiserver's discovery
// responses as kubernetes/kubernetes commits them under api/discovery/ — `api__v1.json` (the core group's
// APIResourceList, GET /api/v1) and `aggregated_v2.json` (every other built-in group, GET /apis as an
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList).
//
//   node scripts/generate-discovery-table.mjs               every upstream/<minor>/ → src/access/discovery/discovery-table-<minor>.json
//   node scripts/generate-discovery-table.mjs --out <dir>   the same tables written to <dir> (the test compares them)
//
// A new minor: put its two documents in upstream/<minor>/ — from kubernetes/kubernetes, or from a live cluster:
//   kubectl get --raw /api/v1 > api__v1.json
//   kubectl get --raw /apis -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' > aggregated_v2.json
// — run this script, and add the table's loader to src/access/discovery/discovery-tables.ts.
//
// Each table: one row per group and resource, in discovery order (the core group first, then the groups as the server
// lists them: the priority kubectl's RESTMapper gives them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const discoveryDir = path.join(here, '..', 'src', 'access', 'discovery');
const upstreamDir = path.join(discoveryDir, 'upstream');

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (args.length !== 0 && !(args.length === 2 && outIndex === 0))
  throw new Error('usage: node scripts/generate-discovery-table.mjs [--out <dir>]');
const outDir = outIndex === 0 ? path.resolve(args[1]) : discoveryDir;

/** The table of one minor from its two documents. */
function buildTable(minor, core, groups) {
  if (core.kind !== 'APIResourceList' || core.groupVersion !== 'v1')
    throw new Error(`upstream/${minor}/api__v1.json: expected the APIResourceList of /api/v1`);
  if (groups.kind !== 'APIGroupDiscoveryList')
    throw new Error(`upstream/${minor}/aggregated_v2.json: expected an apidiscovery.k8s.io/v2 APIGroupDiscoveryList`);

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
  return rows;
}

const minors = fs
  .readdirSync(upstreamDir)
  .filter((name) => /^1\.\d+$/.test(name))
  .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
if (minors.length === 0) throw new Error(`no upstream/<minor>/ directory in ${upstreamDir}`);
fs.mkdirSync(outDir, { recursive: true });
for (const minor of minors) {
  const read = (file) => JSON.parse(fs.readFileSync(path.join(upstreamDir, minor, file), 'utf8'));
  const rows = buildTable(minor, read('api__v1.json'), read('aggregated_v2.json'));
  const out = path.join(outDir, `discovery-table-${minor}.json`);
  const source = `kubernetes/kubernetes api/discovery/ of Kubernetes ${minor}: upstream/${minor}/api__v1.json, aggregated_v2.json (see upstream/README.md)`;
  fs.writeFileSync(
    out,
    `{\n  "kubernetesMinor": ${JSON.stringify(minor)},\n  "source": ${JSON.stringify(source)},\n  "resources": [\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]\n}\n`,
  );
  console.log(
    `${minor}: ${rows.length} resources in ${new Set(rows.map((r) => r.group)).size} groups → ${path.relative(process.cwd(), out)}`,
  );
}
