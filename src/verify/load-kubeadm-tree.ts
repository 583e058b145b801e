import type { PkiPlan } from '../plan';
import type { Finding } from './finding';
import { readKubeadmTree, type KubeadmTree } from './read-kubeadm-tree';
import { loadNodeMaterial, nodeRoleOf, type MaterialOptions, type NodeMaterial } from './node-material';

/**
 * Reads the tree and parses every node (with `keys: false`, every certificate only); unreadable files become
 * findings. A certificate that several files hold byte for byte (the CA in every kubeconfig) is parsed once.
 */
export function loadKubeadmTree(
  dir: string,
  findings: Finding[],
  plan?: PkiPlan,
  options: Pick<MaterialOptions, 'keys'> = {},
): { tree: KubeadmTree; materials: NodeMaterial[] } | undefined {
  let tree: KubeadmTree;
  try {
    tree = readKubeadmTree(dir);
  } catch (error) {
    findings.push({
      id: 'tree.unreadable',
      file: '.',
      severity: 'error',
      message: `cannot read ${dir}: ${(error as Error).message}`,
    });
    return undefined;
  }
  findings.push(...tree.problems);
  if (tree.nodes.length === 0) {
    findings.push({
      id: 'tree.empty',
      file: '.',
      severity: 'error',
      message: `${dir} holds no kubeadm files: expected an /etc/kubernetes (pki/, *.conf) or the node directories kubepki generate --out writes`,
    });
    return undefined;
  }
  // A plan knows each node's role; without one the files tell (a CA key never makes a worker a control-plane node).
  const planRoles = new Map(plan?.nodes.map((n) => [n.name, n.role]));
  const material: MaterialOptions = { ...options, parsed: new Map() };
  const materials = tree.nodes.map((n) =>
    loadNodeMaterial(
      n,
      findings,
      (tree.layout === 'tree' && n.kind === 'node' && planRoles.get(n.name)) || nodeRoleOf(n),
      material,
    ),
  );
  return { tree, materials };
}
