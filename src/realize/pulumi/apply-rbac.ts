import type * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import type { PkiPlan, RbacManifest } from '../../plan';
import { synthesizeRbacObjects } from '../../outputs';

// Each @pulumi/kubernetes RBAC class takes its own args type; the manifests are rendered to match them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

// One typed @pulumi/kubernetes resource per manifest kind, fed the cdk8s-synthesized object as it is.
const resourceTypes: Record<RbacManifest['kind'], Constructor> = {
  Namespace: k8s.core.v1.Namespace,
  ServiceAccount: k8s.core.v1.ServiceAccount,
  ClusterRole: k8s.rbac.v1.ClusterRole,
  Role: k8s.rbac.v1.Role,
  ClusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding,
  RoleBinding: k8s.rbac.v1.RoleBinding,
};

/**
 * Applies the RBAC objects through a provider built from the generated admin.conf (a revocable cluster-admin, not
 * super-admin.conf). Objects depend on the ones of earlier files (namespaces before what lives in them).
 */
export function applyRbac(
  plan: PkiPlan,
  adminKubeconfig: pulumi.Output<string>,
  parent: pulumi.ComponentResource,
  named: (id: string) => string,
): void {
  const provider = new k8s.Provider(named('cluster'), { kubeconfig: adminKubeconfig }, { parent });
  let previous: pulumi.Resource[] = [];
  // kubeadm's own bindings (rbac/70-kubeadm.yaml) exist once `kubeadm init` has run and grant admin.conf its rights:
  // creating them would fail as already existing, and `pulumi destroy` would revoke admin.conf mid-way. They stay
  // kubeadm's; the file is written for clusters built without kubeadm.
  for (const file of plan.rbac.filter((f) => !f.objects.every((o) => o.metadata.name.startsWith('kubeadm:')))) {
    const created = synthesizeRbacObjects(file).map((object) => {
      const manifest = object as unknown as RbacManifest;
      const name = `${manifest.kind}:${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;
      const { apiVersion: _apiVersion, kind: _kind, ...args } = object;
      return new resourceTypes[manifest.kind](named(name), args, { parent, provider, dependsOn: previous });
    });
    previous = created.length > 0 ? created : previous;
  }
}
