import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, type RotatableAuthority, type RotationPhase } from '../../src/spec';
import { planPki, type PkiPlan } from '../../src/plan';
import { diffPlans } from '../../src/review';
import { parseKubeconfig, serviceAccountKeyIds } from '../../src/outputs';
import { realizeLocal } from '../../src/realize/local';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { LifecycleStack, type DeploymentResult } from '../support/pulumi-lifecycle/lifecycle-stack';
import { copyProject } from '../support/pulumi-lifecycle/lifecycle-project';
import { cleanTree, listTree, treeReport } from '../support/pulumi-lifecycle/tree-listing';

// `pulumi up` through a staged rotation of every authority at once (the three CAs and the sa key), which also brings
// in a new CA lifetime, on one stack state (the lab stack, ECDSA-P256): trust → issue → finish, then the up that
// deletes the released generation.
// After every up the tree holds exactly what `kubepki generate --prune` writes for the same stage (the same files,
// modes, trust bundles, signers and sa.pub labels; `verify --spec` has no error), and nothing protected is deleted
// before finish.

const rotated: RotatableAuthority[] = ['clusterCA', 'frontProxyCA', 'etcdCA', 'serviceAccountKey'];
const copy = copyProject('lab', (text) =>
  text.replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256'),
);
const stack = new LifecycleStack(copy.project());
const generated = temporaryDirectory('kubepki-rotation-generate-');
const currentPlan = (): PkiPlan => planPki(loadSpecFile(copy.specFile));
const out = (rel: string) => path.join(copy.outDir, rel);
const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const digest = (rel: string) =>
  createHash('sha256')
    .update(fs.readFileSync(out(rel)))
    .digest('hex');
const treeDigests = () => new Map(listTree(copy.outDir).files.map((f) => [f, digest(f)]));
const changes = (result: DeploymentResult) => result.steps.filter((s) => s.op !== 'same');
const authorityTypes = new Set(['tls:index/privateKey:PrivateKey', 'tls:index/selfSignedCert:SelfSignedCert']);
/** The authorities in the stack's state (CA keys and certificates, sa keys), by name, with their protection. */
const authorities = () =>
  new Map(
    stack.resources
      .filter(
        (r) => authorityTypes.has(r.type) && (r.protect || /^lab\/(ca|front-proxy-ca|etcd-ca|sa)(-\d+)?$/.test(r.name)),
      )
      .map((r) => [`${r.type.split(':').pop()} ${r.name}`, r.protect]),
  );
const certificatesIn = (text: string) =>
  (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
const cnOf = (name: string) => /CN=([^\n,]+)/.exec(name)?.[1];
/** What a tree says about the stage: trust bundles (CNs, signer first), who signed the leaves, sa.pub's keys. */
function stageFacts(root: string) {
  const cns = (rel: string) => certificatesIn(read(root, rel)).map((c) => cnOf(c.subject));
  const issuer = (rel: string) => cnOf(certificatesIn(read(root, rel))[0]!.issuer);
  const alice = parseKubeconfig(read(root, 'users/alice.conf'));
  return {
    'cp1/pki/ca.crt': cns('cp1/pki/ca.crt'),
    'w1/pki/ca.crt': cns('w1/pki/ca.crt'),
    'cp1/pki/ca-signer.crt': cns('cp1/pki/ca-signer.crt'),
    'cp1/pki/front-proxy-ca.crt': cns('cp1/pki/front-proxy-ca.crt'),
    'cp1/pki/etcd/ca.crt': cns('cp1/pki/etcd/ca.crt'),
    'apiserver issuer': issuer('cp1/pki/apiserver.crt'),
    'front-proxy-client issuer': issuer('cp1/pki/front-proxy-client.crt'),
    'alice.conf CAs': certificatesIn(alice.caCertificatePem ?? '').map((c) => cnOf(c.subject)),
    'alice.conf issuer': cnOf(new X509Certificate(alice.clientCertificatePem!).issuer),
    'sa.pub keys': serviceAccountKeyIds(read(root, 'cp1/pki/sa.pub')),
  };
}

function setStage(phase: RotationPhase | undefined, generation = 2): void {
  copy.editSpec((s) => {
    if (phase === undefined) delete s.spec.pki.rotation;
    else s.spec.pki.rotation = Object.fromEntries(rotated.map((a) => [a, { generation, phase }]));
  });
}

/** One `pulumi up`, and `kubepki generate --prune` of the same spec into its own tree: the two must agree. */
async function upAndCompare(): Promise<DeploymentResult> {
  const before = authorities();
  const result = await stack.up();
  expect(result.errors).toEqual([]);
  const plan = currentPlan();
  expect(treeReport(copy.outDir, plan)).toEqual(cleanTree);
  await realizeLocal(plan, generated, { prune: true });
  const [fromPulumi, fromGenerate] = [listTree(copy.outDir), listTree(generated)];
  expect(fromPulumi.files).toEqual(fromGenerate.files);
  expect([...fromPulumi.modes]).toEqual([...fromGenerate.modes]);
  expect(stageFacts(copy.outDir)).toEqual(stageFacts(generated));
  // Nothing protected left the state (what finish releases stays, unprotected, until the next up).
  for (const [name, protect] of before) if (protect) expect(authorities().has(name), name).toBe(true);
  return result;
}

describe('pulumi up through a staged rotation (cluster, front-proxy and etcd CAs, sa key)', () => {
  beforeAll(async () => {
    const first = await stack.up();
    expect(first.errors).toEqual([]);
    await realizeLocal(currentPlan(), generated);
  }, 120_000);
  afterAll(() => {
    removeTree(copy.dir);
    removeTree(generated);
  });

  it('a skipped stage is refused before anything changes, with the message `kubepki diff` gives', async () => {
    const before = treeDigests();
    const base = currentPlan();
    setStage('issue');
    const preview = await stack.preview();
    const refused = await stack.up();
    const expected = diffPlans(base, currentPlan()).rotations.refused.find(
      (r) => r.authority === 'serviceAccountKey',
    )!.message;
    for (const result of [preview, refused]) {
      expect(result.errors.join('\n')).toContain('kubepki refuses this rotation stage');
      expect(result.errors.join('\n')).toContain(`cp1/pki/sa.pub: ${expected}`);
      expect(result.errors.join('\n')).toContain('the trust stage was skipped'); // the CAs, as generate says it
      expect(changes(result)).toEqual([]);
    }
    expect(treeDigests()).toEqual(before);
  }, 120_000);

  it('trust: new authority resources beside the old ones, protected; bundles hold both; nothing is reissued', async () => {
    const leafKey = digest('cp1/pki/apiserver.key');
    const leafCert = digest('cp1/pki/apiserver.crt');
    const saKey = digest('cp1/pki/sa.key');
    const oldCa = digest('cp1/pki/ca.crt');
    const oldCaPem = read(copy.outDir, 'cp1/pki/ca.crt');
    setStage('trust');
    // A new CA lifetime comes in through the rotation: the new generations get it, the old ones stay as they are.
    copy.editSpec((s) => void (s.spec.pki.caCertificateValidityPeriod = '43800h'));
    const result = await upAndCompare();
    const created = changes(result)
      .filter((s) => s.op === 'create' && authorityTypes.has(s.type))
      .map((s) => s.name)
      .sort();
    expect(created).toEqual([
      'lab/ca-2',
      'lab/ca-2',
      'lab/etcd-ca-2',
      'lab/etcd-ca-2',
      'lab/front-proxy-ca-2',
      'lab/front-proxy-ca-2',
      'lab/sa-2',
    ]);
    const lifetimeHours = (rel: string) =>
      Math.round(
        (Date.parse(new X509Certificate(read(copy.outDir, rel)).validTo) -
          Date.parse(new X509Certificate(read(copy.outDir, rel)).validFrom)) /
          3600_000,
      );
    expect(lifetimeHours('cp1/pki/ca-2.crt')).toBe(43800);
    expect(
      certificatesIn(read(copy.outDir, 'cp1/pki/ca.crt'))[0]!.raw.equals(
        certificatesIn(fs.readFileSync(out('cp1/pki/ca-signer.crt'), 'utf8'))[0]!.raw,
      ),
    ).toBe(true);
    expect(read(copy.outDir, 'cp1/pki/ca.crt').startsWith(oldCaPem)).toBe(true);
    expect(oldCa).not.toBe(digest('cp1/pki/ca.crt'));
    expect(changes(result).filter((s) => s.op === 'replace' || s.op === 'delete')).toEqual([]);
    for (const name of [
      'PrivateKey lab/ca',
      'SelfSignedCert lab/ca',
      'PrivateKey lab/ca-2',
      'SelfSignedCert lab/ca-2',
      'PrivateKey lab/sa',
      'PrivateKey lab/sa-2',
    ]) {
      expect(authorities().get(name), name).toBe(true);
    }
    expect(stageFacts(copy.outDir)).toMatchObject({
      'cp1/pki/ca.crt': ['kubernetes', 'kubernetes-2'],
      'apiserver issuer': 'kubernetes',
      'sa.pub keys': ['sa', 'sa-2'],
    });
    expect([digest('cp1/pki/apiserver.key'), digest('cp1/pki/apiserver.crt'), digest('cp1/pki/sa.key')]).toEqual([
      leafKey,
      leafCert,
      saKey,
    ]);
    expect(changes(await stack.up()), 'a second up changes nothing').toEqual([]);
  }, 180_000);

  it('issue: every leaf is re-signed by the new CAs with its key kept, the new sa key signs, both stay trusted', async () => {
    const leafKey = digest('cp1/pki/apiserver.key');
    const newSaKey = digest('cp1/pki/sa-2.key');
    setStage('issue');
    const result = await upAndCompare();
    // Re-signing replaces the certificates (their CA inputs change); keys and requests stay.
    const replaced = changes(result).filter((s) => s.op === 'replace');
    expect(replaced.length).toBeGreaterThan(0);
    expect(
      replaced.filter(
        (s) => s.type === 'tls:index/privateKey:PrivateKey' || s.type === 'tls:index/certRequest:CertRequest',
      ),
    ).toEqual([]);
    expect(digest('cp1/pki/apiserver.key')).toBe(leafKey);
    expect(digest('cp1/pki/sa.key')).toBe(newSaKey);
    expect(fs.existsSync(out('cp1/pki/sa-2.key'))).toBe(false); // the waiting copy goes, as with generate --prune
    expect(stageFacts(copy.outDir)).toMatchObject({
      'cp1/pki/ca.crt': ['kubernetes-2', 'kubernetes'],
      'apiserver issuer': 'kubernetes-2',
      'front-proxy-client issuer': 'front-proxy-ca-2',
      'alice.conf issuer': 'kubernetes-2',
      'sa.pub keys': ['sa-2', 'sa'],
    });
    for (const name of [
      'PrivateKey lab/ca',
      'SelfSignedCert lab/ca',
      'PrivateKey lab/front-proxy-ca',
      'PrivateKey lab/sa',
    ])
      expect(authorities().get(name), name).toBe(true);
    expect(changes(await stack.up()), 'a second up changes nothing').toEqual([]);
  }, 180_000);

  it('finish: the old generation leaves every trust file and is released (unprotected); the next up deletes it, and only it', async () => {
    setStage('finish');
    const released = [
      'PrivateKey lab/ca',
      'SelfSignedCert lab/ca',
      'PrivateKey lab/etcd-ca',
      'SelfSignedCert lab/etcd-ca',
      'PrivateKey lab/front-proxy-ca',
      'SelfSignedCert lab/front-proxy-ca',
      'PrivateKey lab/sa',
    ];
    const result = await upAndCompare();
    expect(changes(result).filter((s) => s.op === 'delete' && authorityTypes.has(s.type))).toEqual([]);
    for (const name of released) expect(authorities().get(name), name).toBe(false);
    for (const name of [
      'PrivateKey lab/ca-2',
      'SelfSignedCert lab/ca-2',
      'PrivateKey lab/sa-2',
      'PrivateKey lab/etcd-ca-2',
    ])
      expect(authorities().get(name), name).toBe(true);
    expect(stageFacts(copy.outDir)).toMatchObject({
      'cp1/pki/ca.crt': ['kubernetes-2'],
      'w1/pki/ca.crt': ['kubernetes-2'],
      'alice.conf CAs': ['kubernetes-2'],
      'sa.pub keys': ['sa-2'],
    });

    const tree = treeDigests();
    const release = await stack.up();
    expect(release.errors).toEqual([]);
    expect(
      changes(release)
        .map((s) => `${s.op} ${s.type.split(':').pop()} ${s.name}`)
        .sort(),
    ).toEqual(released.map((r) => `delete ${r}`).sort());
    expect(treeDigests()).toEqual(tree);
    expect(treeReport(copy.outDir, currentPlan())).toEqual(cleanTree);
    expect(changes(await stack.up()), 'then nothing changes').toEqual([]);
  }, 180_000);

  it('going back after finish is refused; the next rotation starts from the new generation', async () => {
    const before = treeDigests();
    setStage('issue');
    const back = await stack.preview();
    expect(back.errors.join('\n')).toContain(
      'goes back from {generation: 2, phase: finish} to {generation: 2, phase: issue}',
    );
    expect(treeDigests()).toEqual(before);
    setStage('trust', 3);
    await upAndCompare();
    expect(stageFacts(copy.outDir)).toMatchObject({
      'cp1/pki/ca.crt': ['kubernetes-2', 'kubernetes-3'],
      'sa.pub keys': ['sa-2', 'sa-3'],
    });
  }, 180_000);
});

describe('pulumi up through a rotation that brings in a new algorithm (ECDSA-P256 → ECDSA-P384)', () => {
  // ECDSA-P384 needs kubeadm 1.34 (spec check), so this cluster runs it.
  const project = copyProject('lab', (text) =>
    text
      .replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256')
      .replace(/kubernetesVersion: \S+/, 'kubernetesVersion: v1.34.0'),
  );
  const lab = new LifecycleStack(project.project());
  const reference = temporaryDirectory('kubepki-rotation-algorithm-generate-');
  const planOf = () => planPki(loadSpecFile(project.specFile));
  const keyCurve = (root: string, rel: string) =>
    createPrivateKey(read(root, rel)).asymmetricKeyDetails?.namedCurve ?? '?';
  const curves = (root: string) =>
    Object.fromEntries(
      ['cp1/pki/ca.key', 'cp1/pki/sa.key', 'cp1/pki/apiserver.key', 'cp1/pki/etcd/server.key'].map((rel) => [
        rel,
        keyCurve(root, rel),
      ]),
    );
  afterAll(() => {
    removeTree(project.dir);
    removeTree(reference);
  });

  it('trust keeps every existing key (the old generation and its leaves); issue gives the leaves new keys of the new algorithm; both engines agree', async () => {
    expect((await lab.up()).errors).toEqual([]);
    await realizeLocal(planOf(), reference);
    const apiserverKey = fs.readFileSync(path.join(project.outDir, 'cp1/pki/apiserver.key'), 'utf8');
    for (const phase of ['trust', 'issue', 'finish'] as const) {
      project.editSpec((s) => {
        s.spec.pki.encryptionAlgorithm = 'ECDSA-P384';
        s.spec.pki.rotation = Object.fromEntries(rotated.map((a) => [a, { generation: 2, phase }]));
      });
      const result = await lab.up();
      expect(result.errors.join('\n').slice(0, 1500), phase).toEqual('');
      if (phase === 'trust')
        expect(
          changes(result).filter((s) => s.op === 'replace'),
          'trust replaces nothing',
        ).toEqual([]);
      const plan = planOf();
      expect(treeReport(project.outDir, plan), phase).toEqual(cleanTree);
      await realizeLocal(plan, reference, { prune: true });
      expect(listTree(project.outDir).files).toEqual(listTree(reference).files);
      expect(stageFacts(project.outDir), phase).toEqual(stageFacts(reference));
      expect(curves(project.outDir), phase).toEqual(curves(reference));
      if (phase === 'trust')
        expect(fs.readFileSync(path.join(project.outDir, 'cp1/pki/apiserver.key'), 'utf8')).toBe(apiserverKey);
    }
    expect(curves(project.outDir)).toEqual({
      'cp1/pki/ca.key': 'secp384r1',
      'cp1/pki/sa.key': 'secp384r1',
      'cp1/pki/apiserver.key': 'secp384r1',
      'cp1/pki/etcd/server.key': 'secp384r1',
    });
    expect(changes(await lab.up()).map((s) => s.op)).toEqual([
      'delete',
      'delete',
      'delete',
      'delete',
      'delete',
      'delete',
      'delete',
    ]);
    expect(changes(await lab.up())).toEqual([]);
  }, 240_000);
});
