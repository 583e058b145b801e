import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { parseKubeconfig } from '../../src/outputs';
import { repoRoot, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';
import { runKubePki } from '../support/pulumi-realize';

// kubepki:applyRbac: a @pulumi/kubernetes Provider built from the generated admin.conf applies every RBAC object the
// plan holds, as typed resources named after the objects.

describe('applyRbac (team stack)', () => {
  const dir = temporaryDirectory('kubepki-apply-rbac-');
  afterAll(() => removeTree(dir));

  it("creates one typed Kubernetes resource per planned RBAC object except kubeadm's own, through a provider using admin.conf", async () => {
    const plan = planPki(loadSpecFile(path.join(repoRoot, 'stacks/team.cluster.yaml')));
    const emulator = new TlsProviderEmulator();
    await runKubePki(emulator, plan, dir, 'team', { applyRbac: true });

    const typeOf: Record<string, string> = {
      Namespace: 'kubernetes:core/v1:Namespace',
      ServiceAccount: 'kubernetes:core/v1:ServiceAccount',
      Role: 'kubernetes:rbac.authorization.k8s.io/v1:Role',
      ClusterRole: 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole',
      RoleBinding: 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
      ClusterRoleBinding: 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding',
    };
    // kubeadm's own bindings stay kubeadm's: applying them would collide with `kubeadm init`'s and destroying them
    // would revoke admin.conf.
    const planned = plan.rbac
      .filter((f) => f.path !== 'rbac/70-kubeadm.yaml')
      .flatMap((f) => f.objects)
      .map((o) => `${typeOf[o.kind]} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)
      .sort();
    const applied = emulator.recorded
      .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:index'))
      .map((r) => `${r.type} ${r.inputs.metadata?.namespace ?? ''}/${r.inputs.metadata?.name}`)
      .sort();
    expect(applied).toEqual(planned);
    expect(applied.some((a) => a.includes('kubeadm:'))).toBe(false);

    const edit = emulator.recorded.find(
      (r) => r.type.endsWith(':RoleBinding') && r.inputs.metadata.name === 'kubepki:edit',
    )!;
    expect(edit.inputs.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' });
    expect(edit.inputs.subjects).toContainEqual({ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' });

    const provider = emulator.recorded.find((r) => r.type === 'pulumi:providers:kubernetes')!;
    const kubeconfig = parseKubeconfig(provider.inputs.kubeconfig);
    expect(kubeconfig.userName).toBe('kubernetes-admin');
    expect(kubeconfig.server).toBe('https://team-api.example.internal:6443');
  }, 120_000);
});
