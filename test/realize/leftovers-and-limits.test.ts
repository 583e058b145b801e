import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { parseSpec, type SpecError } from '../../src/spec';
import { KeyPair, ParsedCertificate, issueCertificate } from '../../src/crypto';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { verifyPki } from '../../src/verify';
import { realizeStack, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { makeOutsideCa } from '../support/outside-ca';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});
const tree = async (change?: Parameters<typeof realizeStack>[2]) => {
  const t = await realizeStack('lab', 'ECDSA-P256', change);
  made.push(t.dir);
  return t;
};

describe('files the plan no longer names', () => {
  it('are reported stale and left alone, and removed with prune', async () => {
    const t = await tree((s) => s.spec.users.push({ name: 'bob', groups: [], namespaces: [] }));
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const kept = await realizeLocal(plan, t.dir);
    expect(kept.changes.filter((c) => c.action !== 'kept')).toEqual([
      { path: 'users/bob.conf', action: 'stale', reason: 'not in the plan' },
    ]);
    expect(fs.existsSync(path.join(t.dir, 'users/bob.conf'))).toBe(true);
    const dry = await realizeLocal(plan, t.dir, { dryRun: true, prune: true });
    expect(dry.changes.filter((c) => c.action !== 'kept').map((c) => c.action)).toEqual(['removed']);
    expect(fs.existsSync(path.join(t.dir, 'users/bob.conf'))).toBe(true);
    await realizeLocal(plan, t.dir, { prune: true });
    expect(fs.existsSync(path.join(t.dir, 'users/bob.conf'))).toBe(false);
    const after = await realizeLocal(plan, t.dir);
    expect(after.changes).toHaveLength(plan.files.length);
    expect(after.changes.every((c) => c.action === 'kept')).toBe(true);
  });
});

describe('directory modes', () => {
  it('are repaired on every run, even when no file in them changes', async () => {
    const t = await tree();
    fs.chmodSync(path.join(t.dir, 'cp1/pki/etcd'), 0o777);
    fs.chmodSync(path.join(t.dir, 'users'), 0o755);
    const report = await realizeLocal(t.plan, t.dir);
    expect(
      report.changes
        .filter((c) => c.action !== 'kept')
        .map((c) => `${c.action} ${c.path}`)
        .sort(),
    ).toEqual(['updated cp1/pki/etcd/', 'updated users/']);
    expect(fs.statSync(path.join(t.dir, 'cp1/pki/etcd')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(t.dir, 'users')).mode & 0o777).toBe(0o700);
  });
});

describe('things in the way', () => {
  it('an output path that is a file, or a file where a node directory belongs, stops the run before any key is made', async () => {
    const dir = temporaryDirectory();
    made.push(dir);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    await expect(realizeLocal(plan, path.join(dir, 'file'))).rejects.toThrow(/is a file: choose another --out/);
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'out', 'cp1'), 'x');
    const error = await realizeLocal(plan, path.join(dir, 'out')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RealizeError);
    expect((error as RealizeError).problems).toEqual([
      expect.objectContaining({ path: 'cp1', code: 'not-a-directory' }),
    ]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['cp1']);
  });
});

describe('CA lifetimes', () => {
  it('a reissued leaf never outlives its CA, and the next run keeps it', async () => {
    const t = await tree((s) => {
      s.spec.pki.caCertificateValidityPeriod = '10h';
      s.spec.pki.certificateValidityPeriod = '8h';
    });
    const later = new Date(Date.now() + 5 * 3600_000);
    const plan = planPki(
      stackSpec('lab', 'ECDSA-P256', (s) => {
        s.spec.pki.caCertificateValidityPeriod = '10h';
        s.spec.pki.certificateValidityPeriod = '8h';
        s.spec.apiServer.certSANs.push('extra.example.com');
      }),
    );
    await realizeLocal(plan, t.dir, { now: later });
    const ca = ParsedCertificate.fromPem(fs.readFileSync(path.join(t.dir, 'cp1/pki/ca.crt')));
    const apiserver = ParsedCertificate.fromPem(fs.readFileSync(path.join(t.dir, 'cp1/pki/apiserver.crt')));
    expect(apiserver.dnsNames).toContain('extra.example.com');
    expect(apiserver.notAfter.getTime()).toBe(ca.notAfter.getTime());
    const again = await realizeLocal(plan, t.dir, { now: later });
    expect(again.changes.find((c) => c.path === 'cp1/pki/apiserver.crt')?.action).toBe('kept');
  });

  it('an expired CA cannot issue: the run stops naming it', async () => {
    const t = await tree((s) => {
      s.spec.pki.caCertificateValidityPeriod = '10h';
      s.spec.pki.certificateValidityPeriod = '8h';
    });
    const plan = planPki(
      stackSpec('lab', 'ECDSA-P256', (s) => {
        s.spec.pki.caCertificateValidityPeriod = '10h';
        s.spec.pki.certificateValidityPeriod = '8h';
      }),
    );
    const error = await realizeLocal(plan, t.dir, { now: new Date(Date.now() + 11 * 3600_000) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RealizeError);
    expect((error as RealizeError).problems.map((p) => `${p.code} ${p.path}`)).toContain('ca-expired cp1/pki/ca.crt');
  });

  it('a CA you bring is used whatever its lifetime; one kubepki issued refuses a validity change', async () => {
    const dir = temporaryDirectory();
    made.push(dir);
    const pki = path.join(dir, 'cp1', 'pki');
    makeOutsideCa(pki, 'ca', 'corp-ca', 1000);
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const report = await realizeLocal(plan, dir);
    expect(report.changes.find((c) => c.path === 'cp1/pki/ca.crt')?.action).toBe('kept');
    // verify --spec judges it as generate does: no drift on the brought CA, none on leaves capped at its NotAfter.
    const drift = verifyPki(dir, { plan }).filter((f) => f.id.startsWith('drift.'));
    expect(drift).toEqual([]);

    const key = await KeyPair.generate('ECDSA-P256');
    const own = await issueCertificate(
      {
        commonName: 'kubernetes',
        organizations: [],
        dnsNames: ['kubernetes'],
        ipAddresses: [],
        keyUsages: ['digitalSignature', 'keyCertSign'],
        extendedKeyUsages: [],
        isCa: true,
        validityHours: 1000,
      },
      key,
      undefined,
      new Date(),
    );
    const other = temporaryDirectory();
    made.push(other);
    fs.mkdirSync(path.join(other, 'cp1/pki'), { recursive: true });
    fs.writeFileSync(path.join(other, 'cp1/pki/ca.crt'), own.pem);
    fs.writeFileSync(path.join(other, 'cp1/pki/ca.key'), key.toPem(), { mode: 0o600 });
    const refused = await realizeLocal(plan, other).catch((e: unknown) => e);
    expect((refused as RealizeError).problems.map((p) => p.code)).toContain('ca-change');
  });
});

describe('spec limits', () => {
  const base = { apiVersion: 'kubepki.io/v1alpha1', kind: 'Cluster', metadata: { name: 'x' } };
  const issues = (spec: Record<string, unknown>) => {
    try {
      parseSpec({ ...base, spec: { controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }], ...spec } });
    } catch (error) {
      return (error as SpecError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };

  it('a renewal window as long as a user certificate would reissue it on every run: refused', () => {
    expect(issues({ pki: { renewBefore: '720h' }, users: [{ name: 'alice', validityPeriod: '720h' }] })).toEqual([
      expect.stringMatching(
        /^spec\.pki\.renewBefore: "720h" is not shorter than spec\.users\[0\]\.validityPeriod \(720h\)/,
      ),
    ]);
  });

  it('validity beyond 100 years is refused', () => {
    expect(issues({ pki: { caCertificateValidityPeriod: '90000000h' } })).toEqual([
      expect.stringMatching(/^spec\.pki\.caCertificateValidityPeriod: "90000000h" is longer than 100 years/),
    ]);
  });

  it('a private key given where a spec belongs is never quoted', () => {
    const pem = `-----BEGIN EC PRIVATE KEY${'-----'}\nMHcCAQEEIM1ffuDKAAAA\n-----END EC PRIVATE KEY${'-----'}\n`;
    let message = '';
    try {
      parseSpec(pem);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a cluster spec/);
    expect(message).not.toMatch(/MHcCAQ|PRIVATE/);
    expect(issues({ clusterName: pem }).join('\n')).not.toMatch(/MHcCAQ/);
    expect(issues({ metadata: pem } as never).join('\n')).not.toMatch(/MHcCAQ/);
  });
});
