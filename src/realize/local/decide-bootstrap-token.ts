import type { PkiPlan } from '../../plan';
import { bootstrapTokenPattern, generateBootstrapToken } from '../../crypto';
import type { TreeFile } from './read-output-tree';
import type { TreeProblem } from './realize-error';

/**
 * The bootstrap token of a tree: the one the caller supplies, else the one already in `bootstrap-token` (kept, like a
 * key), else a new random one. A bad token is a problem naming the file or option, never quoting the value.
 */
export function decideBootstrapToken(
  plan: PkiPlan,
  existing: ReadonlyMap<string, TreeFile>,
  supplied: string | undefined,
): { token?: string; problems: TreeProblem[] } {
  const file = plan.files.find((f) => f.content.kind === 'bootstrap-token');
  if (!file) return { problems: [] };
  if (supplied !== undefined) {
    if (!bootstrapTokenPattern.test(supplied)) {
      return {
        problems: [
          {
            path: file.path,
            code: 'corrupt',
            message:
              'the supplied bootstrap token is not [a-z0-9]{6}.[a-z0-9]{16}: use one from `kubeadm token generate`',
          },
        ],
      };
    }
    return { token: supplied, problems: [] };
  }
  const current = existing.get(file.path);
  if (!current) return { token: generateBootstrapToken(), problems: [] };
  const text = current.content.toString('utf8').trim();
  if (!bootstrapTokenPattern.test(text)) {
    return {
      problems: [
        {
          path: file.path,
          code: 'corrupt',
          message:
            'is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}): put one from `kubeadm token generate` there, or delete the file to have one generated',
        },
      ],
    };
  }
  return { token: text, problems: [] };
}
