import { App, Chart } from 'cdk8s';
// The k8s API constructs bundled with cdk8s-plus-34, imported directly: loading all of cdk8s-plus would slow every run.
import * as k8s from 'cdk8s-plus-34/lib/imports/k8s';
import type { RbacFilePlan, RbacManifest } from '../plan';
import { dumpStableYaml } from './kubeconfig';

type Scope = Chart;

// One typed cdk8s construct per manifest kind: the bundled k8s imports check every field against the Kubernetes
// API types at compile time. Construct ids are kind/namespace/name, unique by construction; names are never hashed.
const constructors: Record<RbacManifest['kind'], (scope: Scope, id: string, m: RbacManifest) => void> = {
  Namespace: (scope, id, m) => new k8s.KubeNamespace(scope, id, { metadata: m.metadata }),
  ServiceAccount: (scope, id, m) =>
    new k8s.KubeServiceAccount(scope, id, {
      metadata: m.metadata,
      ...(m.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: m.automountServiceAccountToken } : {}),
    }),
  ClusterRole: (scope, id, m) => new k8s.KubeClusterRole(scope, id, { metadata: m.metadata, rules: m.rules ?? [] }),
  Role: (scope, id, m) => new k8s.KubeRole(scope, id, { metadata: m.metadata, rules: m.rules ?? [] }),
  ClusterRoleBinding: (scope, id, m) => new k8s.KubeClusterRoleBinding(scope, id, { metadata: m.metadata, roleRef: m.roleRef!, subjects: m.subjects ?? [] }),
  RoleBinding: (scope, id, m) => new k8s.KubeRoleBinding(scope, id, { metadata: m.metadata, roleRef: m.roleRef!, subjects: m.subjects ?? [] }),
};

/** Synthesizes one rbac/ file's objects with cdk8s; returns the Kubernetes JSON objects. */
export function synthesizeRbacObjects(file: RbacFilePlan): Record<string, unknown>[] {
  const app = new App({ outdir: '/nonexistent-never-written' });
  const chart = new Chart(app, file.path.replace(/[^a-z0-9-]/g, '-'), { disableResourceNameHashes: true });
  for (const m of file.objects) constructors[m.kind](chart, `${m.kind}/${m.metadata.namespace ?? '_'}/${m.metadata.name}`, m);
  return chart.toJson() as Record<string, unknown>[];
}

/** One rbac/ file as deterministic multi-document YAML, ready for `kubectl apply -f`. */
export function renderRbacFile(file: RbacFilePlan): string {
  return synthesizeRbacObjects(file)
    .map((object) => `---\n${dumpStableYaml(object)}`)
    .join('');
}

/** All RBAC files concatenated, as `kubepki rbac` prints them. */
export function renderRbac(files: RbacFilePlan[]): string {
  return files.map((f) => `# ${f.path}\n${renderRbacFile(f)}`).join('');
}
