import { describe, expect, it } from 'vitest';
import { diffExitCode, diffPlans, renderDiffMarkdown, trustGraph } from '../../src/review';
import type { RotatableAuthority, RotationPhase } from '../../src/spec';
import { planOf } from '../plan/plan-test-specs';

type Rotation = Partial<Record<RotatableAuthority, { generation: number; phase: RotationPhase }>>;
const twoNodes = {
  controlPlane: [
    { name: 'cp1', advertiseAddress: '10.0.0.11' },
    { name: 'cp2', advertiseAddress: '10.0.0.12' },
  ],
  workers: [{ name: 'w1' }],
  users: [{ name: 'alice' }],
};
const at = (rotation?: Rotation, pki: Record<string, unknown> = {}) =>
  planOf({ ...twoNodes, pki: { encryptionAlgorithm: 'ECDSA-P256', ...pki, ...(rotation ? { rotation } : {}) } });

describe('kubepki diff of rotation stages', () => {
  it('a correct next stage is a normal change (exit 1) naming the authority, the stage and the rollout order', () => {
    const diff = diffPlans(at(), at({ clusterCA: { generation: 2, phase: 'trust' } }));
    expect(diffExitCode(diff)).toBe(1);
    const [stage] = diff.rotations.stages;
    expect(stage).toMatchObject({
      authority: 'clusterCA',
      to: { generation: 2, phase: 'trust' },
      trusted: ['ca', 'ca-2'],
      signer: 'ca',
    });
    // Control-plane nodes one at a time, then the worker; then users' kubeconfigs are handed out again.
    expect(stage!.rollout.map((s) => s.node)).toEqual(['cp1', 'cp2', 'w1']);
    expect(stage!.rollout[0]!.files).toEqual(
      expect.arrayContaining([
        'cp1/pki/ca.crt',
        'cp1/pki/ca-2.crt',
        'cp1/pki/ca-2.key',
        'cp1/pki/ca-signer.crt',
        'cp1/admin.conf',
      ]),
    );
    expect(stage!.rollout[0]!.before.join()).toContain('--cluster-signing-cert-file=/etc/kubernetes/pki/ca-signer.crt');
    expect(stage!.rollout[2]!.files).toEqual(['w1/kubeadm.yaml', 'w1/kubelet.conf', 'w1/pki/ca.crt']); // kubeadm.yaml: its caCertHashes pin both generations
    expect(stage!.handOut).toEqual(['users/alice.conf']);
    expect(diff.impact.reissued).toEqual([]);
    const markdown = renderDiffMarkdown(diff);
    expect(markdown).toContain('### Rotation: cluster CA → generation 2, stage **trust**');
    expect(markdown).toMatch(
      /1\. \*\*cp1\*\*: copy[^\n]*\n[\s\S]*2\. \*\*cp2\*\*[\s\S]*3\. \*\*w1\*\*[\s\S]*4\. \*\*hand out again\*\*: `users\/alice.conf`/,
    );
  });

  it('issue reissues every leaf of the authority by the new generation; finish drops the old one', () => {
    const issue = diffPlans(
      at({ etcdCA: { generation: 2, phase: 'trust' } }),
      at({ etcdCA: { generation: 2, phase: 'issue' } }),
    );
    expect(diffExitCode(issue)).toBe(1);
    expect(issue.impact.reissued.map((r) => r.id).sort()).toEqual([
      'cp1/apiserver-etcd-client',
      'cp1/etcd/healthcheck-client',
      'cp1/etcd/peer',
      'cp1/etcd/server',
      'cp2/apiserver-etcd-client',
      'cp2/etcd/healthcheck-client',
      'cp2/etcd/peer',
      'cp2/etcd/server',
    ]);
    expect(issue.impact.reissued[0]!.reason).toContain('issuer etcd-ca → etcd-ca-2');
    expect(issue.rotations.stages[0]!.rollout.map((s) => [s.node, s.restart.map((r) => r.component)])).toEqual([
      ['cp1', ['etcd', 'kube-apiserver']],
      ['cp2', ['etcd', 'kube-apiserver']],
    ]);
    const finish = diffPlans(
      at({ etcdCA: { generation: 2, phase: 'issue' } }),
      at({ etcdCA: { generation: 2, phase: 'finish' } }),
    );
    expect(diffExitCode(finish)).toBe(1);
    expect(finish.certificates.removed.map((c) => c.id)).toEqual(['etcd-ca']);
  });

  it.each([
    [
      'skipping trust',
      undefined,
      { etcdCA: { generation: 2, phase: 'issue' } },
      'skipping a stage',
      '{generation: 2, phase: trust}',
    ],
    [
      'skipping issue',
      { etcdCA: { generation: 2, phase: 'trust' } },
      { etcdCA: { generation: 2, phase: 'finish' } },
      'skipping a stage',
      '{generation: 2, phase: issue}',
    ],
    [
      'going back',
      { etcdCA: { generation: 2, phase: 'issue' } },
      { etcdCA: { generation: 2, phase: 'trust' } },
      'never goes back',
      'Keep {generation: 2, phase: issue}',
    ],
    [
      'dropping a finished rotation',
      { serviceAccountKey: { generation: 2, phase: 'finish' } },
      undefined,
      'never goes back',
      'Keep {generation: 2, phase: finish}',
    ],
  ] as [string, Rotation | undefined, Rotation | undefined, string, string][])(
    '%s is refused with exit 3 and what to do',
    (_title, from, to, why, fix) => {
      const diff = diffPlans(at(from), at(to));
      expect(diffExitCode(diff)).toBe(3);
      expect(diff.rotations.refused).toHaveLength(1);
      expect(diff.rotations.refused[0]!.message).toContain(why);
      expect(diff.rotations.refused[0]!.message).toContain(fix);
      expect(renderDiffMarkdown(diff)).toContain('**Blocking: rotation stage refused.**');
    },
  );

  it('a new CA algorithm or lifetime outside a rotation still blocks; inside one it goes to the new generation', () => {
    expect(diffExitCode(diffPlans(at(), at(undefined, { encryptionAlgorithm: 'RSA-2048' })))).toBe(3);
    expect(diffExitCode(diffPlans(at(), at(undefined, { caCertificateValidityPeriod: '175200h' })))).toBe(3);
    const all: Rotation = {
      clusterCA: { generation: 2, phase: 'trust' },
      etcdCA: { generation: 2, phase: 'trust' },
      frontProxyCA: { generation: 2, phase: 'trust' },
      serviceAccountKey: { generation: 2, phase: 'trust' },
    };
    const rotated = diffPlans(at(), at(all, { caCertificateValidityPeriod: '175200h' }));
    expect(rotated.impact.replacements).toEqual([]);
    expect(diffExitCode(rotated)).toBe(1);
  });

  it('the trust graph shows both generations during the overlap, the signer first', () => {
    const graph = trustGraph(
      at({ etcdCA: { generation: 2, phase: 'issue' }, serviceAccountKey: { generation: 2, phase: 'trust' } }),
    );
    const peer = graph.edges.find((e) => e.client.component === 'etcd' && e.server.component === 'etcd')!;
    expect([peer.serverTrusts, peer.clientTrusts]).toEqual(['etcd-ca-2 + etcd-ca', 'etcd-ca-2 + etcd-ca']);
    expect(graph.edges.find((e) => e.server.component === 'kube-apiserver')!.serverTrusts).toBe('ca');
    expect(graph.tokens[0]!.via).toContain('accepts sa + sa-2');
  });
});
