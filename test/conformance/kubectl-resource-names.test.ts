/**
 * Resource names resolved as the installed kubectl resolves them: kubectl runs `auth can-i` against a stand-in that
 * serves the upstream discovery documents kubepki's table is generated from, and the SelfSubjectAccessReview kubectl
 * posts is compared with kubepki's resolution of the same name, name by name. Unknown names get kubectl's warning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResourceName } from '../../src/access/discovery';
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

describe.runIf(requireBinary('kubectl', 'resource names compared with kubectl'))(
  'kubectl and kubepki resolve resource names alike',
  () => {
    let standIn: Awaited<ReturnType<typeof startDiscoveryStandIn>>;
    let home: string;
    beforeAll(async () => {
      standIn = await startDiscoveryStandIn(await freePort());
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

    it.each(names)('%s', async (name) => {
      const before = standIn.reviews.length;
      const run = await kubectl(['auth', 'can-i', 'get', name, '-n', 'app1-dev']);
      expect(run.stdout.trim(), run.stderr).toBe('yes');
      const asked = standIn.reviews[before] as ResourceAttributes;
      const { request, warning } = resolveAccessAction(`get ${name}`, 'app1-dev');
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

    it("an unknown name: kubectl's warning, word for word, and the name sent as typed", async () => {
      const before = standIn.reviews.length;
      const run = await kubectl(['auth', 'can-i', 'get', 'widgets', '-n', 'app1-dev']);
      const asked = standIn.reviews[before] as ResourceAttributes;
      const resolved = resolveResourceName('widgets');
      expect(run.stderr).toContain(`Warning: ${resolved.warning}`);
      expect({ group: resolved.apiGroup, resource: resolved.resource }).toEqual({
        group: asked.group ?? '',
        resource: asked.resource,
      });
    });

    it('kubectl cached the discovery the stand-in served (so it resolved through discovery, as against a cluster)', () => {
      expect(fs.readdirSync(path.join(home, 'cache')).length).toBeGreaterThan(0);
    });
  },
);
