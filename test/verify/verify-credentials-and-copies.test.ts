/**
 * The red-team cases for verify: control-plane credentials on a worker, a CA copy that disagrees with the others
 * (the odd one is named, whichever node holds it), a foreign kubelet.conf that must not taint untouched files,
 * staged files of an interrupted generate, links and owners.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPki, type Finding } from '../../src/verify';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { describeFindings, expectNamed, useDamageableTrees } from './verify-test-trees';

const trees = useDamageableTrees('ha');
const errorsOf = (findings: Finding[], id: string) =>
  findings
    .filter((f) => f.id === id && f.severity === 'error')
    .map((f) => f.file)
    .sort();

describe('verify: control-plane credentials on a worker', () => {
  for (const [what, from, to] of [
    ['super-admin.conf', 'cp1/super-admin.conf', 'w1/super-admin.conf'],
    ['admin.conf', 'cp2/admin.conf', 'w2/admin.conf'],
    ['a leaf key', 'cp1/pki/apiserver-etcd-client.key', 'w1/pki/apiserver-etcd-client.key'],
  ] as const) {
    it(`${what} on a worker is an error, with and without --spec`, () => {
      const dir = trees.damagedCopy();
      fs.copyFileSync(path.join(dir, from), path.join(dir, to));
      for (const plan of [undefined, trees.good().plan]) {
        const findings = verifyPki(dir, plan ? { plan } : {});
        expect(errorsOf(findings, 'credential.on-worker'), describeFindings(findings)).toEqual([to]);
        expect(findings.find((f) => f.id === 'credential.on-worker')!.message).toContain('on a worker node');
      }
    });
  }
});

describe('verify and generate: one CA copy disagrees', () => {
  it("cp1 (the first node) holds another tree's CA: the finding names cp1 as the odd one, not cp2 and cp3", async () => {
    const dir = trees.damagedCopy();
    for (const f of ['cp1/pki/ca.crt', 'cp1/pki/ca.key'])
      fs.copyFileSync(path.join(trees.foreign().dir, f), path.join(dir, f));
    const findings = verifyPki(dir);
    expect(errorsOf(findings, 'ca.differs-between-nodes')).toEqual(['cp1/pki/ca.crt']);
    const hit = findings.find((f) => f.id === 'ca.differs-between-nodes')!;
    expect(hit.message).toContain('is not the same certificate as cp2/pki/ca.crt');
    expect(hit.message).toContain('held by 2 of 3 copies');
    expect(hit.message).toContain('this copy is the odd one out');
    // generate refuses, naming cp1's files as the odd ones and cp2's as the reference to copy
    const error = (await realizeLocal(trees.good().plan, dir).catch((e: unknown) => e)) as RealizeError;
    expect(error).toBeInstanceOf(RealizeError);
    expect(error.problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual([
      'ca-mismatch cp1/pki/ca.crt',
      'ca-mismatch cp1/pki/ca.key',
    ]);
    expect(error.problems.find((p) => p.path === 'cp1/pki/ca.crt')!.message).toContain('copy cp2/pki/ca.crt over it');
  });

  it('a tie (one control-plane copy each of two CAs in a 2-node view): the copy the leaves chain to is the reference', () => {
    const dir = trees.damagedCopy();
    // cp3 gone; cp2 gets a foreign etcd CA: 1 vs 1, and cp1's and cp2's etcd leaves chain to the original one.
    fs.rmSync(path.join(dir, 'cp3'), { recursive: true });
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp2/pki/etcd/ca.crt'), path.join(dir, 'cp2/pki/etcd/ca.crt'));
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp2/pki/etcd/ca.key'), path.join(dir, 'cp2/pki/etcd/ca.key'));
    const findings = verifyPki(dir);
    expect(errorsOf(findings, 'ca.differs-between-nodes')).toEqual(['cp2/pki/etcd/ca.crt']);
    expect(findings.find((f) => f.id === 'ca.differs-between-nodes')!.message).toMatch(
      /certificates of the tree chain to it/,
    );
  });
});

describe('verify: no false errors on untouched files', () => {
  it("cp1's kubelet.conf on cp2: findings on that kubelet.conf only, none on cp2's etcd certificates", () => {
    const dir = trees.damagedCopy();
    fs.copyFileSync(path.join(dir, 'cp1/kubelet.conf'), path.join(dir, 'cp2/kubelet.conf'));
    const findings = verifyPki(dir);
    expect(
      findings.filter((f) => f.file.startsWith('cp2/pki/')),
      describeFindings(findings),
    ).toEqual([]);
    expect(findings.some((f) => f.file === 'cp2/kubelet.conf')).toBe(true);
  });
});

describe('verify: leftovers of an interrupted generate, links and owners', () => {
  it('staged files are findings: an error when they hold a key or credentials', () => {
    const dir = trees.damagedCopy();
    fs.copyFileSync(path.join(dir, 'cp1/pki/ca.key'), path.join(dir, 'cp1/pki/.ca.key.kubepki-0123456789ab.tmp'));
    fs.copyFileSync(path.join(dir, 'cp1/admin.conf'), path.join(dir, 'cp1/.admin.conf.kubepki-0123456789ab.tmp'));
    fs.copyFileSync(path.join(dir, 'users/alice.conf'), path.join(dir, 'users/.alice.conf.4242.deadbeef.tmp'));
    fs.copyFileSync(path.join(dir, 'cp1/pki/ca.crt'), path.join(dir, 'cp1/pki/.ca.crt.kubepki-0123456789ab.tmp'));
    const findings = verifyPki(dir, { plan: trees.good().plan });
    expect(errorsOf(findings, 'file.staged')).toEqual([
      'cp1/.admin.conf.kubepki-0123456789ab.tmp',
      'cp1/pki/.ca.key.kubepki-0123456789ab.tmp',
      'users/.alice.conf.4242.deadbeef.tmp',
    ]);
    expect(findings.find((f) => f.file === 'cp1/pki/.ca.crt.kubepki-0123456789ab.tmp')?.severity).toBe('warning');
  });

  it('a pending journal is an error telling to run generate', () => {
    const dir = trees.damagedCopy();
    fs.writeFileSync(path.join(dir, '.kubepki-journal'), '{"run":"x","operations":[]}');
    expectNamed(verifyPki(dir), 'tree.interrupted', '.kubepki-journal');
  });

  it('a node pki/ directory that is a link: an error naming it', () => {
    const dir = trees.damagedCopy();
    const elsewhere = `${dir}-elsewhere`;
    fs.renameSync(path.join(dir, 'cp2/pki'), elsewhere);
    fs.symlinkSync(elsewhere, path.join(dir, 'cp2/pki'));
    try {
      const hit = expectNamed(verifyPki(dir), 'file.symlink', 'cp2/pki');
      expect(hit.message).toContain(`is a symbolic link to ${elsewhere}`);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it.runIf(process.geteuid?.() === 0)('a ca.key owned by nobody: an error (runs as root, which can chown)', () => {
    const dir = trees.damagedCopy();
    fs.chownSync(path.join(dir, 'cp2/pki/ca.key'), 65534, 65534);
    const hit = expectNamed(verifyPki(dir), 'file.owner', 'cp2/pki/ca.key');
    expect(hit.message).toContain('is owned by uid 65534, the tree by uid 0');
  });
});
