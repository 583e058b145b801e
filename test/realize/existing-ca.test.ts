import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { realizeStack, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { makeOutsideCa } from '../support/outside-ca';
import { ageTree, changedPaths, readCertificate, readKubeconfig, readTreeState } from './tree-state';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

/** An ECDSA-P256 CA made by OpenSSL (not by kubepki), valid 3650 days = 87600h, written as kubeadm would find it. */
const opensslCa = (pki: string) => makeOutsideCa(pki, 'ca', 'kubernetes');

describe('an existing CA placed before the first run', () => {
  it('is used as it is: its files are kept byte for byte and every certificate it should sign chains to it', async () => {
    const out = temporaryDirectory();
    made.push(out);
    opensslCa(path.join(out, 'cp1', 'pki'));
    const caCrt = fs.readFileSync(path.join(out, 'cp1/pki/ca.crt'));
    const caKey = fs.readFileSync(path.join(out, 'cp1/pki/ca.key'));
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const report = await realizeLocal(plan, out);

    const actions = new Map(report.changes.map((c) => [c.path, c.action]));
    expect(actions.get('cp1/pki/ca.crt')).toBe('kept');
    expect(actions.get('cp1/pki/ca.key')).toBe('kept');
    expect(fs.readFileSync(path.join(out, 'cp1/pki/ca.crt')).equals(caCrt)).toBe(true);
    expect(fs.readFileSync(path.join(out, 'cp1/pki/ca.key')).equals(caKey)).toBe(true);
    expect(fs.readFileSync(path.join(out, 'w1/pki/ca.crt')).equals(caCrt)).toBe(true);
    // One key fewer than on an empty directory: the CA's.
    expect(report.generatedKeys).toBe(plan.certificates.length + 1 /* sa */ - 1);

    const ca = readCertificate(out, 'cp1/pki/ca.crt');
    const signedByCa = plan.certificates.filter((c) => c.issuer === 'ca' && !c.isCa);
    expect(signedByCa.length).toBeGreaterThan(5);
    for (const c of signedByCa) {
      const file = plan.files.find(
        (f) => (f.content.kind === 'certificate' || f.content.kind === 'kubeconfig') && f.content.of === c.id,
      )!.path;
      if (file.endsWith('.conf')) {
        const kc = readKubeconfig(out, file);
        expect(kc.certificate.verify(ca.publicKey), file).toBe(true);
        expect(kc.caPem, file).toBe(caCrt.toString('utf8'));
      } else {
        expect(readCertificate(out, file).verify(ca.publicKey), file).toBe(true);
        // And OpenSSL agrees the chain is good.
        execFileSync('openssl', ['verify', '-CAfile', path.join(out, 'cp1/pki/ca.crt'), path.join(out, file)], {
          stdio: 'pipe',
          timeout: 30_000,
        });
      }
    }
    // The other CAs did not exist, so they were created and sign their own leaves.
    expect(actions.get('cp1/pki/front-proxy-ca.crt')).toBe('created');
    expect(readCertificate(out, 'cp1/pki/front-proxy-client.crt').verify(ca.publicKey)).toBe(false);
  });
});

describe('a spec change that would replace a CA', () => {
  const refusal = async (change: Parameters<typeof stackSpec>[2]) => {
    const tree = await realizeStack('lab', 'ECDSA-P256');
    made.push(tree.dir);
    ageTree(tree.dir);
    const before = readTreeState(tree.dir);
    const error = await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256', change)), tree.dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RealizeError);
    expect(changedPaths(before, readTreeState(tree.dir))).toEqual([]);
    return error as RealizeError;
  };

  it('another algorithm (ECDSA-P384 on v1.34) is refused with ca-change for each CA, and nothing on disk changes', async () => {
    const error = await refusal((s) => {
      s.spec.kubernetesVersion = 'v1.34.0';
      s.spec.pki.encryptionAlgorithm = 'ECDSA-P384';
    });
    const caProblem = error.problems.find((p) => p.path === 'cp1/pki/ca.crt');
    expect(caProblem).toMatchObject({ code: 'ca-change', message: expect.stringContaining('never replaces a CA') });
    expect(caProblem!.message).toMatch(/ECDSA-P256/);
    expect(caProblem!.message).toMatch(/ECDSA-P384/);
    const caChanges = error.problems.filter((p) => p.code === 'ca-change').map((p) => p.path);
    expect(caChanges).toEqual(
      expect.arrayContaining(['cp1/pki/ca.crt', 'cp1/pki/front-proxy-ca.crt', 'cp1/pki/etcd/ca.crt']),
    );
    expect(error.message).toContain('cp1/pki/ca.crt');
    expect(error.message).toMatch(/^nothing was written/);
  });

  it('another caCertificateValidityPeriod is refused with ca-change, and nothing on disk changes', async () => {
    const error = await refusal((s) => (s.spec.pki.caCertificateValidityPeriod = '43800h'));
    expect(error.problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual([
      'ca-change cp1/pki/ca.crt',
      'ca-change cp1/pki/etcd/ca.crt',
      'ca-change cp1/pki/front-proxy-ca.crt',
    ]);
    for (const p of error.problems) {
      expect(p.message).toContain('never replaces a CA');
      expect(p.message).toContain('43800h');
      expect(error.message).toContain(p.path);
    }
  });
});
