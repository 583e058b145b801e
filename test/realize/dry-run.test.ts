import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import type { ClusterSpec } from '../../src/spec';
import { realizeStack, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { ageTree, changedPaths, readTreeState } from './tree-state';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

/**
 * Realizes lab (ECDSA-P256), then with `change`: first as a dry run, which must leave the directory exactly as it
 * was, then for real. Returns both reports.
 */
async function dryThenReal(change: (spec: ClusterSpec) => void) {
  const tree = await realizeStack('lab', 'ECDSA-P256');
  made.push(tree.dir);
  ageTree(tree.dir);
  const before = readTreeState(tree.dir);
  const plan = planPki(stackSpec('lab', 'ECDSA-P256', change));
  const dry = await realizeLocal(plan, tree.dir, { dryRun: true });
  expect(changedPaths(before, readTreeState(tree.dir))).toEqual([]);
  const real = await realizeLocal(plan, tree.dir);
  return { dry, real };
}

describe('realizeLocal with dryRun', () => {
  it('on a directory that does not exist: reports every planned file as created, counts the keys it would generate, creates nothing', async () => {
    const parent = temporaryDirectory();
    made.push(parent);
    const out = path.join(parent, 'out');
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const report = await realizeLocal(plan, out, { dryRun: true });
    expect(report.dryRun).toBe(true);
    // What the real run would generate: one key per certificate and the sa key pair (no key is generated here).
    expect(report.generatedKeys).toBe(plan.certificates.length + plan.keyPairs.length);
    expect(report.changes).toEqual(plan.files.map((f) => ({ path: f.path, action: 'created' })));
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('on an empty directory: leaves it empty', async () => {
    const out = temporaryDirectory();
    made.push(out);
    const report = await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256')), out, { dryRun: true });
    expect(report.changes.every((c) => c.action === 'created')).toBe(true);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('on an up-to-date tree: reports every file kept, exactly as a real run does', async () => {
    const { dry, real } = await dryThenReal(() => {});
    expect(dry.changes.every((c) => c.action === 'kept')).toBe(true);
    expect(dry.changes).toEqual(real.changes);
  });

  it('reports the same actions and reasons as the real run that follows (a new user, changed groups)', async () => {
    const { dry, real } = await dryThenReal((s) => {
      s.spec.users[0]!.groups = ['dev-team'];
      s.spec.users.push({ name: 'erin', groups: [], namespaces: [] });
    });
    expect(dry.changes.filter((c) => c.action !== 'kept')).toEqual([
      { path: 'users/alice.conf', action: 'reissued', reason: expect.stringContaining('oncall') },
      { path: 'users/erin.conf', action: 'created' },
    ]);
    expect(dry.changes).toEqual(real.changes);
    // --dry-run counts what the run will generate: erin's new key (alice's reissue keeps hers).
    expect(dry.generatedKeys).toBe(1);
    expect(real.generatedKeys).toBe(1);
  });

  it('reports the same actions when the endpoint moves (kubeconfigs updated, apiserver reissued)', async () => {
    const { dry, real } = await dryThenReal((s) => (s.spec.controlPlaneEndpoint = 'lab-api.example.internal'));
    expect(dry.changes).toEqual(real.changes);
    expect(real.changes.filter((c) => c.action !== 'kept').map((c) => `${c.action} ${c.path}`)).toEqual([
      'updated cp1/admin.conf',
      'updated cp1/kubeadm.yaml',
      'reissued cp1/pki/apiserver.crt',
      'updated cp1/super-admin.conf',
      'updated users/alice.conf',
      'updated w1/kubeadm.yaml',
      'updated w1/kubelet.conf',
    ]);
  });

  // A dry run knows the keys of certificates it reissues with their existing key, so it reports them kept.
  it('reports a reissued certificate whose key is kept as the real run does', async () => {
    const { dry, real } = await dryThenReal((s) => s.spec.apiServer.certSANs.push('extra.example.com'));
    expect(real.changes.find((c) => c.path === 'cp1/pki/apiserver.key')).toEqual({
      path: 'cp1/pki/apiserver.key',
      action: 'kept',
    });
    expect(dry.changes.find((c) => c.path === 'cp1/pki/apiserver.key')).toEqual({
      path: 'cp1/pki/apiserver.key',
      action: 'kept',
    });
  });
});
