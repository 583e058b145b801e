import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { verifyPki, type Finding } from '../../src/verify';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { opensslSign, realizeWithOutsideCas, type OutsideCa } from '../support/outside-ca';

const plan = planPki(
  stackSpec('lab', 'ECDSA-P256', (s) => {
    s.spec.pki.caKeys = { ca: 'external-ca', 'front-proxy-ca': 'external-ca', 'etcd-ca': 'external-ca' };
  }),
);

let work: string;
let tree: string;
let cas: Map<string, OutsideCa>;
beforeAll(async () => {
  work = temporaryDirectory('kubepki-verify-external-ca-');
  tree = path.join(work, 'tree');
  cas = await realizeWithOutsideCas(plan, tree, path.join(work, 'outside-ca'));
});
afterAll(() => removeTree(work));

/** A copy of the finished tree's first control-plane node, as one /etc/kubernetes. */
function copyNode(): string {
  const dir = path.join(temporaryDirectory('kubepki-verify-external-ca-node-'), 'etc-kubernetes');
  fs.cpSync(path.join(tree, 'cp1'), dir, { recursive: true });
  return dir;
}
const summary = (findings: Finding[]) =>
  findings.filter((f) => f.severity !== 'info').map((f) => [f.id, f.file, f.severity]);

describe("verify recognises kubeadm's external-CA mode (CA certificate present, CA key absent)", () => {
  it('an /etc/kubernetes whose three CAs are outside passes, with a note per CA and no note about the CSRs', () => {
    const dir = copyNode();
    try {
      const findings = verifyPki(dir);
      expect(summary(findings)).toEqual([]);
      expect(
        findings
          .filter((f) => f.id === 'ca.external')
          .map((f) => f.file)
          .sort(),
      ).toEqual(['pki/ca.key', 'pki/etcd/ca.key', 'pki/front-proxy-ca.key']);
      expect(findings.filter((f) => f.file.endsWith('.csr') || f.file.endsWith('.conf.crt'))).toEqual([]);
    } finally {
      removeTree(path.dirname(dir));
    }
  });

  it('what kubeadm init would need the CA key for is an error when missing (UsingExternalCA), a warning when the key is there', () => {
    const dir = copyNode();
    try {
      for (const rel of [
        'pki/apiserver.crt',
        'pki/front-proxy-client.crt',
        'pki/etcd/peer.key',
        'pki/etcd/peer.crt',
        'scheduler.conf',
      ])
        fs.rmSync(path.join(dir, rel));
      const errors = verifyPki(dir).filter((f) => f.severity === 'error');
      expect(errors.map((f) => [f.id, f.file]).sort()).toEqual(
        [
          ['external-ca.missing', 'pki/apiserver.crt'],
          ['external-ca.missing', 'pki/etcd/peer.crt'],
          ['external-ca.missing', 'pki/etcd/peer.key'],
          ['external-ca.missing', 'pki/front-proxy-client.crt'],
          ['external-ca.missing', 'scheduler.conf'],
        ].sort(),
      );
      expect(errors.find((f) => f.file === 'pki/apiserver.crt')!.message).toContain(
        'pki/ca.crt is here without its key',
      );
      expect(errors.find((f) => f.file === 'pki/apiserver.crt')!.message).toContain('pki/apiserver.csr');
      expect(errors.find((f) => f.file === 'scheduler.conf')!.message).toContain('scheduler.conf.csr');
      // With the CA key present kubeadm would issue the missing file itself: only a warning.
      fs.copyFileSync(cas.get('front-proxy-ca')!.key, path.join(dir, 'pki/front-proxy-ca.key'));
      const after = verifyPki(dir).find((f) => f.file === 'pki/front-proxy-client.crt')!;
      expect([after.id, after.severity]).toEqual(['file.missing', 'warning']);
    } finally {
      removeTree(path.dirname(dir));
    }
  });

  it('a CSR made with another key, and a returned kubeconfig certificate not embedded, are reported', () => {
    const dir = copyNode();
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          path.join(dir, 'other.key'),
          '-out',
          path.join(dir, 'pki/apiserver.csr'),
          '-subj',
          '/CN=kube-apiserver',
        ],
        { stdio: 'pipe' },
      );
      fs.rmSync(path.join(dir, 'other.key'));
      opensslSign(path.join(dir, 'admin.conf.csr'), cas.get('ca')!, path.join(dir, 'admin.conf.crt'));
      expect(summary(verifyPki(dir))).toEqual([
        ['external-ca.not-embedded', 'admin.conf.crt', 'warning'],
        ['csr.key-mismatch', 'pki/apiserver.csr', 'warning'],
      ]);
    } finally {
      removeTree(path.dirname(dir));
    }
  });

  it('verify --spec takes the exchange files as part of the tree, and still reports a stray file', () => {
    expect(summary(verifyPki(tree, { plan }))).toEqual([]);
    fs.writeFileSync(path.join(tree, 'cp1/pki/stray.csr'), fs.readFileSync(path.join(tree, 'cp1/pki/apiserver.csr')));
    try {
      expect(summary(verifyPki(tree, { plan }))).toEqual([['drift.extra', 'cp1/pki/stray.csr', 'warning']]);
    } finally {
      fs.rmSync(path.join(tree, 'cp1/pki/stray.csr'));
    }
  });
});
