/**
 * Resource names resolved as the installed kubectl resolves them, for every Kubernetes minor kubepki has a discovery
 * table of: kubectl runs `auth can-i` against a stand-in that serves that minor's upstream discovery documents (those
 * the table is generated from), and the SelfSubjectAccessReview kubectl posts is compared with kubepki's resolution of
 * the same name for a spec of that minor, name by name. Unknown names get kubectl's warning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryTableFor, discoveryTableMinors, resolveResourceName } from '../../src/access/discovery';
import { resolveAccessAction } from '../../src/access';
import { freePort } from '../support/free-port';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { requireBinary, runBinary } from '../support/peer-binaries';
import { startDiscoveryStandIn, type ResourceAttributes } from '../support/discovery-stand-in';

const names = [
  'po',
  'pod',
  'pods',
  'Pod',
  'deploy',
  'deployment',
  'deployments',
  'Deployment',
  'deployments.apps',
  'deploy.apps',
  'deployments.v1.apps',
  'ev',
  'events',
  'events.events.k8s.io',
  'cj',
  'cronjobs',
  'jobs',
  'hpa',
  'netpol',
  'ing',
  'pvc',
  'pv',
  'sa',
  'svc',
  'cm',
  'ns',
  'no',
  'cs',
  'ep',
  'limits',
  'quota',
  'rc',
  'rs',
  'ds',
  'sts',
  'pdb',
  'pc',
  'sc',
  'vac',
  'csr',
  'crd',
  'crds',
  'secrets',
  'secret',
  'roles',
  'clusterrolebindings',
  'leases',
  'endpointslices',
  'ipaddresses',
  'ip',
  'serviceaccounts',
];

// Names of resources some minors serve and others do not: each minor's discovery must answer them its own way.
const apiOfSomeMinors = [
  'resourceslices',
  'deviceclasses',
  'resourceclaims',
  'podschedulingcontexts',
  'devicetaintrules',
  'mutatingadmissionpolicies',
  'validatingadmissionpolicies',
  'leasecandidates',
  'clustertrustbundles',
  'volumeattributesclasses',
  'flowschemas',
  'selfsubjectreviews',
  'servicecidrs',
  'podcertificaterequests',
];

describe.runIf(requireBinary('kubectl', 'resource names compared with kubectl')).each(discoveryTableMinors)(
  'kubectl and kubepki resolve resource names alike against Kubernetes %s',
  (minor) => {
    const version = `v${minor}.0`;
    const { table } = discoveryTableFor(version);
    const known = apiOfSomeMinors.filter((name) => table.resources.some((r) => r.resource === name));
    const unknown = apiOfSomeMinors.filter((name) => !known.includes(name));
    let standIn: Awaited<ReturnType<typeof startDiscoveryStandIn>>;
    let home: string;
    beforeAll(async () => {
      standIn = await startDiscoveryStandIn(await freePort(), minor);
      home = temporaryDirectory('kubepki-kubectl-names-');
    });
    afterAll(async () => {
      await standIn?.close();
      removeTree(home);
    });

    const kubectl = (args: string[]) =>
      runBinary('kubectl', ['--server', standIn.url, '--cache-dir', path.join(home, 'cache'), ...args], {
        timeoutMs: 30_000,
        env: { ...process.env, KUBECONFIG: path.join(home, 'no-kubeconfig'), HOME: home },
      });

    it('the table is of that minor', () => {
      expect(table.kubernetesMinor).toBe(minor);
    });

    it.each([...names, ...known])('%s', async (name) => {
      const before = standIn.reviews.length;
      const run = await kubectl(['auth', 'can-i', 'get', name, '-n', 'app1-dev']);
      expect(run.stdout.trim(), run.stderr).toBe('yes');
      const asked = standIn.reviews[before] as ResourceAttributes;
      const { request, warning } = resolveAccessAction(`get ${name}`, 'app1-dev', version);
      expect(request).toMatchObject({
        apiGroup: asked.group ?? '',
        resource: asked.resource,
        namespace: asked.namespace,
      });
      // The same warnings, word for word: a short name of several groups, a cluster-scoped resource asked in a namespace.
      const warnings = (text: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith('Warning: '))
          .sort();
      expect(warnings(warning ? `Warning: ${warning}` : '')).toEqual(warnings(run.stderr));
    });

    it.each(['widgets', ...unknown])(
      "%s, unknown to this minor: kubectl's warning, and the name sent as typed",
      async (name) => {
        const before = standIn.reviews.length;
        const run = await kubectl(['auth', 'can-i', 'get', name, '-n', 'app1-dev']);
        const asked = standIn.reviews[before] as ResourceAttributes;
        const resolved = resolveResourceName(name, table);
        const kubectlWarning = `Warning: the server doesn't have a resource type '${name}'`;
        expect(run.stderr).toContain(kubectlWarning);
        // kubepki says the same, and may add a suggestion kubectl does not make.
        expect(`Warning: ${resolved.warning}`.startsWith(kubectlWarning)).toBe(true);
        expect({ group: resolved.apiGroup, resource: resolved.resource }).toEqual({
          group: asked.group ?? '',
          resource: asked.resource,
        });
      },
    );

    it('kubectl cached the discovery the stand-in served (so it resolved through discovery, as against a cluster)', () => {
      expect(fs.readdirSync(path.join(home, 'cache')).length).toBeGreaterThan(0);
    });
  },
);
