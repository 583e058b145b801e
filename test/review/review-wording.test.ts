/**
 * What a reviewer reads: a new kubeconfig is listed as one to hand out; a new identity in system:masters (an
 * unrevocable cluster-admin) blocks like a CA replacement (exit 3); the plan's Markdown says what an admin may do.
 */
import { describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import type { ClusterSpec } from '../../src/spec';
import { buildInventory, diffExitCode, diffPlans, renderDiffMarkdown, renderInventoryMarkdown } from '../../src/review';
import { stackSpec } from '../support/fixture-trees';

const plan = (change?: (spec: ClusterSpec) => void): PkiPlan => planPki(stackSpec('lab', 'ECDSA-P256', change));
const addUser = (user: Record<string, unknown>) => (spec: ClusterSpec) =>
  void spec.spec.users.push({ groups: [], namespaces: [], ...user } as never);

describe('review wording', () => {
  it('a new user: its kubeconfig is one to hand out, with the reason "new"', () => {
    const d = diffPlans(plan(), plan(addUser({ name: 'dave', groups: ['dev-team'] })));
    expect(d.impact.kubeconfigs).toEqual([{ path: 'users/dave.conf', reason: 'new' }]);
    expect(renderDiffMarkdown(d)).toContain('- **Kubeconfigs to hand out** (1): `users/dave.conf` (new)');
    expect(diffExitCode(d)).toBe(1);
  });

  it('a new user in system:masters blocks: exit 3, a CAUTION banner naming it, the summary says so', () => {
    const d = diffPlans(plan(), plan(addUser({ name: 'eve', groups: ['system:masters'] })));
    expect(d.grantsUnrevocableAdmin).toEqual(['user:eve']);
    expect(d.replacesCa).toBe(false);
    expect(diffExitCode(d)).toBe(3);
    const md = renderDiffMarkdown(d);
    expect(md).toContain('> **Blocking: user:eve becomes cluster-admin equivalent for good** (group system:masters');
    expect(d.summary).toMatch(/^GRANTS unrevocable cluster-admin to user:eve; /);
  });

  it('an existing user moved into system:masters blocks too; a revocable cluster-admin binding does not', () => {
    const base = plan(addUser({ name: 'eve', groups: ['auditors'] }));
    expect(diffExitCode(diffPlans(base, plan(addUser({ name: 'eve', groups: ['auditors', 'system:masters'] }))))).toBe(
      3,
    );
    const revocable = diffPlans(
      base,
      plan((spec) => {
        addUser({ name: 'eve', groups: ['auditors'] })(spec);
        spec.spec.access.push({ subjects: ['user:eve'], clusterRole: 'cluster-admin' } as never);
      }),
    );
    expect(revocable.grantsUnrevocableAdmin).toEqual([]);
    expect(diffExitCode(revocable)).toBe(1);
  });

  it("a whole new spec does not block on kubeadm's own super-admin.conf", () => {
    const head = plan();
    const empty: PkiPlan = {
      ...head,
      nodes: [],
      certificates: [],
      keyPairs: [],
      kubeconfigs: [],
      rbac: [],
      identities: [],
      expectations: [],
      files: [],
    };
    const d = diffPlans(empty, head);
    expect(d.access.find((a) => a.identity === 'user:kubernetes-super-admin')?.clusterAdmin?.after).toBe('UNREVOCABLE');
    expect(d.grantsUnrevocableAdmin).toEqual([]);
    expect(diffExitCode(d)).toBe(1);
  });

  it('plan Markdown: a cluster-admin equivalent may do everything, not "—"', () => {
    const md = renderInventoryMarkdown(buildInventory(plan()));
    const row = md.split('\n').find((l) => l.startsWith('| user:kubernetes-admin |'))!;
    expect(row).toContain('everything, in every namespace (cluster-admin equivalent)');
    expect(row).not.toMatch(/\| — \|$/);
  });
});
