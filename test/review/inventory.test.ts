/**
 * `kubepki plan`: the inventory is secret-free and byte-stable, so it can be committed beside the spec and reviewed as
 * a plain git diff. The lab stack's inventory is snapshotted.
 */
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { buildInventory, renderInventoryJson, renderInventoryMarkdown, renderInventoryYaml } from '../../src/review';
import { stackFile } from '../support/fixture-trees';
import { leakedSecret } from './review-secrets';

const inventoryOf = (stack: string) => buildInventory(planPki(loadSpecFile(stackFile(stack))));

describe('plan inventory', () => {
  it('is byte-identical across runs (fresh load, plan and render each time), in every format', () => {
    for (const render of [renderInventoryYaml, renderInventoryJson, renderInventoryMarkdown]) {
      expect(render(inventoryOf('lab'))).toBe(render(inventoryOf('lab')));
    }
  });

  it('matches the committed lab snapshot', async () => {
    await expect(renderInventoryYaml(inventoryOf('lab'))).toMatchFileSnapshot('__snapshots__/lab.inventory.yaml');
  });

  it.each(['lab', 'ha', 'team'])('holds no secret for the %s stack', (stack) => {
    const inventory = inventoryOf(stack);
    for (const text of [
      renderInventoryYaml(inventory),
      renderInventoryJson(inventory),
      renderInventoryMarkdown(inventory),
    ]) {
      expect(leakedSecret(text)).toBeUndefined();
    }
  });

  it('lists what a reviewer needs: every certificate with its files, every kubeconfig, RBAC objects, access', () => {
    const plan = planPki(loadSpecFile(stackFile('team')));
    const inventory = buildInventory(plan);
    expect(inventory.certificates.map((c) => c.id)).toEqual(plan.certificates.map((c) => c.id));
    expect(inventory.certificates.find((c) => c.id === 'ca')!.paths).toEqual(['cp1/pki/ca.crt', 'w1/pki/ca.crt']);
    expect(inventory.certificates.find((c) => c.id === 'users/alice.conf')).toMatchObject({
      validity: '720h',
      paths: ['users/alice.conf'],
      subject: { commonName: 'alice', organizations: ['dev-team'] },
    });
    expect(inventory.kubeconfigs.find((k) => k.id === 'users/alice.conf')).toMatchObject({
      user: 'alice',
      groups: ['dev-team'],
      server: 'https://team-api.example.internal:6443',
      contexts: ['alice@team/app1-dev (namespace app1-dev)', 'alice@team/app1-staging (namespace app1-staging)'],
    });
    expect(inventory.rbac.find((f) => f.file === 'rbac/60-role-bindings.yaml')!.objects).toContain(
      'RoleBinding app1-dev/kubepki:edit',
    );
    const access = (ref: string) => inventory.access.identities.find((a) => a.identity === ref)!;
    expect(access('user:kubernetes-super-admin').clusterAdmin).toMatch(/^UNREVOCABLE: group system:masters/);
    expect(access('user:kubernetes-admin').clusterAdmin).toMatch(
      /^revocable: ClusterRoleBinding kubeadm:cluster-admins/,
    );
    expect(access('user:alice').allowed).toMatchObject({
      'app1-dev': expect.arrayContaining(['create deployments.apps']),
      'app1-staging': ['get pods', 'get pods/log', 'get configmaps'],
    });
    expect(access('user:alice').allowed).not.toHaveProperty('kube-system');
    expect(access('user:system:node:w1').nodeAuthorizer).toBe(true);
    expect(inventory.access.expectations).toEqual({
      total: plan.expectations.reduce((n, e) => n + e.can.length + e.cannot.length, 0),
      passed: 13,
      failed: [],
    });
  });

  it('renders JSON that parses back to the inventory, and Markdown tables', () => {
    const inventory = inventoryOf('lab');
    expect(JSON.parse(renderInventoryJson(inventory))).toEqual(JSON.parse(JSON.stringify(inventory)));
    const md = renderInventoryMarkdown(inventory);
    expect(md).toContain(
      '| `cp1/apiserver` | ca | CN=kube-apiserver | cp1, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, 10.96.0.1, 10.0.0.11 |',
    );
    expect(md).toContain('| `users/alice.conf` | alice | dev-team, oncall | https://10.0.0.11:6443 | alice@lab |');
  });
});
