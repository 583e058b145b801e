/**
 * `diffPlans`: what a reviewer of a spec change needs — field-level certificate changes, the impact (reissues,
 * redistribution, files per node, blocking CA / sa-key replacements), RBAC object changes and who gains or loses
 * access — and the exit code CI gates on. Never a secret in the output.
 */
import { describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import type { ClusterSpec } from '../../src/spec';
import { diffExitCode, diffPlans, renderDiffJson, renderDiffMarkdown, type PlanDiff } from '../../src/review';
import { stackSpec } from '../support/fixture-trees';
import { leakedSecret } from './review-secrets';

type Change = (spec: ClusterSpec) => void;
const plan = (stack: 'lab' | 'ha', change?: Change): PkiPlan => planPki(stackSpec(stack, 'ECDSA-P256', change));

function diff(stack: 'lab' | 'ha', before: Change | undefined, after: Change): PlanDiff {
  const result = diffPlans(
    plan(stack, before),
    plan(stack, (spec) => {
      before?.(spec);
      after(spec);
    }),
  );
  for (const text of [renderDiffMarkdown(result), renderDiffJson(result)]) expect(leakedSecret(text)).toBeUndefined();
  return result;
}

/** A lab with two users and one binding, as the base of access and RBAC changes. */
const withTeam: Change = (spec) => {
  spec.spec.users.push({ name: 'bob', groups: ['sre'], namespaces: [] } as never);
  spec.spec.access.push({ subjects: ['group:dev-team'], clusterRole: 'edit', namespaces: ['app1'] } as never);
};

describe('diffPlans', () => {
  it('identical specs: no changes, exit 0', () => {
    const d = diffPlans(plan('lab'), plan('lab'));
    expect(d).toMatchObject({ changed: false, replacesCa: false, summary: 'no changes' });
    expect(diffExitCode(d)).toBe(0);
    expect(renderDiffMarkdown(d)).toContain('**no changes**');
  });

  it('a certSAN added: every apiserver certificate changes with `SANs +x`, reissued on its node, exit 1', () => {
    const d = diff('ha', undefined, (spec) => void spec.spec.apiServer.certSANs.push('extra.corp.example.net'));
    expect(d.certificates.changed.map((c) => [c.id, c.changes.map((x) => x.text)])).toEqual([
      ['cp1/apiserver', ['SANs +extra.corp.example.net']],
      ['cp2/apiserver', ['SANs +extra.corp.example.net']],
      ['cp3/apiserver', ['SANs +extra.corp.example.net']],
    ]);
    expect(d.impact.reissued.map((r) => r.id)).toEqual(['cp1/apiserver', 'cp2/apiserver', 'cp3/apiserver']);
    expect(d.impact.kubeconfigs).toEqual([]);
    // Only the init node's kubeadm.yaml lists certSANs (ClusterConfiguration); the joining nodes' files do not change.
    expect(d.impact.directories).toEqual(
      ['cp1', 'cp2', 'cp3'].map((n) => ({
        directory: n,
        added: [],
        removed: [],
        changed: [...(n === 'cp1' ? ['cp1/kubeadm.yaml'] : []), `${n}/pki/apiserver.crt`],
      })),
    );
    expect(d.impact.replacements).toEqual([]);
    expect(d.access).toEqual([]);
    expect(diffExitCode(d)).toBe(1);
    const md = renderDiffMarkdown(d);
    expect(md).toContain('| changed | `cp1/apiserver` | cp1 | SANs +extra.corp.example.net |');
    expect(md).not.toContain('CAUTION');
  });

  it('the key algorithm changed: every CA and the sa key are replaced — blocking banner, exit 3', () => {
    const d = diff('lab', undefined, (spec) => void (spec.spec.pki.encryptionAlgorithm = 'RSA-2048'));
    expect(d.impact.replacements.map((r) => r.id)).toEqual(['ca', 'etcd-ca', 'front-proxy-ca', 'sa']);
    expect(d.impact.replacements[0]!.changes).toEqual([
      'key usages +keyEncipherment',
      'key ECDSA-P256 → RSA-2048 (new key)',
    ]);
    // Every leaf and kubeconfig certificate is reissued; every kubeconfig is handed out again.
    const p = plan('lab');
    expect(d.impact.reissued.map((r) => r.id)).toEqual(p.certificates.filter((c) => !c.isCa).map((c) => c.id));
    expect(d.impact.kubeconfigs.map((k) => k.path)).toEqual(
      p.kubeconfigs
        .map((k) => p.files.find((f) => f.content.of === k.id && f.content.kind === 'kubeconfig')!.path)
        .sort(),
    );
    expect(diffExitCode(d)).toBe(3);
    const md = renderDiffMarkdown(d);
    expect(md).toContain('> [!CAUTION]\n> **Blocking: this change replaces CA `ca`**');
    expect(md).toContain('**Blocking: this change replaces the service-account key (sa.key / sa.pub)**');
    expect(d.summary).toMatch(/^REPLACES CA ca, CA etcd-ca, CA front-proxy-ca, the sa key;/);
  });

  it('caCertificateValidityPeriod changed: the CAs are replaced (not the sa key), dependants reissued, exit 3', () => {
    const d = diff('lab', undefined, (spec) => void (spec.spec.pki.caCertificateValidityPeriod = '175200h'));
    expect(d.impact.replacements.map((r) => [r.id, r.changes])).toEqual([
      ['ca', ['validity 87600h → 175200h']],
      ['etcd-ca', ['validity 87600h → 175200h']],
      ['front-proxy-ca', ['validity 87600h → 175200h']],
    ]);
    expect(d.impact.reissued.find((r) => r.id === 'cp1/etcd/server')?.reason).toBe('signed by the replaced CA etcd-ca');
    expect(d.impact.directories.find((x) => x.directory === 'w1')?.changed).toEqual([
      'w1/kubeadm.yaml',
      'w1/kubelet.conf',
      'w1/pki/ca.crt',
    ]); // the join file pins the new CA
    expect(diffExitCode(d)).toBe(3);
  });

  it('dnsDomain changed: the service-account issuer changes, which invalidates every token like a new sa key — blocking, exit 3', () => {
    const d = diff('lab', undefined, (spec) => void (spec.spec.networking.dnsDomain = 'corp.internal'));
    expect(d.cluster).toEqual(
      expect.arrayContaining([
        'serviceAccountIssuer https://kubernetes.default.svc.cluster.local → https://kubernetes.default.svc.corp.internal',
      ]),
    );
    expect(d.impact.replacements.map((r) => [r.id, r.changes])).toEqual([
      [
        'sa-issuer',
        ['issuer https://kubernetes.default.svc.cluster.local → https://kubernetes.default.svc.corp.internal'],
      ],
    ]);
    expect(d.impact.replacements[0]!.consequence).toContain(
      'every service-account token carrying the old iss and aud is rejected',
    );
    // The sa key pair itself is kept: its files do not change.
    expect(d.impact.directories.flatMap((x) => x.changed).filter((f) => f.includes('/pki/sa.'))).toEqual([]);
    expect(d.replacesCa).toBe(true);
    expect(diffExitCode(d)).toBe(3);
    expect(d.summary).toMatch(/^REPLACES the sa issuer;/);
    expect(renderDiffMarkdown(d)).toContain(
      '> [!CAUTION]\n> **Blocking: this change replaces the service-account issuer (--service-account-issuer)**',
    );
  });

  it('a user added: certificate and kubeconfig added, the new identity listed under access, exit 1', () => {
    const d = diff(
      'lab',
      undefined,
      (spec) => void spec.spec.users.push({ name: 'carol', groups: ['sre'], namespaces: [] } as never),
    );
    expect(d.certificates.added.map((c) => [c.id, c.subject])).toEqual([['users/carol.conf', 'CN=carol, O=sre']]);
    expect(d.kubeconfigs.added).toEqual([
      { id: 'users/carol.conf', user: 'carol', groups: ['sre'], server: 'https://10.0.0.11:6443' },
    ]);
    expect(d.impact).toMatchObject({
      issued: ['users/carol.conf'],
      reissued: [],
      directories: [{ directory: 'users', added: ['users/carol.conf'], removed: [], changed: [] }],
    });
    expect(d.access.map((a) => [a.identity, a.change])).toEqual([['user:carol', 'added']]);
    expect(diffExitCode(d)).toBe(1);
    expect(renderDiffMarkdown(d)).toContain(
      '| added | `users/carol.conf` | carol | sre | server https://10.0.0.11:6443 |',
    );
  });

  it('a user in system:masters added: called out as UNREVOCABLE cluster-admin equivalent', () => {
    const d = diff(
      'lab',
      undefined,
      (spec) => void spec.spec.users.push({ name: 'root', groups: ['system:masters'], namespaces: [] } as never),
    );
    expect(d.access.find((a) => a.identity === 'user:root')?.clusterAdmin).toEqual({
      before: 'no',
      after: 'UNREVOCABLE',
    });
    expect(renderDiffMarkdown(d)).toContain(
      '> [!WARNING]\n> **user:root** becomes cluster-admin equivalent (UNREVOCABLE).',
    );
  });

  it("a binding's subjects changed: the RBAC object is changed and exactly the identities gaining access are listed", () => {
    const d = diff('lab', withTeam, (spec) => void spec.spec.access[0]!.subjects.push('group:sre'));
    expect(d.rbac).toEqual({
      added: [],
      removed: [],
      changed: [
        {
          object: 'RoleBinding app1/kubepki:edit',
          file: 'rbac/60-role-bindings.yaml',
          changes: ['subjects +group:sre'],
        },
      ],
    });
    expect(d.access.map((a) => a.identity)).toEqual(['user:bob']);
    expect(d.access[0]!.gained).toEqual(expect.arrayContaining(['app1: get secrets', 'app1: create deployments.apps']));
    expect(d.access[0]!.lost).toEqual([]);
    expect(d.certificates).toEqual({ added: [], removed: [], changed: [] });
    expect(d.impact.directories).toEqual([
      { directory: 'rbac', added: [], removed: [], changed: ['rbac/60-role-bindings.yaml'] },
    ]);
    expect(diffExitCode(d)).toBe(1);
  });

  it('kubernetesVersion 1.28 → 1.33: admin.conf stays cluster-admin, moving from UNREVOCABLE to revocable, not "becomes"', () => {
    // ECDSA-P256 needs 1.31+; plans need no keys, so these two are RSA.
    const at = (version: string) =>
      planPki(stackSpec('lab', 'RSA-2048', (spec) => void (spec.spec.kubernetesVersion = version)));
    const d = diffPlans(at('v1.28.0'), at('v1.33.0'));
    const admin = d.access.find((a) => a.identity === 'user:kubernetes-admin')!;
    expect(admin).toMatchObject({
      change: 'changed',
      gained: [],
      lost: [],
      clusterAdmin: { before: 'UNREVOCABLE', after: 'revocable' },
    });
    const md = renderDiffMarkdown(d);
    expect(md).toContain(
      '| user:kubernetes-admin | changed (groups system:masters → kubeadm:cluster-admins; cluster-admin: UNREVOCABLE → revocable) | — | — |',
    );
    expect(md).toContain(
      '> **user:kubernetes-admin** stays cluster-admin equivalent; cluster-admin: UNREVOCABLE → revocable',
    );
    expect(md).not.toMatch(/kubernetes-admin\*\* becomes cluster-admin equivalent/);
    // The other way round is the worrying direction.
    const back = renderDiffMarkdown(diffPlans(at('v1.33.0'), at('v1.28.0')));
    expect(back).toContain(
      '> [!WARNING]\n> **user:kubernetes-admin** stays cluster-admin equivalent; cluster-admin: revocable → UNREVOCABLE',
    );
    expect(back).toContain(
      '| user:kubernetes-admin | changed (groups kubeadm:cluster-admins → system:masters; cluster-admin: revocable → UNREVOCABLE) | — | — |',
    );
    // A real gain is still "becomes".
    expect(md).toContain('> **user:kubernetes-super-admin** becomes cluster-admin equivalent (UNREVOCABLE).');
  });

  it('a cluster-admin binding added: ClusterRoleBinding added and the identity called out as revocable cluster-admin', () => {
    const d = diff(
      'lab',
      withTeam,
      (spec) => void spec.spec.access.push({ subjects: ['user:bob'], clusterRole: 'cluster-admin' } as never),
    );
    expect(d.rbac.added).toEqual([
      { object: 'ClusterRoleBinding kubepki:cluster-admin', file: 'rbac/50-cluster-role-bindings.yaml' },
    ]);
    expect(d.access.map((a) => [a.identity, a.clusterAdmin])).toEqual([
      ['user:bob', { before: 'no', after: 'revocable' }],
    ]);
  });

  it("a user's groups changed: the certificate's O changes and the access change says why", () => {
    const d = diff('lab', withTeam, (spec) => void (spec.spec.users[1]!.groups = ['dev-team']));
    expect(d.certificates.changed.map((c) => [c.id, c.changes.map((x) => x.text)])).toEqual([
      ['users/bob.conf', ['O +dev-team -sre']],
    ]);
    expect(d.impact.kubeconfigs).toEqual([{ path: 'users/bob.conf', reason: 'client certificate reissued' }]);
    expect(d.access[0]).toMatchObject({ identity: 'user:bob', groups: { before: ['sre'], after: ['dev-team'] } });
  });

  it('a user removed: certificate, kubeconfig and identity removed, with the warning that its certificate stays valid', () => {
    const d = diff('lab', withTeam, (spec) => void spec.spec.users.splice(1, 1));
    expect(d.kubeconfigs.removed.map((k) => k.id)).toEqual(['users/bob.conf']);
    expect(d.access.map((a) => [a.identity, a.change])).toEqual([['user:bob', 'removed']]);
    expect(renderDiffMarkdown(d)).toContain('its certificate stays valid until it expires');
  });

  it('a controlPlaneEndpoint set: kubeconfigs change server and must be redistributed; apiserver SANs grow', () => {
    const d = diff('lab', undefined, (spec) => void (spec.spec.controlPlaneEndpoint = 'api.lab.example:6443'));
    expect(d.cluster).toEqual(['endpoint https://10.0.0.11:6443 → https://api.lab.example:6443']);
    expect(d.kubeconfigs.changed.find((k) => k.id === 'users/alice.conf')?.changes).toEqual([
      'server https://10.0.0.11:6443 → https://api.lab.example:6443',
    ]);
    expect(d.impact.kubeconfigs.map((k) => k.path)).toEqual(
      expect.arrayContaining(['cp1/admin.conf', 'users/alice.conf', 'w1/kubelet.conf']),
    );
    expect(d.certificates.changed.map((c) => c.id)).toEqual(['cp1/apiserver']);
  });
});
