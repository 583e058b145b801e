/**
 * One discovery table per Kubernetes minor, chosen by the spec's kubernetesVersion: the committed tables are exactly
 * what the generator makes of the committed upstream documents, each upstream directory holds the API of the minor it
 * is named after, and names resolve against the chosen minor's API (see test/conformance/kubectl-resource-names.test.ts
 * for the comparison with kubectl, minor by minor).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discoveryTableFor,
  discoveryTableMinors,
  resolveResourceName,
  type DiscoveryTable,
} from '../../src/access/discovery';
import { resolveAccessAction } from '../../src/access';
import { removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';

const discoveryDir = path.join(repoRoot, 'src', 'access', 'discovery');
const upstreamDir = path.join(discoveryDir, 'upstream');

interface AggregatedList {
  items: { metadata: { name: string }; versions: { version: string; resources: { resource: string }[] }[] }[];
}
const aggregated = (minor: string) =>
  JSON.parse(fs.readFileSync(path.join(upstreamDir, minor, 'aggregated_v2.json'), 'utf8')) as AggregatedList;
/** The versions a group serves a resource in, as the upstream document of `minor` lists them. */
const servedVersions = (minor: string, group: string, resource: string) =>
  aggregated(minor)
    .items.find((g) => g.metadata.name === group)
    ?.versions.filter((v) => v.resources.some((r) => r.resource === resource))
    .map((v) => v.version) ?? [];
const table = (minor: string): DiscoveryTable => discoveryTableFor(`v${minor}.0`).table;

describe('the generated tables', () => {
  let out: string;
  beforeAll(() => {
    out = temporaryDirectory('kubepki-discovery-tables-');
  });
  afterAll(() => removeTree(out));

  it('are byte for byte what scripts/generate-discovery-table.mjs makes of upstream/<minor>/', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'scripts', 'generate-discovery-table.mjs'), '--out', out],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const generated = fs.readdirSync(out).sort();
    const committed = fs
      .readdirSync(discoveryDir)
      .filter((f) => /^discovery-table-.*\.json$/.test(f))
      .sort();
    expect(generated).toEqual(committed);
    for (const file of generated)
      expect(fs.readFileSync(path.join(discoveryDir, file), 'utf8'), file).toBe(
        fs.readFileSync(path.join(out, file), 'utf8'),
      );
  });

  it('one per upstream directory, each loadable for its own minor', () => {
    const upstreamMinors = fs
      .readdirSync(upstreamDir)
      .filter((f) => /^1\.\d+$/.test(f))
      .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
    expect([...discoveryTableMinors]).toEqual(upstreamMinors);
    for (const minor of discoveryTableMinors) {
      const chosen = discoveryTableFor(`v${minor}.2`);
      expect(chosen.note).toBeUndefined();
      expect(chosen.table.kubernetesMinor).toBe(minor);
      expect(chosen.table.resources.length).toBeGreaterThan(60);
    }
  });
});

describe('each upstream directory holds the API of its minor', () => {
  // The markers upstream/README.md names for each minor, read from the documents themselves.
  it('1.31: resource.k8s.io only v1alpha3 (with podschedulingcontexts), leasecandidates v1alpha1, flowcontrol v1beta3', () => {
    expect(servedVersions('1.31', 'resource.k8s.io', 'resourceslices')).toEqual(['v1alpha3']);
    expect(servedVersions('1.31', 'resource.k8s.io', 'podschedulingcontexts')).toEqual(['v1alpha3']);
    expect(servedVersions('1.31', 'coordination.k8s.io', 'leasecandidates')).toEqual(['v1alpha1']);
    expect(servedVersions('1.31', 'flowcontrol.apiserver.k8s.io', 'flowschemas')).toEqual(['v1', 'v1beta3']);
    expect(servedVersions('1.31', 'storage.k8s.io', 'volumeattributesclasses')).toEqual(['v1beta1', 'v1alpha1']);
    expect(servedVersions('1.31', 'admissionregistration.k8s.io', 'mutatingadmissionpolicies')).toEqual([]);
  });

  it('1.33: resource.k8s.io v1beta2 and devicetaintrules, leasecandidates v1beta1, no GA of 1.34 yet', () => {
    expect(servedVersions('1.33', 'resource.k8s.io', 'resourceslices')).toEqual(['v1beta2', 'v1beta1', 'v1alpha3']);
    expect(servedVersions('1.33', 'resource.k8s.io', 'devicetaintrules')).toEqual(['v1alpha3']);
    expect(servedVersions('1.33', 'coordination.k8s.io', 'leasecandidates')).toEqual(['v1beta1', 'v1alpha2']);
    expect(servedVersions('1.33', 'admissionregistration.k8s.io', 'mutatingadmissionpolicies')).toEqual(['v1alpha1']);
    expect(servedVersions('1.33', 'storage.k8s.io', 'volumeattributesclasses')).toEqual(['v1beta1', 'v1alpha1']);
    expect(servedVersions('1.33', 'certificates.k8s.io', 'podcertificaterequests')).toEqual([]);
  });

  it('1.34: resource.k8s.io v1 (GA), podcertificaterequests, volumeattributesclasses v1, mutatingadmissionpolicies v1beta1', () => {
    expect(servedVersions('1.34', 'resource.k8s.io', 'resourceslices')).toEqual(['v1', 'v1beta2', 'v1beta1']);
    expect(servedVersions('1.34', 'resource.k8s.io', 'devicetaintrules')).toEqual(['v1alpha3']);
    expect(servedVersions('1.34', 'certificates.k8s.io', 'podcertificaterequests')).toEqual(['v1alpha1']);
    expect(servedVersions('1.34', 'storage.k8s.io', 'volumeattributesclasses')).toEqual(['v1', 'v1beta1', 'v1alpha1']);
    expect(servedVersions('1.34', 'admissionregistration.k8s.io', 'mutatingadmissionpolicies')).toEqual([
      'v1beta1',
      'v1alpha1',
    ]);
    // Still 1.34: storage version migration turns beta in 1.35.
    expect(servedVersions('1.34', 'storagemigration.k8s.io', 'storageversionmigrations')).toEqual(['v1alpha1']);
  });
});

describe("the spec's kubernetesVersion picks the table", () => {
  it('its own minor when there is one', () => {
    expect(table('1.31').kubernetesMinor).toBe('1.31');
    expect(discoveryTableFor('v1.33.4')).toEqual({ table: table('1.33') });
    expect(discoveryTableFor('1.31')).toEqual({ table: table('1.31') });
  });

  it('newer than the newest: the newest, and says so', () => {
    const newest = discoveryTableMinors[discoveryTableMinors.length - 1]!;
    const chosen = discoveryTableFor('v1.99.0');
    expect(chosen.table.kubernetesMinor).toBe(newest);
    expect(chosen.note).toBe(
      `Kubernetes 1.99 is newer than the newest discovery table (kubepki has ${discoveryTableMinors.join(', ')}): resource names resolved with ${newest}'s`,
    );
  });

  it('older than the oldest: the oldest, and says so', () => {
    const chosen = discoveryTableFor('v1.20.0');
    expect(chosen.table.kubernetesMinor).toBe(discoveryTableMinors[0]);
    expect(chosen.note).toContain('Kubernetes 1.20 is older than the oldest discovery table');
  });

  it('between two tables: the older one, and says so', () => {
    const numbers = discoveryTableMinors.map((m) => Number(m.slice(2)));
    const gap = numbers.slice(1).find((n, i) => n - numbers[i]! > 1);
    if (gap === undefined) return; // every minor between the oldest and the newest has its table
    const chosen = discoveryTableFor(`v1.${gap - 1}.0`);
    expect(chosen.table.kubernetesMinor).toBe(`1.${numbers[numbers.indexOf(gap) - 1]}`);
    expect(chosen.note).toContain(`Kubernetes 1.${gap - 1} is without a discovery table of its own`);
  });

  it('a version that is not one is an error naming it', () => {
    expect(() => discoveryTableFor('latest')).toThrow('"latest" is not a Kubernetes version like v1.33.0');
  });
});

describe("names resolve against the chosen minor's API", () => {
  it('resourceslices: resource.k8s.io in every minor, with each minor’s served versions', () => {
    for (const minor of ['1.31', '1.33', '1.34']) {
      const resolved = resolveResourceName('resourceslices', table(minor));
      expect(resolved).toMatchObject({ resource: 'resourceslices', apiGroup: 'resource.k8s.io' });
      expect(resolved.warning).toBeUndefined();
      expect(resolved.entry!.versions).toEqual(servedVersions(minor, 'resource.k8s.io', 'resourceslices'));
    }
    expect(resolveResourceName('resourceslices', table('1.31')).entry!.versions).toEqual(['v1alpha3']);
    expect(resolveResourceName('resourceslice', table('1.34')).entry!.versions[0]).toBe('v1');
  });

  it('podcertificaterequests only from 1.34; vac in storage.k8s.io/v1 from 1.34', () => {
    expect(resolveAccessAction('create podcertificaterequests', 'ns', 'v1.34.0')).toEqual({
      request: expect.objectContaining({ apiGroup: 'certificates.k8s.io', resource: 'podcertificaterequests' }),
    });
    expect(resolveAccessAction('create podcertificaterequests', 'ns', 'v1.33.0').warning).toMatch(
      /^the server doesn't have a resource type 'podcertificaterequests'/,
    );
    expect(resolveResourceName('vac', table('1.34')).entry).toMatchObject({
      group: 'storage.k8s.io',
      resource: 'volumeattributesclasses',
      versions: ['v1', 'v1beta1', 'v1alpha1'],
    });
    expect(resolveResourceName('vac', table('1.33')).entry!.versions).toEqual(['v1beta1', 'v1alpha1']);
  });

  it('podschedulingcontexts exists in 1.31 only; devicetaintrules and mutatingadmissionpolicies from 1.33', () => {
    expect(resolveAccessAction('get podschedulingcontexts', 'ns', 'v1.31.0')).toEqual({
      request: expect.objectContaining({ apiGroup: 'resource.k8s.io', resource: 'podschedulingcontexts' }),
    });
    expect(resolveAccessAction('get podschedulingcontexts', 'ns', 'v1.33.0').warning).toMatch(
      /^the server doesn't have a resource type 'podschedulingcontexts'/,
    );
    for (const name of ['devicetaintrules', 'mutatingadmissionpolicies']) {
      expect(resolveAccessAction(`list ${name}`, undefined, 'v1.31.0').warning).toMatch(
        new RegExp(`^the server doesn't have a resource type '${name}'`),
      );
      expect(resolveAccessAction(`list ${name}`, undefined, 'v1.33.0')).toEqual({
        request: expect.objectContaining({ resource: name }),
      });
    }
  });

  it("leasecandidates: coordination.k8s.io's alpha in 1.31, beta first in 1.33", () => {
    expect(resolveResourceName('leasecandidate', table('1.31')).entry).toMatchObject({
      group: 'coordination.k8s.io',
      versions: ['v1alpha1'],
    });
    expect(resolveResourceName('LeaseCandidate', table('1.33')).entry).toMatchObject({
      group: 'coordination.k8s.io',
      versions: ['v1beta1', 'v1alpha2'],
    });
  });

  it("an unknown name gets kubectl's warning in every minor", () => {
    for (const minor of discoveryTableMinors)
      expect(resolveResourceName('deploymnets', table(minor)).warning).toBe(
        `the server doesn't have a resource type 'deploymnets': did you mean "deployments"?`,
      );
  });
});
