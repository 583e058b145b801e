/**
 * One defect per copy of a good lab tree (ECDSA-P256): verify must name the damaged file with an error finding of the
 * right check, and put errors on no other file — a finding that points somewhere else would send the operator the
 * wrong way. Damage is made with real crypto: the tree's own CA keys, another cluster's CA, fresh keys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { KeyPair, ParsedCertificate, issueCertificate } from '../../src/crypto';
import { verifyPki } from '../../src/verify';
import {
  useDamageableTrees,
  describeFindings,
  errorFiles,
  expectNamed,
  reissueCertificate,
  templateOf,
} from './verify-test-trees';

const trees = useDamageableTrees('lab');
const damagedCopy = trees.damagedCopy;

describe('verify names the one damaged file', () => {
  it('wrong issuer: apiserver.crt (and its key) from another cluster whose CA has the same name', () => {
    const dir = damagedCopy();
    for (const ext of ['crt', 'key'])
      fs.copyFileSync(
        path.join(trees.foreign().dir, `cp1/pki/apiserver.${ext}`),
        path.join(dir, `cp1/pki/apiserver.${ext}`),
      );
    const hit = expectNamed(verifyPki(dir), 'chain.wrong-issuer', 'cp1/pki/apiserver.crt');
    expect(hit.message).toMatch(/another CA with the same name signed it/);
  });

  it('wrong issuer: front-proxy-client.crt signed by the cluster CA instead of the front-proxy CA', async () => {
    const dir = damagedCopy();
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'front-proxy-client',
      caBase: 'pki/ca',
      change: () => undefined,
    });
    const hit = expectNamed(verifyPki(dir), 'chain.wrong-issuer', 'cp1/pki/front-proxy-client.crt');
    expect(hit.message).toContain('it is signed by cp1/pki/ca.crt, not by cp1/pki/front-proxy-ca.crt');
  });

  it('missing SAN: apiserver.crt reissued by the real CA without kubernetes.default.svc', async () => {
    const dir = damagedCopy();
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'apiserver',
      caBase: 'pki/ca',
      change: (t) => void (t.dnsNames = t.dnsNames.filter((n) => n !== 'kubernetes.default.svc')),
    });
    const findings = verifyPki(dir);
    const hit = expectNamed(findings, 'san.missing', 'cp1/pki/apiserver.crt');
    expect(hit.message).toContain('lacks the SAN kubernetes.default.svc');
    // With the plan, the same defect is also drift, on the same file.
    const withPlan = verifyPki(dir, { plan: trees.good().plan });
    expect(withPlan.find((f) => f.id === 'drift.certificate' && f.file === 'cp1/pki/apiserver.crt')?.message).toContain(
      'DNS SANs +kubernetes.default.svc',
    );
  });

  it('missing SAN: apiserver.crt without the advertise address its kubeconfigs dial', async () => {
    const dir = damagedCopy();
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'apiserver',
      caBase: 'pki/ca',
      change: (t) => void (t.ipAddresses = t.ipAddresses.filter((ip) => ip !== '10.0.0.11')),
    });
    const findings = verifyPki(dir);
    // The node's own kubeconfigs blame the certificate; the worker's and the user's kubeconfig are blamed themselves,
    // since no apiserver certificate in the tree covers what they dial.
    const hit = expectNamed(findings, 'san.missing', 'cp1/pki/apiserver.crt', ['users/alice.conf', 'w1/kubelet.conf']);
    expect(hit.message).toMatch(
      /lacks the SAN 10\.0\.0\.11, the server of cp1\/admin\.conf, .*cp1\/controller-manager\.conf/,
    );
    expect(findings.filter((f) => f.id === 'kubeconfig.server-not-covered').map((f) => f.file)).toEqual([
      'users/alice.conf',
      'w1/kubelet.conf',
    ]);
  });

  it('mode 0644 on a private key', () => {
    const dir = damagedCopy();
    fs.chmodSync(path.join(dir, 'cp1/pki/apiserver.key'), 0o644);
    const hit = expectNamed(verifyPki(dir), 'file.mode', 'cp1/pki/apiserver.key');
    expect(hit.message).toContain('mode 0644');
  });

  it('mode 0644 on a kubeconfig with an embedded key', () => {
    const dir = damagedCopy();
    fs.chmodSync(path.join(dir, 'users/alice.conf'), 0o644);
    expectNamed(verifyPki(dir), 'file.mode', 'users/alice.conf');
  });

  /** alice.conf with its current context moved to a user without credentials, and `alice`'s entry set to `credential`. */
  function kubeconfigWithIdleCredential(dir: string, credential: Record<string, unknown>): string {
    const file = path.join(dir, 'users/alice.conf');
    const doc = yaml.load(fs.readFileSync(file, 'utf8')) as {
      users: { name: string; user: unknown }[];
      contexts: unknown[];
      clusters: { name: string }[];
      'current-context': string;
    };
    doc.users[0]!.user = credential;
    doc.users.push({ name: 'anonymous', user: {} });
    doc.contexts.push({ name: 'anonymous', context: { cluster: doc.clusters[0]!.name, user: 'anonymous' } });
    doc['current-context'] = 'anonymous';
    fs.writeFileSync(file, yaml.dump(doc));
    fs.chmodSync(file, 0o644);
    return 'users/alice.conf';
  }

  const credentials: [string, Record<string, unknown>][] = [
    ['client-key-data', { 'client-key-data': Buffer.from('not a key').toString('base64') }],
    ['client-key', { 'client-certificate': '/etc/alice.crt', 'client-key': '/etc/alice.key' }],
    ['token', { token: 'opaque' }],
    ['tokenFile', { tokenFile: '/var/run/token' }],
    ['password', { username: 'alice', password: 'hunter2' }],
    ['exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } }],
    ['auth-provider', { 'auth-provider': { name: 'oidc' } }],
  ];
  it.each(credentials)(
    'mode 0644 on a kubeconfig whose current user has no credentials but another user has %s',
    (_, credential) => {
      const dir = damagedCopy();
      const file = kubeconfigWithIdleCredential(dir, credential);
      const hit = expectNamed(verifyPki(dir), 'file.mode', file);
      expect(hit.message).toContain('a kubeconfig with credentials with mode 0644');
    },
  );

  it('mode 0644 on a kubeconfig without any credentials is fine', () => {
    const dir = damagedCopy();
    kubeconfigWithIdleCredential(dir, { 'client-certificate': '/etc/alice.crt' });
    const findings = verifyPki(dir);
    expect(
      findings.filter((f) => f.id === 'file.mode'),
      describeFindings(findings),
    ).toEqual([]);
  });

  it.each([
    ['cp1/pki/apiserver.key', 'kube-apiserver'],
    ['cp1/pki/etcd/peer.key', 'etcd'],
  ])('a leaf certificate without its key: %s missing is an error (%s cannot start)', (file, component) => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, file));
    const hit = expectNamed(verifyPki(dir), 'key.missing', file);
    expect(hit.message).toContain(`${component} loads both and cannot start`);
  });

  it('a CA key missing stays external CA mode (a note), not an error', () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp1/pki/etcd/ca.key'));
    const findings = verifyPki(dir);
    expect(findings.map((f) => [f.id, f.file, f.severity])).toEqual([['ca.external', 'cp1/pki/etcd/ca.key', 'info']]);
  });

  it('mismatched key: etcd/server.key replaced by a fresh key', async () => {
    const dir = damagedCopy();
    fs.writeFileSync(path.join(dir, 'cp1/pki/etcd/server.key'), (await KeyPair.generate('ECDSA-P256')).toPem(), {
      mode: 0o600,
    });
    const hit = expectNamed(verifyPki(dir), 'key.mismatch', 'cp1/pki/etcd/server.key');
    expect(hit.message).toContain('is not the private key of cp1/pki/etcd/server.crt');
  });

  it('expired leaf: apiserver-kubelet-client.crt issued two days ago for one hour', async () => {
    const dir = damagedCopy();
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'apiserver-kubelet-client',
      caBase: 'pki/ca',
      now: twoDaysAgo,
      change: (t) => void (t.validityHours = 1),
    });
    const hit = expectNamed(verifyPki(dir), 'expiry.expired', 'cp1/pki/apiserver-kubelet-client.crt');
    expect(hit.message).toMatch(/expired on .* \(1 day ago\)/);
  });

  it('CA key on a worker', () => {
    const dir = damagedCopy();
    fs.copyFileSync(path.join(dir, 'cp1/pki/ca.key'), path.join(dir, 'w1/pki/ca.key'));
    const hit = expectNamed(verifyPki(dir), 'ca.key-on-worker', 'w1/pki/ca.key');
    expect(hit.message).toContain('on a worker node');
    // The worker directory alone (as copied to the node) says the same.
    expectNamed(verifyPki(path.join(dir, 'w1')), 'ca.key-on-worker', 'pki/ca.key');
  });

  it("swapped kubeconfig CA: admin.conf's certificate-authority-data from another cluster", () => {
    const dir = damagedCopy();
    const file = path.join(dir, 'cp1/admin.conf');
    const ours = Buffer.from(fs.readFileSync(path.join(dir, 'cp1/pki/ca.crt'))).toString('base64');
    const theirs = Buffer.from(fs.readFileSync(path.join(trees.foreign().dir, 'cp1/pki/ca.crt'))).toString('base64');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(ours);
    fs.writeFileSync(file, text.replace(ours, theirs));
    const hit = expectNamed(verifyPki(dir), 'kubeconfig.ca-mismatch', 'cp1/admin.conf');
    expect(hit.message).toContain('another cluster');
  });

  it('sa.pub of another cluster', () => {
    const dir = damagedCopy();
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp1/pki/sa.pub'), path.join(dir, 'cp1/pki/sa.pub'));
    expectNamed(verifyPki(dir), 'sa.mismatch', 'cp1/pki/sa.pub');
  });

  it('a worker ca.crt from another cluster', () => {
    const dir = damagedCopy();
    fs.copyFileSync(path.join(trees.foreign().dir, 'w1/pki/ca.crt'), path.join(dir, 'w1/pki/ca.crt'));
    // The worker's kubelet.conf still embeds our CA, so only ca.crt itself is wrong.
    expectNamed(verifyPki(dir), 'ca.differs-between-nodes', 'w1/pki/ca.crt', ['w1/kubelet.conf']);
  });

  it("a worker whose ca.crt and kubelet.conf both come from another cluster: kubelet.conf is checked against the apiservers' CA", () => {
    const dir = damagedCopy();
    for (const rel of ['w1/pki/ca.crt', 'w1/kubelet.conf'])
      fs.copyFileSync(path.join(trees.foreign().dir, rel), path.join(dir, rel));
    const findings = verifyPki(dir);
    const hit = expectNamed(findings, 'chain.wrong-issuer', 'w1/kubelet.conf', ['w1/pki/ca.crt']);
    expect(hit.message).toContain('does not chain to cp1/pki/ca.crt');
    expect(hit.message).toContain("kube-apiserver's --client-ca-file would reject it");
  });

  it('CA separation: a front-proxy CA made with the cluster CA key (and its client reissued by it)', async () => {
    const dir = damagedCopy();
    const pki = path.join(dir, 'cp1/pki');
    const caKey = KeyPair.fromPem(fs.readFileSync(path.join(pki, 'ca.key')));
    const frontProxyCa = await issueCertificate(
      templateOf(ParsedCertificate.fromPem(fs.readFileSync(path.join(pki, 'front-proxy-ca.crt')))),
      caKey,
      undefined,
      new Date(),
    );
    fs.writeFileSync(path.join(pki, 'front-proxy-ca.crt'), frontProxyCa.pem);
    fs.copyFileSync(path.join(pki, 'ca.key'), path.join(pki, 'front-proxy-ca.key'));
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'front-proxy-client',
      caBase: 'pki/front-proxy-ca',
      change: () => undefined,
    });
    const hit = expectNamed(verifyPki(dir), 'ca.separation', 'cp1/pki/front-proxy-ca.crt');
    expect(hit.message).toContain('uses the same key as cp1/pki/ca.crt');
  });

  it('a leaf that can sign certificates: apiserver-etcd-client reissued with keyCertSign', async () => {
    const dir = damagedCopy();
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'apiserver-etcd-client',
      caBase: 'pki/etcd/ca',
      change: (t) => void t.keyUsages.push('keyCertSign'),
    });
    expectNamed(verifyPki(dir), 'usage.leaf-key-cert-sign', 'cp1/pki/apiserver-etcd-client.crt');
  });

  it('a leaf outliving its CA is a warning on that leaf, not an error', async () => {
    const dir = damagedCopy();
    await reissueCertificate(dir, {
      node: 'cp1',
      name: 'etcd/peer',
      caBase: 'pki/etcd/ca',
      change: (t) => void (t.validityHours = 20 * 8760),
      pastTheCa: true,
    });
    const findings = verifyPki(dir);
    expect(errorFiles(findings), describeFindings(findings)).toEqual([]);
    expect(findings.map((f) => [f.id, f.file, f.severity])).toEqual([
      ['chain.outlives-ca', 'cp1/pki/etcd/peer.crt', 'warning'],
    ]);
  });

  it("a node without its ca.crt: its leaves are judged against the tree's copy of the cluster CA", () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp1/pki/ca.crt'));
    for (const name of ['apiserver', 'apiserver-kubelet-client']) {
      for (const ext of ['crt', 'key'])
        fs.copyFileSync(
          path.join(trees.foreign().dir, `cp1/pki/${name}.${ext}`),
          path.join(dir, `cp1/pki/${name}.${ext}`),
        );
    }
    const findings = verifyPki(dir);
    const hit = expectNamed(findings, 'chain.wrong-issuer', 'cp1/pki/apiserver.crt', [
      'cp1/pki/apiserver-kubelet-client.crt',
    ]);
    expect(hit.message).toContain('does not chain to w1/pki/ca.crt');
    expect(
      findings.find((f) => f.id === 'chain.wrong-issuer' && f.file === 'cp1/pki/apiserver-kubelet-client.crt')
        ?.severity,
    ).toBe('error');
  });

  it('a node without its ca.crt and no copy anywhere: its leaves cannot be verified, an error on each', () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp1/pki/ca.crt'));
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp1/pki/apiserver.crt'), path.join(dir, 'cp1/pki/apiserver.crt'));
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp1/pki/apiserver.key'), path.join(dir, 'cp1/pki/apiserver.key'));
    // cp1 on its own, as it would be copied to the node: the worker's copy is not there.
    const findings = verifyPki(path.join(dir, 'cp1'));
    const hit = expectNamed(findings, 'chain.unverifiable', 'pki/apiserver.crt', ['pki/apiserver-kubelet-client.crt']);
    expect(hit.message).toContain('cannot verify its chain: no ca (pki/ca.crt) in the tree');
  });

  it('etcd/ca.crt removed and etcd/server.crt from another cluster: every etcd leaf is an error, none skipped', () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp1/pki/etcd/ca.crt'));
    for (const ext of ['crt', 'key'])
      fs.copyFileSync(
        path.join(trees.foreign().dir, `cp1/pki/etcd/server.${ext}`),
        path.join(dir, `cp1/pki/etcd/server.${ext}`),
      );
    const findings = verifyPki(dir);
    const etcdLeaves = [
      'cp1/pki/apiserver-etcd-client.crt',
      'cp1/pki/etcd/healthcheck-client.crt',
      'cp1/pki/etcd/peer.crt',
    ];
    const hit = expectNamed(findings, 'chain.unverifiable', 'cp1/pki/etcd/server.crt', etcdLeaves);
    expect(hit.message).toContain('no etcd-ca (pki/etcd/ca.crt) in the tree');
  });

  it('a dangling symbolic link is one error on that file; the rest of the tree is still verified', () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp1/admin.conf'));
    fs.symlinkSync('/nonexistent/admin.conf', path.join(dir, 'cp1/admin.conf'));
    fs.rmSync(path.join(dir, 'cp1/pki/front-proxy-client.crt'));
    fs.symlinkSync('old/front-proxy-client.crt', path.join(dir, 'cp1/pki/front-proxy-client.crt'));
    fs.chmodSync(path.join(dir, 'cp1/pki/apiserver.key'), 0o644);
    const damaged = ['cp1/admin.conf', 'cp1/pki/apiserver.key', 'cp1/pki/front-proxy-client.crt'];
    const findings = verifyPki(dir);
    expect(errorFiles(findings), describeFindings(findings)).toEqual(damaged);
    expect(findings.find((f) => f.file === 'cp1/admin.conf')).toMatchObject({
      id: 'file.unreadable',
      severity: 'error',
    });
    expect(findings.find((f) => f.file === 'cp1/admin.conf')!.message).toContain(
      'is a symbolic link to /nonexistent/admin.conf, which does not exist',
    );
    // Unreadable is not also missing, with or without the plan.
    expect(
      findings.filter((f) => f.id === 'file.missing'),
      describeFindings(findings),
    ).toEqual([]);
    const withPlan = verifyPki(dir, { plan: trees.good().plan });
    expect(errorFiles(withPlan), describeFindings(withPlan)).toEqual(damaged);
    expect(withPlan.filter((f) => f.id === 'drift.missing')).toEqual([]);
  });

  it('never puts key material in a finding', async () => {
    const dir = damagedCopy();
    fs.writeFileSync(path.join(dir, 'cp1/pki/apiserver.key'), 'garbage', { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, 'cp1/admin.conf'),
      'kind: Config\nusers: [{name: x, user: {client-key-data: bm90LWEta2V5}}]\n',
      { mode: 0o600 },
    );
    const findings = verifyPki(dir);
    expect(findings.find((f) => f.file === 'cp1/pki/apiserver.key')?.id).toBe('file.unreadable');
    const text = JSON.stringify(findings);
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN|bm90LWEta2V5/);
  });
});
