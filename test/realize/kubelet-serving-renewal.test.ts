/**
 * The kubelet serving certificate is an ordinary leaf of the plan: renewBefore renews it (same key), and a node's new
 * address reissues it with the new IP SAN and rewrites that node's kubeadm.yaml (--node-ip) with it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { inspectCertificate } from '../support/certificate-inspection';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';

const hourMs = 3600_000;
const serving = (s: Parameters<Parameters<typeof stackSpec>[2] & {}>[0]) => {
  s.spec.pki.kubeletServingCertificates = true;
  s.spec.pki.renewBefore = '720h';
};

describe('kubelet serving certificates across runs', () => {
  let dir: string;
  afterEach(() => removeTree(dir));

  it('are renewed inside the renewBefore window with the same key, as every leaf', async () => {
    dir = temporaryDirectory('kubepki-serving-renew-');
    const plan = planPki(stackSpec('lab', 'ECDSA-P256', serving));
    const start = new Date('2026-01-01T00:00:00Z');
    await realizeLocal(plan, dir, { now: start });
    const keyBefore = fs.readFileSync(path.join(dir, 'w1/pki/kubelet-serving.key'));
    const later = new Date(start.getTime() + (8760 - 700) * hourMs);
    const report = await realizeLocal(plan, dir, { now: later });
    expect(report.changes.find((c) => c.path === 'w1/pki/kubelet-serving.crt')).toMatchObject({ action: 'reissued' });
    expect(fs.readFileSync(path.join(dir, 'w1/pki/kubelet-serving.key')).equals(keyBefore)).toBe(true);
    expect(
      inspectCertificate(fs.readFileSync(path.join(dir, 'w1/pki/kubelet-serving.crt'))).notAfter.getTime(),
    ).toBeGreaterThan(later.getTime() + 8000 * hourMs);
  });

  it("follow a node's new address: certificate and kubeadm.yaml change together, nothing else of other nodes", async () => {
    dir = temporaryDirectory('kubepki-serving-move-');
    await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256', serving)), dir);
    const moved = planPki(
      stackSpec('lab', 'ECDSA-P256', (s) => {
        serving(s);
        s.spec.workers[0]!.address = '10.0.0.99';
      }),
    );
    const report = await realizeLocal(moved, dir);
    expect(report.changes.filter((c) => c.action !== 'kept').map((c) => `${c.action} ${c.path}`)).toEqual([
      'updated w1/kubeadm.yaml',
      'reissued w1/pki/kubelet-serving.crt',
    ]);
    expect(inspectCertificate(fs.readFileSync(path.join(dir, 'w1/pki/kubelet-serving.crt'))).ipAddresses).toEqual([
      '10.0.0.99',
    ]);
    expect(fs.readFileSync(path.join(dir, 'w1/kubeadm.yaml'), 'utf8')).toContain('value: 10.0.0.99');
  });
});
