import { describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { buildInventory } from '../../src/review';
import { diffPlans } from '../../src/review';
import { stackSpec } from '../support/fixture-trees';
import { SpecError } from '../../src/spec';

const plan = (change: Parameters<typeof stackSpec>[2]) => planPki(stackSpec('lab', 'ECDSA-P256', change));

describe('who holds each key and who signs: plan data', () => {
  it('by default kubepki holds and signs everything', () => {
    const p = plan(undefined);
    expect(new Set(p.certificates.map((c) => `${c.keyHolder}/${c.signedBy}`))).toEqual(new Set(['kubepki/kubepki']));
  });

  it('a user with a CSR holds their key: no key is planned for them, a CertificateSigningRequest manifest is', () => {
    const p = plan((spec) => {
      spec.spec.users[0]!.csr = 'alice.csr';
    });
    const alice = p.certificates.find((c) => c.id === 'users/alice.conf')!;
    expect(alice).toMatchObject({ keyHolder: 'user', signedBy: 'kubepki', csr: 'alice.csr' });
    expect(p.files.filter((f) => f.path.startsWith('users/'))).toEqual([
      { path: 'users/alice-csr.yaml', mode: 0o644, content: { kind: 'csr-manifest', of: 'users/alice.conf' } },
      { path: 'users/alice.conf', mode: 0o600, content: { kind: 'kubeconfig', of: 'users/alice.conf' } },
    ]);
  });

  it('a CA held by cfssl, an HSM or an outside CA has no key file; its leaves say who signs them', () => {
    const p = plan((spec) => {
      spec.spec.pki.caKeys = { ca: 'cfssl', 'etcd-ca': 'hsm', 'front-proxy-ca': 'external-ca' };
    });
    expect(
      p.files
        .filter((f) => f.content.kind === 'private-key')
        .map((f) => f.content.of)
        .filter((of) => of.endsWith('ca')),
    ).toEqual([]);
    expect(p.files.some((f) => f.path === 'cp1/pki/ca.crt')).toBe(true);
    expect(p.certificates.find((c) => c.id === 'cp1/apiserver')).toMatchObject({
      keyHolder: 'kubepki',
      signedBy: 'cfssl',
    });
    expect(p.certificates.find((c) => c.id === 'cp1/etcd/server')).toMatchObject({
      keyHolder: 'kubepki',
      signedBy: 'hsm',
    });
    expect(p.certificates.find((c) => c.id === 'cp1/front-proxy-client')).toMatchObject({ signedBy: 'external-ca' });
    const inventory = buildInventory(p);
    expect(inventory.certificates.find((c) => c.id === 'ca')).toMatchObject({ keyHolder: 'cfssl', signedBy: 'cfssl' });
    expect(JSON.stringify(inventory)).not.toMatch(/PRIVATE|BEGIN/);
  });

  it('diff reports a user moving to a CSR as a new key held by the user', () => {
    const base = plan(undefined);
    const head = plan((spec) => {
      spec.spec.users[0]!.csr = 'alice.csr';
    });
    const text = JSON.stringify(diffPlans(base, head));
    expect(text).toContain('key held by kubepki → user');
  });
});

describe('a rotation of a CA whose key is held elsewhere', () => {
  it('is refused as a spec error naming the rotation field, the key holder and the two ways out', () => {
    for (const holder of ['cfssl', 'hsm', 'external-ca'] as const) {
      let error: unknown;
      try {
        stackSpec('lab', 'ECDSA-P256', (spec) => {
          spec.spec.pki.caKeys = { ca: holder };
          spec.spec.pki.rotation = {
            clusterCA: { generation: 2, phase: 'trust' },
            etcdCA: { generation: 2, phase: 'trust' },
          };
        });
      } catch (e) {
        error = e;
      }
      expect(error, holder).toBeInstanceOf(SpecError);
      const issues = (error as SpecError).issues;
      expect(issues.map((i) => [i.code, i.path])).toEqual([
        ['rotation_of_key_held_elsewhere', 'spec.pki.rotation.clusterCA'],
      ]);
      expect(issues[0]!.message).toContain(`the ca key is held by "${holder}" (spec.pki.caKeys.ca)`);
      expect(issues[0]!.message).toContain(
        'Remove pki.rotation.clusterCA and rotate that CA where its key lives, or set spec.pki.caKeys.ca: kubepki',
      );
    }
  });

  it('a CA kubepki holds still rotates beside one held elsewhere', () => {
    const p = plan((spec) => {
      spec.spec.pki.caKeys = { ca: 'hsm', 'etcd-ca': 'kubepki' };
      spec.spec.pki.rotation = { etcdCA: { generation: 2, phase: 'trust' } };
    });
    expect(p.certificates.filter((c) => c.isCa).map((c) => `${c.id}:${c.keyHolder}`)).toEqual([
      'ca:hsm',
      'etcd-ca:kubepki',
      'etcd-ca-2:kubepki',
      'front-proxy-ca:kubepki',
    ]);
  });
});
