import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { realizeStack, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { certificateAt, changedPaths, nonKept, parseKubeconfigText, readTreeState } from './tree-state';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

const hour = 3600_000;
const twoYears = 2 * 8760 * hour;

function newDirectory(): string {
  const dir = temporaryDirectory();
  made.push(dir);
  return dir;
}

/** Paths of every planned file that holds a leaf certificate (.crt of a non-CA, or a kubeconfig). */
function leafFiles(plan: PkiPlan): string[] {
  const leaves = new Set(plan.certificates.filter((c) => !c.isCa).map((c) => c.id));
  return plan.files
    .filter((f) => (f.content.kind === 'certificate' || f.content.kind === 'kubeconfig') && leaves.has(f.content.of))
    .map((f) => f.path);
}

describe('expired leaves', () => {
  it('a tree realized two years ago has every leaf reissued today (keys and CAs kept)', async () => {
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const dir = newDirectory();
    const then = new Date(Date.now() - twoYears);
    await realizeLocal(plan, dir, { now: then });
    const before = readTreeState(dir);
    const report = await realizeLocal(plan, dir);
    expect(nonKept(report)).toEqual(leafFiles(plan).map((p) => `reissued ${p}`));
    for (const c of report.changes.filter((c) => c.action === 'reissued'))
      expect(c.reason, c.path).toMatch(/^expired \d{4}-/);
    expect(report.generatedKeys).toBe(0);
    expect(changedPaths(before, readTreeState(dir), 'files')).toEqual(leafFiles(plan));
    for (const p of leafFiles(plan)) {
      const cert = certificateAt(dir, p);
      expect(new Date(cert.validTo).getTime(), p).toBeGreaterThan(Date.now() + 8000 * hour);
    }
  });

  it('the same tree seen two years later (now moved forward) is reissued with certificates starting then', async () => {
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const dir = newDirectory();
    await realizeLocal(plan, dir);
    const later = new Date(Date.now() + twoYears);
    const report = await realizeLocal(plan, dir, { now: later });
    expect(nonKept(report)).toEqual(leafFiles(plan).map((p) => `reissued ${p}`));
    const apiserver = certificateAt(dir, 'cp1/pki/apiserver.crt');
    expect(new Date(apiserver.validFrom).getTime()).toBeGreaterThan(later.getTime() - 6 * 60_000);
    // A leaf that is not yet expired is kept: one more run at the same moment changes nothing.
    expect(nonKept(await realizeLocal(plan, dir, { now: later }))).toEqual([]);
  });

  it('without renewBefore, a leaf is kept for two thirds of its validity and reissued in the last third', async () => {
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const dir = newDirectory();
    const start = new Date();
    await realizeLocal(plan, dir, { now: start });
    // 8760h leaves: the default window is their last 2920h.
    expect(
      nonKept(await realizeLocal(plan, dir, { now: new Date(start.getTime() + (8760 - 2920 - 1) * hour) })),
    ).toEqual([]);
    const report = await realizeLocal(plan, dir, { now: new Date(start.getTime() + (8760 - 2920 + 1) * hour) });
    expect(nonKept(report)).toEqual(leafFiles(plan).map((p) => `reissued ${p}`));
  });
});

describe('writes', () => {
  const allPaths = (dir: string) =>
    [...readTreeState(dir).entries()].filter(([, e]) => e.kind === 'file').map(([p]) => p);

  it('leave no temporary files behind, and exactly the planned files, on a first run and on a reissue', async () => {
    const tree = await realizeStack('ha', 'ECDSA-P256');
    made.push(tree.dir);
    expect(allPaths(tree.dir)).toEqual(tree.plan.files.map((f) => f.path).sort());
    const changed = planPki(
      stackSpec('ha', 'ECDSA-P256', (s) => s.spec.apiServer.certSANs.push('tmp-check.example.com')),
    );
    await realizeLocal(changed, tree.dir);
    const names = allPaths(tree.dir);
    expect(names.filter((p) => p.endsWith('.tmp') || path.basename(p).startsWith('.'))).toEqual([]);
    expect(names).toEqual(changed.files.map((f) => f.path).sort());
  });

  it.each([
    ['0000', 0o000],
    ['0077', 0o077],
  ])('give every file its planned mode under umask %s, and pki/ and users/ 0700', async (_label, mask) => {
    const plan = planPki(stackSpec('ha', 'ECDSA-P256'));
    const dir = path.join(newDirectory(), 'out');
    const previous = process.umask(mask);
    try {
      await realizeLocal(plan, dir);
    } finally {
      process.umask(previous);
    }
    expect(process.umask()).toBe(previous);
    const state = readTreeState(dir);
    for (const f of plan.files) expect(state.get(f.path)!.mode.toString(8), f.path).toBe(f.mode.toString(8));
    for (const [p, e] of state) {
      if (e.kind !== 'directory') continue;
      const secret = p.split('/').includes('pki') || p === 'users';
      expect(e.mode.toString(8), p).toBe(secret ? '700' : '755');
    }
  });

  it('a key whose mode was loosened is put back to 0600 without changing its bytes', async () => {
    const tree = await realizeStack('lab', 'ECDSA-P256');
    made.push(tree.dir);
    const key = path.join(tree.dir, 'cp1/pki/apiserver.key');
    const bytes = fs.readFileSync(key);
    fs.chmodSync(key, 0o644);
    const report = await realizeLocal(tree.plan, tree.dir);
    expect(report.changes.filter((c) => c.action !== 'kept')).toEqual([
      { path: 'cp1/pki/apiserver.key', action: 'updated', reason: 'mode 644 → 600' },
    ]);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(key).equals(bytes)).toBe(true);
  });
});

describe('generated keys', () => {
  /** Distinct private keys among the files a run created: .key files, and the client key inside each kubeconfig. */
  const distinctCreatedKeys = (dir: string, created: string[]) => {
    const keys = new Set<string>();
    for (const p of created) {
      if (p.endsWith('.key')) keys.add(fs.readFileSync(path.join(dir, p), 'utf8'));
      if (p.endsWith('.conf')) keys.add(parseKubeconfigText(fs.readFileSync(path.join(dir, p))).keyPem);
    }
    return keys.size;
  };

  it('a first run generates exactly one key per distinct created private key, none shared between certificates', async () => {
    const plan = planPki(stackSpec('ha', 'ECDSA-P256'));
    const dir = newDirectory();
    const report = await realizeLocal(plan, dir);
    const created = report.changes.filter((c) => c.action === 'created').map((c) => c.path);
    expect(created).toHaveLength(plan.files.length);
    expect(report.generatedKeys).toBe(distinctCreatedKeys(dir, created));
    // Every certificate has its own key, plus the service-account key.
    expect(report.generatedKeys).toBe(plan.certificates.length + 1);
  });

  it('a run that creates a few files generates keys only for them', async () => {
    const tree = await realizeStack('ha', 'ECDSA-P256');
    made.push(tree.dir);
    for (const f of [
      'cp2/pki/apiserver.crt',
      'cp2/pki/apiserver.key',
      'w3/kubelet.conf',
      'cp3/pki/front-proxy-ca.crt',
      'cp3/pki/front-proxy-ca.key',
    ]) {
      fs.rmSync(path.join(tree.dir, f));
    }
    const report = await realizeLocal(tree.plan, tree.dir);
    const created = report.changes.filter((c) => c.action === 'created').map((c) => c.path);
    expect(created.sort()).toEqual([
      'cp2/pki/apiserver.crt',
      'cp2/pki/apiserver.key',
      'cp3/pki/front-proxy-ca.crt',
      'cp3/pki/front-proxy-ca.key',
      'w3/kubelet.conf',
    ]);
    // The front-proxy CA still exists on cp1 and cp2: cp3 gets a copy, not a new key.
    expect(
      fs
        .readFileSync(path.join(tree.dir, 'cp3/pki/front-proxy-ca.key'))
        .equals(fs.readFileSync(path.join(tree.dir, 'cp1/pki/front-proxy-ca.key'))),
    ).toBe(true);
    expect(report.generatedKeys).toBe(2);
    expect(report.generatedKeys).toBe(
      distinctCreatedKeys(
        tree.dir,
        created.filter((p) => !p.includes('front-proxy-ca')),
      ),
    );
  });
});
