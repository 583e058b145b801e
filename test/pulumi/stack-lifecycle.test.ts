import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ParsedCertificate } from '../../src/crypto';
import { parseKubeconfig } from '../../src/outputs';
import { loadSpecFile } from '../../src/spec';
import { planPki, type PkiPlan } from '../../src/plan';
import { diffPlans } from '../../src/review';
import { removeTree } from '../support/fixture-trees';
import { realizeLocal } from '../../src/realize/local';
import { LifecycleStack, type DeploymentResult, type Step } from '../support/pulumi-lifecycle/lifecycle-stack';
import { copyProject } from '../support/pulumi-lifecycle/lifecycle-project';
import { cleanTree, listTree, treeReport } from '../support/pulumi-lifecycle/tree-listing';

// The life of the lab stack (ECDSA-P256 for speed) as a user lives it, one `pulumi up` after another on one stack
// state: spec changes, a refused CA change, renewal, destroy, and protection lifted. After every up the tree holds
// exactly the planned files and `kubepki verify --spec` finds no error; `pulumi preview` lists the changes
// `kubepki diff` reports.

const copy = copyProject('lab', (text) =>
  text.replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256'),
);
const stack = new LifecycleStack(copy.project());
const currentPlan = (): PkiPlan => planPki(loadSpecFile(copy.specFile));
const out = (rel: string) => path.join(copy.outDir, rel);
const digest = (rel: string) =>
  createHash('sha256')
    .update(fs.readFileSync(out(rel)))
    .digest('hex');
const treeDigests = () => new Map(listTree(copy.outDir).files.map((f) => [f, digest(f)]));
const changes = (result: DeploymentResult) => result.steps.filter((s) => s.op !== 'same');
const isFile = (s: Step) => s.type === 'pulumi-nodejs:dynamic/kubepki:PkiFile';
const isCertificate = (s: Step) =>
  [
    'tls:index/selfSignedCert:SelfSignedCert',
    'tls:index/locallySignedCert:LocallySignedCert',
    'pulumi-nodejs:dynamic/kubepki:MultiGroupCertificate',
  ].includes(s.type);
const idOf = (s: Step) => s.name.slice('lab/'.length);
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

/** The files and certificates `kubepki diff` says change, and those the preview changes. */
function changeSets(base: PkiPlan, head: PkiPlan, preview: DeploymentResult) {
  const diff = diffPlans(base, head);
  return {
    kubepkiDiff: {
      files: sorted(diff.impact.directories.flatMap((d) => [...d.added, ...d.removed, ...d.changed])),
      certificates: sorted(
        [...diff.certificates.added, ...diff.certificates.removed]
          .map((c) => c.id)
          .concat(
            diff.impact.reissued.map((r) => r.id),
            diff.impact.replacements.map((r) => r.id),
          ),
      ),
    },
    pulumiPreview: {
      files: sorted(changes(preview).filter(isFile).map(idOf)),
      certificates: sorted(changes(preview).filter(isCertificate).map(idOf)),
    },
  };
}

async function upAndCheck(): Promise<DeploymentResult> {
  const result = await stack.up();
  expect(result.errors).toEqual([]);
  expect(treeReport(copy.outDir, currentPlan())).toEqual(cleanTree);
  const again = await stack.up();
  expect(changes(again), 'a second up right after changes nothing').toEqual([]);
  return result;
}

describe('the lab stack through its life (ECDSA-P256)', () => {
  afterAll(() => {
    vi.useRealTimers();
    removeTree(copy.dir);
  });

  beforeAll(async () => {
    const first = await stack.up();
    expect(first.errors).toEqual([]);
  }, 120_000);

  it('first up writes the planned tree; a no-op up changes nothing; file contents are secret inputs and never state', async () => {
    expect(treeReport(copy.outDir, currentPlan())).toEqual(cleanTree);
    expect(changes(await stack.up())).toEqual([]);
    const files = stack.resources.filter((r) => r.type === 'pulumi-nodejs:dynamic/kubepki:PkiFile');
    expect(files).toHaveLength(currentPlan().files.length);
    for (const f of files) {
      expect(f.secretInputs, f.name).toContain('content');
      expect(JSON.stringify(f.outputs), f.name).not.toMatch(/PRIVATE KEY|client-key-data/);
    }
    // A file removed or loosened by hand is the stack's to put back.
    const key = digest('cp1/pki/apiserver.key');
    fs.rmSync(out('cp1/pki/apiserver.crt'));
    fs.chmodSync(out('cp1/pki/apiserver.key'), 0o644);
    expect(
      changes(await upAndCheck())
        .map((s) => `${s.op} ${idOf(s)}`)
        .sort(),
    ).toEqual(['update cp1/pki/apiserver.crt', 'update cp1/pki/apiserver.key']);
    expect(digest('cp1/pki/apiserver.key')).toBe(key);
  }, 120_000);

  it('a certSAN: only the apiserver request, certificate and file change (and the init kubeadm.yaml that lists the SANs); the file has the SAN, the key is kept', async () => {
    const base = currentPlan();
    const key = digest('cp1/pki/apiserver.key');
    copy.editSpec((s) => s.spec.apiServer.certSANs.push('api.lab.example.net'));
    const preview = await stack.preview();
    expect(preview.errors).toEqual([]);
    expect(
      changes(preview)
        .map((s) => `${s.op} ${s.type.split(':').pop()} ${idOf(s)}`)
        .sort(),
    ).toEqual([
      'replace CertRequest cp1/apiserver',
      'replace LocallySignedCert cp1/apiserver',
      'update PkiFile cp1/kubeadm.yaml',
      'update PkiFile cp1/pki/apiserver.crt',
    ]);
    const sets = changeSets(base, currentPlan(), preview);
    expect(sets.pulumiPreview).toEqual(sets.kubepkiDiff);
    const result = await upAndCheck();
    expect(
      changes(result)
        .map((s) => s.op)
        .sort(),
    ).toEqual(['replace', 'replace', 'update', 'update']);
    expect(ParsedCertificate.fromPem(fs.readFileSync(out('cp1/pki/apiserver.crt'))).dnsNames).toContain(
      'api.lab.example.net',
    );
    expect(digest('cp1/pki/apiserver.key')).toBe(key);
  }, 120_000);

  it('a user added and one removed: only their resources change, and users/ keeps no file of the removed one', async () => {
    const base = currentPlan();
    copy.editSpec((s) => {
      s.spec.users = s.spec.users.filter((u: { name: string }) => u.name !== 'alice');
      s.spec.users.push({ name: 'bob', groups: ['ops'] });
    });
    const preview = await stack.preview();
    const sets = changeSets(base, currentPlan(), preview);
    expect(sets.pulumiPreview).toEqual(sets.kubepkiDiff);
    expect(sets.pulumiPreview.files).toEqual(['users/alice.conf', 'users/bob.conf']);
    await upAndCheck();
    expect(parseKubeconfig(fs.readFileSync(out('users/bob.conf'), 'utf8')).clientCertificatePem).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(fs.existsSync(out('users/alice.conf'))).toBe(false);
  }, 120_000);

  it('a worker removed: its resources are deleted and no empty w1/ folder is left', async () => {
    const base = currentPlan();
    copy.editSpec((s) => (s.spec.workers = []));
    const preview = await stack.preview();
    const sets = changeSets(base, currentPlan(), preview);
    expect(sets.pulumiPreview).toEqual(sets.kubepkiDiff);
    expect(changes(preview).every((s) => s.op === 'delete')).toBe(true);
    await upAndCheck();
    expect(fs.existsSync(out('w1'))).toBe(false);
  }, 120_000);

  it.each([
    [
      'caCertificateValidityPeriod',
      (s: any) => (s.spec.pki.caCertificateValidityPeriod = '43800h'),
      /CA ca \(validity 87600h → 43800h\).*caCertificateValidityPeriod: 87600h/,
    ],
    [
      'encryptionAlgorithm',
      (s: any) => (s.spec.pki.encryptionAlgorithm = 'RSA-2048'),
      /key ECDSA-P256 → RSA-2048.*encryptionAlgorithm: ECDSA-P256/,
    ],
  ])(
    'a %s change is refused in preview and up with kubepki’s message, and nothing is replaced or lost',
    async (_field, change, message) => {
      const before = treeDigests();
      const specText = fs.readFileSync(copy.specFile, 'utf8');
      copy.editSpec(change);
      const preview = await stack.preview();
      expect(preview.errors.join('\n')).toMatch(/^kubepki refuses to replace an authority:/);
      expect(preview.errors.join('\n')).toMatch(message);
      expect(preview.errors.join('\n')).toContain('kubepki:protectAuthorities false');
      const result = await stack.up();
      expect(result.errors).toEqual(preview.errors);
      expect(changes(result)).toEqual([]);
      expect(treeDigests()).toEqual(before);
      fs.writeFileSync(copy.specFile, specText);
      expect(changes(await stack.up())).toEqual([]);
    },
    120_000,
  );

  it('inside the renewal window (default: the last third), leaves are renewed on disk with their keys; CAs are kept', async () => {
    const before = treeDigests();
    const plan = currentPlan();
    vi.useFakeTimers({ toFake: ['Date'] });
    const later = new Date(Date.now() + 250 * 24 * 3600_000);
    vi.setSystemTime(later);
    const result = await upAndCheck();
    const renewed = sorted(changes(result).filter(isCertificate).map(idOf));
    expect(renewed).toEqual(sorted(plan.certificates.filter((c) => !c.isCa).map((c) => c.id)));
    for (const f of plan.files) {
      const { kind, of } = f.content;
      const isCa = plan.certificates.some((c) => c.id === of && c.isCa);
      if (kind === 'private-key' || kind === 'public-key' || isCa)
        expect(digest(f.path), f.path).toBe(before.get(f.path));
      if (kind === 'certificate' && !isCa)
        expect(
          ParsedCertificate.fromPem(fs.readFileSync(out(f.path))).notBefore.getTime(),
          f.path,
        ).toBeGreaterThanOrEqual(later.getTime() - 1000);
      if (kind === 'kubeconfig') expect(digest(f.path), f.path).not.toBe(before.get(f.path));
    }
  }, 120_000);

  it('`pulumi destroy` is refused while authorities are protected; `--exclude-protected` leaves them, on disk too', async () => {
    const before = treeDigests();
    const refused = await stack.destroy();
    expect(refused.errors.length).toBeGreaterThan(0);
    expect(refused.errors.join('\n')).toContain('marked for protection');
    expect(treeDigests()).toEqual(before);

    const result = await stack.destroy({ excludeProtected: true });
    expect(result.errors).toEqual([]);
    const plan = currentPlan();
    const authorityFiles = plan.files
      .filter(
        (f) =>
          f.content.kind !== 'kubeconfig' &&
          f.content.kind !== 'manifest' &&
          (f.content.of === 'sa' || plan.certificates.some((c) => c.id === f.content.of && c.isCa)),
      )
      .map((f) => f.path)
      .sort();
    expect(authorityFiles).toContain('cp1/pki/ca.key');
    const { files, emptyDirectories } = listTree(copy.outDir);
    expect(files).toEqual(authorityFiles);
    expect(emptyDirectories).toEqual([]);
    for (const f of files) expect(digest(f), f).toBe(before.get(f));
    // The next up issues the leaves again from the same authorities.
    await upAndCheck();
    for (const f of authorityFiles) expect(digest(f), f).toBe(before.get(f));
  }, 120_000);

  it('with kubepki:protectAuthorities false, a CA change goes through in one up, and destroy removes everything', async () => {
    const base = currentPlan();
    const caKey = digest('cp1/pki/ca.key');
    copy.setConfig('kubepki:protectAuthorities', false);
    copy.editSpec((s) => (s.spec.pki.caCertificateValidityPeriod = '43800h'));
    const preview = await stack.preview();
    expect(preview.errors).toEqual([]);
    const sets = changeSets(base, currentPlan(), preview);
    // kubepki diff counts a replaced CA's key as new; the tls provider keeps the key when only the validity changes.
    const caKeys = base.files
      .filter(
        (f) =>
          (f.content.kind === 'private-key' && f.content.of === 'ca') ||
          (f.content.kind === 'private-key' && ['etcd-ca', 'front-proxy-ca'].includes(f.content.of)),
      )
      .map((f) => f.path);
    expect(sets.pulumiPreview.certificates).toEqual(sets.kubepkiDiff.certificates);
    expect(sets.pulumiPreview.files).toEqual(sets.kubepkiDiff.files.filter((f) => !caKeys.includes(f)));
    await upAndCheck();
    expect(ParsedCertificate.fromPem(fs.readFileSync(out('cp1/pki/ca.crt'))).lifetimeHours).toBe(43800);
    expect(digest('cp1/pki/ca.key')).toBe(caKey);
    const destroyed = await stack.destroy();
    expect(destroyed.errors).toEqual([]);
    expect(stack.resources).toEqual([]);
    expect(listTree(copy.outDir)).toMatchObject({ files: [], emptyDirectories: [] });
  }, 120_000);
});

describe('a first `pulumi up` into a tree another PKI wrote', () => {
  const other = copyProject('lab', (text) =>
    text.replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256'),
  );
  afterAll(() => removeTree(other.dir));

  it('writes no file over it, and says so', async () => {
    await realizeLocal(planPki(loadSpecFile(other.specFile)), other.outDir);
    const files = listTree(other.outDir).files;
    const before = new Map(files.map((f) => [f, fs.readFileSync(path.join(other.outDir, f), 'utf8')]));
    const result = await new LifecycleStack(other.project()).up();
    expect(result.errors.join('\n')).toMatch(
      /holds another PKI's authorities \(.*cp1\/pki\/ca\.crt.*\): kubepki writes no file over them/,
    );
    expect(listTree(other.outDir).files).toEqual(files);
    for (const f of files) expect(fs.readFileSync(path.join(other.outDir, f), 'utf8'), f).toBe(before.get(f));
  }, 120_000);
});
