import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal, RealizeError } from '../../src/realize/local';
import type { RotatableAuthority, RotationPhase } from '../../src/spec';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { readTreeState } from './tree-state';
import { diffPlans } from '../../src/review';
import { parseServiceAccountPublicKeys } from '../../src/crypto';

const certificatesOf = (text: string) =>
  (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
const cnOf = (subject: string) => /CN=([^\n,]+)/.exec(subject)?.[1];
const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');
const cnsOf = (dir: string, rel: string) => certificatesOf(read(dir, rel)).map((c) => cnOf(c.subject));
const issuerOf = (dir: string, rel: string) => cnOf(certificatesOf(read(dir, rel))[0]!.issuer);
const kubeconfigCas = (dir: string, rel: string) => {
  const data = /certificate-authority-data: (\S+)/.exec(read(dir, rel))![1]!;
  return certificatesOf(Buffer.from(data, 'base64').toString('utf8')).map((c) => cnOf(c.subject));
};
const kubeconfigClientIssuer = (dir: string, rel: string) => {
  const data = /client-certificate-data: (\S+)/.exec(read(dir, rel))![1]!;
  return cnOf(new X509Certificate(Buffer.from(data, 'base64')).issuer);
};

function rotationPlan(
  rotation: Partial<Record<RotatableAuthority, { generation: number; phase: RotationPhase }>>,
): PkiPlan {
  return planPki(stackSpec('lab', 'ECDSA-P256', (s) => void (s.spec.pki.rotation = rotation)));
}

async function refusal(plan: PkiPlan, dir: string): Promise<string> {
  const before = readTreeState(dir);
  const error = await realizeLocal(plan, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealizeError);
  expect(readTreeState(dir)).toEqual(before); // nothing written
  return (error as RealizeError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

describe('an etcd-CA rotation through generate: trust → issue → finish', () => {
  let dir: string;
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-rotation-');
    await realizeLocal(rotationPlan({}), dir);
  });
  afterAll(() => removeTree(dir));

  it('trust: the new CA joins the trust bundle, nothing is reissued, the old CA still signs', async () => {
    const before = read(dir, 'cp1/pki/etcd/server.crt');
    const oldKey = read(dir, 'cp1/pki/etcd/ca.key');
    const report = await realizeLocal(rotationPlan({ etcdCA: { generation: 2, phase: 'trust' } }), dir);
    expect(cnsOf(dir, 'cp1/pki/etcd/ca.crt')).toEqual(['etcd-ca', 'etcd-ca-2']);
    expect(read(dir, 'cp1/pki/etcd/ca.key')).toBe(oldKey);
    expect(cnsOf(dir, 'cp1/pki/etcd/ca-2.crt')).toEqual(['etcd-ca-2']);
    const newCa = new X509Certificate(read(dir, 'cp1/pki/etcd/ca-2.crt'));
    expect(newCa.checkPrivateKey(createPrivateKey(read(dir, 'cp1/pki/etcd/ca-2.key')))).toBe(true);
    expect(fs.statSync(path.join(dir, 'cp1/pki/etcd/ca-2.key')).mode & 0o777).toBe(0o600);
    expect(read(dir, 'cp1/pki/etcd/server.crt')).toBe(before);
    const reissued = report.changes.filter((c) => c.action === 'reissued').map((c) => c.path);
    expect(reissued).toEqual([]);
    // The other authorities are untouched.
    expect(cnsOf(dir, 'cp1/pki/ca.crt')).toEqual(['kubernetes']);
  });

  it('trust again is a no-op; going back to no rotation is refused with what to do', async () => {
    const again = await realizeLocal(rotationPlan({ etcdCA: { generation: 2, phase: 'trust' } }), dir);
    expect(again.changes.filter((c) => c.action !== 'kept').map((c) => c.path)).toEqual([]);
  });

  it('finish before issue is refused: the issue stage was skipped', async () => {
    const message = await refusal(rotationPlan({ etcdCA: { generation: 2, phase: 'finish' } }), dir);
    expect(message).toContain('the issue stage was skipped');
    expect(message).toContain('spec.pki.rotation.etcdCA: {generation: 2, phase: issue}');
  });

  it('issue: every etcd leaf is reissued by etcd-ca-2 with its key kept, both stay trusted, the new key signs', async () => {
    const serverKey = read(dir, 'cp1/pki/etcd/server.key');
    const report = await realizeLocal(rotationPlan({ etcdCA: { generation: 2, phase: 'issue' } }), dir);
    expect(cnsOf(dir, 'cp1/pki/etcd/ca.crt')).toEqual(['etcd-ca-2', 'etcd-ca']);
    expect(
      new X509Certificate(read(dir, 'cp1/pki/etcd/ca.crt')).checkPrivateKey(
        createPrivateKey(read(dir, 'cp1/pki/etcd/ca.key')),
      ),
    ).toBe(true);
    for (const leaf of ['etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client']) {
      expect(issuerOf(dir, `cp1/pki/${leaf}.crt`)).toBe('etcd-ca-2');
      const ca = new X509Certificate(read(dir, 'cp1/pki/etcd/ca-2.crt'));
      expect(new X509Certificate(read(dir, `cp1/pki/${leaf}.crt`)).verify(ca.publicKey)).toBe(true);
    }
    expect(read(dir, 'cp1/pki/etcd/server.key')).toBe(serverKey);
    expect(report.changes.find((c) => c.path === 'cp1/pki/etcd/server.crt')?.reason).toContain('issued by etcd-ca');
    // Leaves of other authorities are not touched.
    expect(report.changes.find((c) => c.path === 'cp1/pki/apiserver.crt')?.action).toBe('kept');
  });

  it('going back from issue to trust is refused', async () => {
    const message = await refusal(rotationPlan({ etcdCA: { generation: 2, phase: 'trust' } }), dir);
    expect(message).toContain('never goes back');
  });

  it('finish: the old CA leaves the bundle; the new one alone remains', async () => {
    await realizeLocal(rotationPlan({ etcdCA: { generation: 2, phase: 'finish' } }), dir);
    expect(cnsOf(dir, 'cp1/pki/etcd/ca.crt')).toEqual(['etcd-ca-2']);
    const again = await realizeLocal(rotationPlan({ etcdCA: { generation: 2, phase: 'finish' } }), dir);
    expect(again.changes.filter((c) => c.action !== 'kept' && c.action !== 'stale').map((c) => c.path)).toEqual([]);
  });

  it('dropping the finished rotation from the spec is going back, and refused', async () => {
    const message = await refusal(rotationPlan({}), dir);
    expect(message).toMatch(/etcd-ca-2 signs|never goes back/);
  });
});

describe('a cluster-CA and sa-key rotation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-rotation-');
    await realizeLocal(rotationPlan({}), dir);
  });
  afterAll(() => removeTree(dir));

  it('issue before trust is refused', async () => {
    expect(await refusal(rotationPlan({ clusterCA: { generation: 2, phase: 'issue' } }), dir)).toContain(
      'the trust stage was skipped',
    );
    expect(await refusal(rotationPlan({ serviceAccountKey: { generation: 2, phase: 'issue' } }), dir)).toContain(
      'skipping a stage (each stage must be rolled out on every node before the next, or clients and servers stop trusting each other). Set {generation: 2, phase: trust} first',
    );
  });

  it('walks all three stages: bundles in ca.crt, workers and kubeconfigs; ca-signer.crt single; sa.pub with both keys', async () => {
    const stage = (phase: RotationPhase) =>
      rotationPlan({ clusterCA: { generation: 2, phase }, serviceAccountKey: { generation: 2, phase } });
    const oldSa = read(dir, 'cp1/pki/sa.key');
    await realizeLocal(stage('trust'), dir);
    expect(cnsOf(dir, 'cp1/pki/ca.crt')).toEqual(['kubernetes', 'kubernetes-2']);
    expect(cnsOf(dir, 'w1/pki/ca.crt')).toEqual(['kubernetes', 'kubernetes-2']);
    expect(cnsOf(dir, 'cp1/pki/ca-signer.crt')).toEqual(['kubernetes']);
    expect(kubeconfigCas(dir, 'users/alice.conf')).toEqual(['kubernetes', 'kubernetes-2']);
    expect(kubeconfigClientIssuer(dir, 'users/alice.conf')).toBe('kubernetes');
    expect(read(dir, 'cp1/pki/sa.key')).toBe(oldSa);
    expect(read(dir, 'cp1/pki/sa.pub').match(/BEGIN PUBLIC KEY/g)).toHaveLength(2);
    const newSa = read(dir, 'cp1/pki/sa-2.key');

    await realizeLocal(stage('issue'), dir);
    expect(cnsOf(dir, 'cp1/pki/ca.crt')).toEqual(['kubernetes-2', 'kubernetes']);
    expect(cnsOf(dir, 'cp1/pki/ca-signer.crt')).toEqual(['kubernetes-2']);
    expect(kubeconfigClientIssuer(dir, 'users/alice.conf')).toBe('kubernetes-2');
    expect(kubeconfigClientIssuer(dir, 'w1/kubelet.conf')).toBe('kubernetes-2');
    expect(issuerOf(dir, 'cp1/pki/apiserver.crt')).toBe('kubernetes-2');
    expect(issuerOf(dir, 'cp1/pki/front-proxy-client.crt')).toBe('front-proxy-ca');
    expect(read(dir, 'cp1/pki/sa.key')).toBe(newSa);
    const published = read(dir, 'cp1/pki/sa.pub').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g)!;
    expect(
      published.map((pem) => createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('hex')),
    ).toEqual(
      [newSa, oldSa].map((pem) => createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('hex')),
    );

    await realizeLocal(stage('finish'), dir);
    expect(cnsOf(dir, 'cp1/pki/ca.crt')).toEqual(['kubernetes-2']);
    expect(kubeconfigCas(dir, 'users/alice.conf')).toEqual(['kubernetes-2']);
    expect(read(dir, 'cp1/pki/sa.pub').match(/BEGIN PUBLIC KEY/g)).toHaveLength(1);
    expect(read(dir, 'cp1/pki/sa.key')).toBe(newSa);
  });
});

describe('sa-key generations told apart by generate, as the diff does', () => {
  let dir: string;
  const sa = (generation: number, phase: RotationPhase) => rotationPlan({ serviceAccountKey: { generation, phase } });
  /** What `kubepki diff` refuses between the same two stages: generate must say the same. */
  const diffRefusal = (base: PkiPlan, head: PkiPlan) => diffPlans(base, head).rotations.refused.map((r) => r.message);
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-sa-generations-');
    await realizeLocal(rotationPlan({}), dir);
  });
  afterAll(() => removeTree(dir));

  it('a never-rotated tree asked for {2, finish} is refused: trust and issue were skipped (the old key would pass for the new one)', async () => {
    const message = await refusal(sa(2, 'finish'), dir);
    expect(message).toBe(`cp1/pki/sa.pub: ${diffRefusal(rotationPlan({}), sa(2, 'finish'))[0]}`);
    expect(message).toContain('jumps from {generation: 1, phase: finish} to {generation: 2, phase: finish}');
  });

  it('sa.pub names every key of generation 2 and later; generation 1 stays as kubeadm writes it', async () => {
    const untouched = read(dir, 'cp1/pki/sa.pub');
    expect(untouched).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    await realizeLocal(sa(2, 'trust'), dir);
    expect(read(dir, 'cp1/pki/sa.pub')).toMatch(
      /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\n# kubepki service-account key sa-2\n-----BEGIN PUBLIC KEY-----/,
    );
    expect(read(dir, 'cp1/pki/sa.pub').startsWith(untouched)).toBe(true);
    // Both keys still parse as kube-apiserver's --service-account-key-file would read them (text outside PEM skipped).
    expect(parseServiceAccountPublicKeys(read(dir, 'cp1/pki/sa.pub'))).toHaveLength(2);
    await realizeLocal(sa(2, 'issue'), dir, { prune: true });
    await realizeLocal(sa(2, 'finish'), dir, { prune: true });
    expect(read(dir, 'cp1/pki/sa.pub')).toMatch(
      /^# kubepki service-account key sa-2\n-----BEGIN PUBLIC KEY-----[^#]+$/,
    );
    expect(fs.existsSync(path.join(dir, 'cp1/pki/sa-2.key'))).toBe(false); // pruned: the label alone tells the generation
  });

  it("after a pruned rotation: skipping to {3, finish}, going back to {2, issue} or to no rotation are refused with the diff's message", async () => {
    const finished = sa(2, 'finish');
    for (const head of [sa(3, 'finish'), sa(3, 'issue'), sa(2, 'issue'), rotationPlan({})]) {
      const message = await refusal(head, dir);
      const expected = diffRefusal(finished, head);
      expect(expected).toHaveLength(1);
      expect(message).toBe(`cp1/pki/sa.pub: ${expected[0]}`);
    }
    // The correct next stage still goes ahead.
    await realizeLocal(sa(3, 'trust'), dir);
    expect(read(dir, 'cp1/pki/sa.pub')).toMatch(
      /^# kubepki service-account key sa-2\n[\s\S]+\n# kubepki service-account key sa-3\n/,
    );
  });
});
