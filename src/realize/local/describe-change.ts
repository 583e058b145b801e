import type { PkiPlan, PlannedFile } from '../../plan';
import { rbacFileHolds } from '../../compare';
import { parseKubeconfig, renderPlannedFile, sameKubeconfig, type PkiMaterial } from '../../outputs';
import type { MaterialDecisions } from './material-decisions';
import type { TreeFile } from './read-output-tree';

/** `stale`: on disk but no longer planned (left alone); `removed`: the same, deleted by --prune or a stray temporary file. */
export type FileAction = 'created' | 'kept' | 'reissued' | 'updated' | 'external' | 'stale' | 'removed';

/** One line of `kubepki generate`'s output. Reasons name changed properties, never key material. */
export interface FileChange {
  path: string;
  action: FileAction;
  reason?: string;
}

/** What happens to one planned file, given the decisions and the material (only the kept material on a dry run). */
export function describeChange(
  plan: PkiPlan,
  file: PlannedFile,
  decisions: MaterialDecisions,
  current: TreeFile | undefined,
  material: PkiMaterial,
): FileChange {
  const { kind, of } = file.content;
  const own = decisions.certificates.get(of);
  if (kind === 'private-key' && !plan.keyPairs.some((k) => k.id === of) && own?.action === 'keep' && !own.key) {
    return { path: file.path, action: 'external', reason: 'CA key kept outside this tree (external CA mode)' };
  }
  if (!current) return { path: file.path, action: 'created' };
  if (own?.action === 'reissue' && (kind !== 'private-key' || !own.key))
    return { path: file.path, action: 'reissued', reason: own.reasons.join('; ') };
  if (
    kind === 'manifest' &&
    current.mode === file.mode &&
    rbacFileHolds(
      plan.rbac.find((f) => f.path === of)!,
      current.content.toString('utf8'),
    )
  ) {
    return { path: file.path, action: 'kept' };
  }
  let desired: string | undefined;
  try {
    desired = renderPlannedFile(plan, file, material);
  } catch {
    desired = undefined; // material not generated (dry run): the decision above already said what happens
  }
  const currentText = current.content.toString('utf8');
  const sameContent =
    desired !== undefined &&
    (desired === currentText || (kind === 'kubeconfig' && sameKubeconfig(desired, currentText)));
  if (sameContent && current.mode === file.mode) return { path: file.path, action: 'kept' };
  if (sameContent)
    return {
      path: file.path,
      action: 'updated',
      reason: `mode ${current.mode.toString(8)} → ${file.mode.toString(8)}`,
    };
  return {
    path: file.path,
    action: 'updated',
    reason: kind === 'kubeconfig' ? kubeconfigChange(currentText, desired) : 'content changed',
  };
}

/** Why a kubeconfig is rewritten: a client certificate to embed (an outside CA's, come back), or the rest. */
function kubeconfigChange(current: string, desired: string | undefined): string {
  try {
    if (
      desired !== undefined &&
      parseKubeconfig(current).clientCertificatePem !== parseKubeconfig(desired).clientCertificatePem
    )
      return 'client certificate embedded';
  } catch {
    // an unreadable file is rewritten whole
  }
  return 'server, names or CA data changed';
}
