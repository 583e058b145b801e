import { describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { buildInventory, diffPlans, renderInventoryMarkdown } from '../../src/review';
import { stackSpec } from '../support/fixture-trees';
import { issuesOf, minimalDocument } from '../spec/spec-test-documents';

const withParents = (spec: ReturnType<typeof stackSpec>) => {
  spec.spec.pki.caParents = {
    ca: { certificate: 'roots/offline.crt' },
    'etcd-ca': { certificate: 'roots/offline.crt' },
  };
};

describe('intermediate CAs under an offline root: plan data', () => {
  const plan = planPki(stackSpec('lab', 'ECDSA-P256', withParents));

  it('says who signs each CA (the offline root, by its certificate file) and that kubepki holds the intermediate key', () => {
    expect(plan.certificates.find((c) => c.id === 'ca')).toMatchObject({
      keyHolder: 'kubepki',
      signedBy: 'offline-root',
      parent: 'roots/offline.crt',
      pathLength: 0,
      isCa: true,
    });
    expect(plan.certificates.find((c) => c.id === 'etcd-ca')).toMatchObject({
      signedBy: 'offline-root',
      parent: 'roots/offline.crt',
    });
    const frontProxy = plan.certificates.find((c) => c.id === 'front-proxy-ca')!;
    expect(frontProxy.signedBy).toBe('kubepki');
    expect(frontProxy.parent).toBeUndefined();
    const inventory = buildInventory(plan);
    expect(inventory.certificates.find((c) => c.id === 'ca')).toMatchObject({
      keyHolder: 'kubepki',
      signedBy: 'offline-root',
      parent: 'roots/offline.crt',
    });
    expect(renderInventoryMarkdown(inventory)).toMatch(
      /\| `ca` \|.*\| kubepki \| offline-root \(roots\/offline\.crt\) \|/,
    );
  });

  it('constrains the front-proxy intermediate to no host names, and no other CA', () => {
    expect(plan.certificates.filter((c) => c.nameConstraints !== undefined)).toEqual([]);
    const all = planPki(
      stackSpec(
        'lab',
        'ECDSA-P256',
        (spec) =>
          (spec.spec.pki.caParents = {
            ca: { certificate: 'r.crt' },
            'etcd-ca': { certificate: 'r.crt' },
            'front-proxy-ca': { certificate: 'r.crt' },
          }),
      ),
    );
    expect(
      all.certificates.filter((c) => c.nameConstraints !== undefined).map((c) => [c.id, c.nameConstraints]),
    ).toEqual([['front-proxy-ca', 'no-host-names']]);
  });

  it('plans the CSR beside each intermediate key, the intermediate alone in trust files, and chains in serving files', () => {
    const file = (path: string) => plan.files.find((f) => f.path === path);
    expect(file('cp1/pki/ca.csr')).toEqual({
      path: 'cp1/pki/ca.csr',
      mode: 0o644,
      content: { kind: 'certification-request', of: 'ca' },
    });
    expect(file('cp1/pki/etcd/ca.csr')?.content).toEqual({ kind: 'certification-request', of: 'etcd-ca' });
    expect(file('cp1/pki/front-proxy-ca.csr')).toBeUndefined();
    expect(file('w1/pki/ca.csr')).toBeUndefined();
    expect(file('cp1/pki/ca.crt')?.content).toEqual({ kind: 'certificate', of: 'ca' });
    expect(file('w1/pki/ca.crt')?.content).toEqual({ kind: 'certificate', of: 'ca' });
    expect(file('cp1/pki/apiserver.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp1/apiserver',
      bundle: ['ca'],
    });
    expect(file('cp1/pki/etcd/server.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp1/etcd/server',
      bundle: ['etcd-ca'],
    });
    expect(file('cp1/pki/etcd/peer.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp1/etcd/peer',
      bundle: ['etcd-ca'],
    });
    // Client certificates travel alone; a self-signed CA's serving certificates too.
    expect(file('cp1/pki/apiserver-etcd-client.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp1/apiserver-etcd-client',
    });
    expect(file('cp1/pki/front-proxy-client.crt')?.content).toEqual({
      kind: 'certificate',
      of: 'cp1/front-proxy-client',
    });
  });

  it('a CA that becomes an intermediate is a replacement the diff blocks', () => {
    const base = planPki(stackSpec('lab', 'ECDSA-P256'));
    const diff = diffPlans(base, plan);
    expect(diff.impact.replacements.map((r) => [r.id, r.changes])).toEqual([
      ['ca', ['signed by kubepki → offline-root (roots/offline.crt)']],
      ['etcd-ca', ['signed by kubepki → offline-root (roots/offline.crt)']],
    ]);
  });
});

describe('spec.pki.caParents refusals', () => {
  it('an intermediate whose key is held elsewhere, being rotated, or for an external etcd', () => {
    const issues = issuesOf(
      minimalDocument({
        etcd: { external: { endpoints: ['https://10.0.0.5:2379'] } },
        pki: {
          caParents: {
            ca: { certificate: 'root.crt' },
            'etcd-ca': { certificate: 'root.crt' },
            'front-proxy-ca': { certificate: 'root.crt' },
          },
          caKeys: { ca: 'hsm' },
          rotation: { frontProxyCA: { generation: 2, phase: 'trust' } },
        },
      }),
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['spec.pki.caParents.ca', 'parent_with_key_elsewhere'],
      ['spec.pki.caParents.etcd-ca', 'parent_without_authority'],
      ['spec.pki.caParents.front-proxy-ca', 'parent_with_rotation'],
    ]);
    expect(issues[0]!.message).toMatch(
      /spec\.pki\.caKeys\.ca is "hsm": an intermediate's key is made and kept by kubepki/,
    );
  });

  it('an unknown CA or field', () => {
    const issues = issuesOf(
      minimalDocument({ pki: { caParents: { 'kubelet-ca': { certificate: 'root.crt' }, ca: { cert: 'root.crt' } } } }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.pki.caParents.ca.cert',
      'spec.pki.caParents.ca.certificate',
      'spec.pki.caParents.kubelet-ca',
    ]);
  });
});
