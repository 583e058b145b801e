import type { Chart } from 'cdk8s';
import type * as K8s from 'cdk8s-plus-34/lib/imports/k8s';
import type { RbacFilePlan, RbacManifest } from '../plan';
import { dumpStableYaml } from './kubeconfig';

type Scope = Chart;

// cdk8s and the k8s API constructs bundled with cdk8s-plus-34 (imported directly: all of cdk8s-plus would be slower)
// load on first use, so `generate` loads them while keys are generating on the thread pool.
let cdk8sModules: { cdk8s: typeof import('cdk8s'); k8s: typeof K8s } | undefined;
function loadCdk8s(): { cdk8s: typeof import('cdk8s'); k8s: typeof K8s } {
  cdk8sModules ??= {
    cdk8s: require('cdk8s') as typeof import('cdk8s'),
    k8s: require('cdk8s-plus-34/lib/imports/k8s') as typeof K8s,
  };
  return cdk8sModules;
}

// One typed cdk8s construct per manifest kind: the bundled k8s imports check every field against the Kubernetes
// API types at compile time. Construct ids are kind/namespace/name, unique by construction; names are never hashed.
const constructors = (
  k8s: typeof K8s,
): Record<RbacManifest['kind'], (scope: Scope, id: string, m: RbacManifest) => void> => ({
  Namespace: (scope, id, m) => new k8s.KubeNamespace(scope, id, { metadata: m.metadata }),
  ServiceAccount: (scope, id, m) =>
    new k8s.KubeServiceAccount(scope, id, {
      metadata: m.metadata,
      ...(m.automountServiceAccountToken !== undefined
        ? { automountServiceAccountToken: m.automountServiceAccountToken }
        : {}),
    }),
  ClusterRole: (scope, id, m) => new k8s.KubeClusterRole(scope, id, { metadata: m.metadata, rules: m.rules ?? [] }),
  Role: (scope, id, m) => new k8s.KubeRole(scope, id, { metadata: m.metadata, rules: m.rules ?? [] }),
  ClusterRoleBinding: (scope, id, m) =>
    new k8s.KubeClusterRoleBinding(scope, id, {
      metadata: m.metadata,
      roleRef: m.roleRef!,
      subjects: m.subjects ?? [],
    }),
  RoleBinding: (scope, id, m) =>
    new k8s.KubeRoleBinding(scope, id, { metadata: m.metadata, roleRef: m.roleRef!, subjects: m.subjects ?? [] }),
});

/** Synthesizes one rbac/ file's objects with cdk8s; returns the Kubernetes JSON objects. */
export function synthesizeRbacObjects(file: RbacFilePlan): Record<string, unknown>[] {
  const { cdk8s, k8s } = loadCdk8s();
  const app = new cdk8s.App({ outdir: '/nonexistent-never-written' });
  const chart = new cdk8s.Chart(app, file.path.replace(/[^a-z0-9-]/g, '-'), { disableResourceNameHashes: true });
  const build = constructors(k8s);
  for (const m of file.objects) build[m.kind](chart, `${m.kind}/${m.metadata.namespace ?? '_'}/${m.metadata.name}`, m);
  return chart.toJson() as Record<string, unknown>[];
}

// Rendering is pure in the file plan; remembering it lets `generate` render while keys generate and reuse the text.
const renderedFiles = new WeakMap<RbacFilePlan, string>();

/** One rbac/ file as deterministic multi-document YAML, ready for `kubectl apply -f`. */
export function renderRbacFile(file: RbacFilePlan): string {
  let text = renderedFiles.get(file);
  if (text === undefined) {
    text = synthesizeRbacObjects(file)
      .map((object) => `---\n${dumpStableYaml(object)}`)
      .join('');
    renderedFiles.set(file, text);
  }
  return text;
}

/** All RBAC files concatenated, as `kubepki rbac` prints them. */
export function renderRbac(files: RbacFilePlan[]): string {
  return files.map((f) => `# ${f.path}\n${renderRbacFile(f)}`).join('');
}
