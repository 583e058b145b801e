/**
 * `kubepki renew` (kubeadm certs renew: the same keys, a fresh validity, the kubeconfigs that embed them rewritten,
 * nothing else touched) and `kubepki inspect` (public facts of a certificate, request, key, kubeconfig or JWT,
 * compared with openssl's reading; never a private component).
 */
import { X509Certificate, createPrivateKey, createPublicKey, createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { requireBinary } from '../support/peer-binaries';
import { ensureBuilt } from './built-package';
import { describeRun, kubepki, writeSpec } from './review-cli';

let root: string;
let spec: string;
let tree: string;
const read = (rel: string) => fs.readFileSync(path.join(tree, rel));
const snapshot = () =>
  new Map(
    (fs.readdirSync(tree, { recursive: true }) as string[])
      .map(String)
      .filter((f) => fs.statSync(path.join(tree, f)).isFile())
      .map((f) => [f, read(f).toString('base64')]),
  );
const embedded = (rel: string) => {
  const doc = yaml.load(read(rel).toString('utf8')) as { users: { user: Record<string, string> }[] };
  const field = (k: string) => Buffer.from(doc.users[0]!.user[k]!, 'base64').toString('utf8');
  return { cert: new X509Certificate(field('client-certificate-data')), key: field('client-key-data') };
};

beforeAll(async () => {
  ensureBuilt();
  root = temporaryDirectory('kubepki-renew-');
  spec = writeSpec(root, 'lab-ec.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
  tree = path.join(root, 'out');
  const run = await kubepki(['generate', spec, '--out', tree, '--quiet']);
  if (run.status !== 0) throw new Error(describeRun(run));
});
afterAll(() => removeTree(root));

describe('kubepki renew', () => {
  it('apiserver: a new certificate for the same key, signed by the same CA, later NotBefore; every other file unchanged', async () => {
    const before = snapshot();
    const old = new X509Certificate(read('cp1/pki/apiserver.crt'));
    await new Promise((r) => setTimeout(r, 1100)); // NotBefore has one-second resolution
    const run = await kubepki(['renew', spec, '--out', tree, 'apiserver']);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toBe('reissued cp1/pki/apiserver.crt  (renewal requested)\n');
    const renewed = new X509Certificate(read('cp1/pki/apiserver.crt'));
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    expect(new Date(renewed.validFrom).getTime()).toBeGreaterThan(new Date(old.validFrom).getTime());
    expect(renewed.subject).toBe(old.subject);
    expect(renewed.subjectAltName).toBe(old.subjectAltName);
    expect(renewed.checkPrivateKey(createPrivateKey(read('cp1/pki/apiserver.key')))).toBe(true);
    expect(renewed.verify(new X509Certificate(read('cp1/pki/ca.crt')).publicKey)).toBe(true);
    const after = snapshot();
    const changed = [...after].filter(([f, b64]) => before.get(f) !== b64).map(([f]) => f);
    expect(changed).toEqual(['cp1/pki/apiserver.crt']);
  });

  it('admin.conf and a user: the kubeconfig is rewritten with a new certificate and its own key', async () => {
    const old = embedded('cp1/admin.conf');
    const run = await kubepki(['renew', spec, '--out', tree, 'admin.conf', 'users/alice.conf']);
    expect(run.status, describeRun(run)).toBe(0);
    const now = embedded('cp1/admin.conf');
    expect(now.cert.serialNumber).not.toBe(old.cert.serialNumber);
    expect(now.key).toBe(old.key);
    expect(now.cert.checkPrivateKey(createPrivateKey(now.key))).toBe(true);
    expect(run.stderr).toMatch(/^2 certificates renewed with the same keys; 2 files rewritten; 0 keys generated/m);
  });

  it('--all renews every leaf with its key, never a CA nor the sa key; the tree still verifies', async () => {
    const cas = ['cp1/pki/ca.crt', 'cp1/pki/etcd/ca.crt', 'cp1/pki/front-proxy-ca.crt', 'cp1/pki/sa.key'].map((f) =>
      read(f).toString('base64'),
    );
    const leaves = ['cp1/pki/etcd/server.crt', 'cp1/pki/front-proxy-client.crt'].map(
      (f) => new X509Certificate(read(f)).serialNumber,
    );
    const run = await kubepki(['renew', spec, '--out', tree, '--all', '--quiet']);
    expect(run.status, describeRun(run)).toBe(0);
    expect(
      ['cp1/pki/ca.crt', 'cp1/pki/etcd/ca.crt', 'cp1/pki/front-proxy-ca.crt', 'cp1/pki/sa.key'].map((f) =>
        read(f).toString('base64'),
      ),
    ).toEqual(cas);
    expect(
      ['cp1/pki/etcd/server.crt', 'cp1/pki/front-proxy-client.crt'].map(
        (f) => new X509Certificate(read(f)).serialNumber,
      ),
    ).not.toEqual(leaves);
    expect(run.stderr).toMatch(/ 0 keys generated/);
    expect((await kubepki(['verify', tree, '--spec', spec])).status).toBe(0);
  });

  it('refuses a CA, an unknown name (with a suggestion) and a missing selection, exit 2, nothing written', async () => {
    const before = snapshot();
    const ca = await kubepki(['renew', spec, '--out', tree, 'front-proxy-ca']);
    expect(ca.status).toBe(2);
    expect(ca.stderr).toContain('is a CA: renewing a CA replaces it');
    const typo = await kubepki(['renew', spec, '--out', tree, 'etcd-servr']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('no certificate "etcd-servr" in this plan: did you mean "etcd-server"?');
    expect((await kubepki(['renew', spec, '--out', tree])).status).toBe(2);
    expect(snapshot()).toEqual(before);
  });
});

describe('kubepki inspect', () => {
  /** `kubepki inspect` in-process; with `input`, the built bin reading it from its standard input. */
  const inspect = async (args: string[], input?: string) => {
    if (input === undefined) return kubepki(['inspect', ...args]);
    const r = spawnSync(process.execPath, [cliPath, 'inspect', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      input,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it.runIf(requireBinary('openssl', 'inspect compared with openssl'))(
    'a certificate: the facts openssl reads (subject, dates, SANs, fingerprint)',
    async () => {
      const file = path.join(tree, 'cp1/pki/apiserver.crt');
      const facts = JSON.parse((await inspect([file, '-o', 'json'])).stdout);
      const ossl = spawnSync(
        'openssl',
        [
          'x509',
          '-in',
          file,
          '-noout',
          '-subject',
          '-enddate',
          '-fingerprint',
          '-sha256',
          '-ext',
          'subjectAltName',
          '-nameopt',
          'RFC2253',
        ],
        { encoding: 'utf8' },
      ).stdout;
      expect(ossl).toContain(`subject=${facts.subject}`);
      expect(ossl).toContain(`sha256 Fingerprint=${facts.sha256Fingerprint}`);
      expect(new Date(/notAfter=(.*)/.exec(ossl)![1]!).toISOString()).toBe(facts.notAfter);
      for (const name of facts.dnsNames) expect(ossl).toContain(`DNS:${name}`);
      for (const ip of facts.ipAddresses) expect(ossl).toContain(`IP Address:${ip}`);
      expect(facts).toMatchObject({
        type: 'certificate',
        isCa: false,
        extendedKeyUsages: ['serverAuth'],
        key: 'ECDSA-P256',
      });
      expect((await inspect([file])).stdout).toMatch(/^ {2}Not after: +\S+ \(expires in 36[45] days\)$/m);
    },
  );

  it('a private key: its public facts only, matching the certificate; no private component in any format', async () => {
    const key = path.join(tree, 'cp1/pki/apiserver.key');
    const pem = fs.readFileSync(key, 'utf8');
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }).toString('base64');
    for (const format of ['text', 'json', 'yaml']) {
      const run = await inspect([key, '-o', format]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(/PRIVATE KEY-{5}/);
      expect(run.stdout).not.toContain(der.slice(20, 60));
    }
    const facts = JSON.parse((await inspect([key, '-o', 'json'])).stdout);
    const spki = createPublicKey(pem).export({ format: 'der', type: 'spki' });
    expect(facts.publicKeySha256.replace(/:/g, '').toLowerCase()).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(
      JSON.parse((await inspect([path.join(tree, 'cp1/pki/apiserver.crt'), '-o', 'json'])).stdout).publicKeySha256,
    ).toBe(facts.publicKeySha256);
  });

  /** A CSR openssl makes for the tree's apiserver key, requesting `extensions` (-addext), as PEM text. */
  const opensslCsr = (subject: string, extensions: string[]) =>
    spawnSync(
      'openssl',
      [
        'req',
        '-new',
        '-key',
        path.join(tree, 'cp1/pki/apiserver.key'),
        '-subj',
        subject,
        ...extensions.flatMap((e) => ['-addext', e]),
      ],
      { encoding: 'utf8' },
    ).stdout;

  it.runIf(requireBinary('openssl', 'inspect of a CSR made by openssl'))(
    'a CSR from openssl, on standard input',
    async () => {
      const csr = opensslCsr('/CN=probe/O=team', ['subjectAltName=DNS:probe.example,IP:10.9.8.7']);
      const facts = JSON.parse((await inspect(['-', '-o', 'json'], csr)).stdout);
      expect(facts).toMatchObject({
        type: 'certificate-request',
        dnsNames: ['probe.example'],
        ipAddresses: ['10.9.8.7'],
        signatureValid: true,
      });
      expect(facts.subject).toContain('CN=probe');
      // Nothing requested but the names: no usages, no basic constraints.
      expect(facts).toMatchObject({
        keyUsages: [],
        extendedKeyUsages: [],
        requestedExtensions: [{ name: 'subjectAltName', critical: false }],
      });
      expect(facts.basicConstraints).toBeUndefined();
    },
  );

  it.runIf(requireBinary('openssl', 'inspect of the extensions a CSR requests'))(
    "a CSR's requested extensions (what the outside CA copies), as openssl req -text reads them",
    async () => {
      const csr = opensslCsr('/CN=kube-apiserver', [
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        'basicConstraints=critical,CA:FALSE',
        'subjectAltName=DNS:kubernetes',
      ]);
      const openssl = spawnSync('openssl', ['req', '-noout', '-text'], { input: csr, encoding: 'utf8' }).stdout;
      expect(openssl).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
      const facts = JSON.parse((await inspect(['-', '-o', 'json'], csr)).stdout);
      expect(facts).toMatchObject({
        keyUsages: ['digitalSignature', 'keyEncipherment'],
        extendedKeyUsages: ['serverAuth', 'clientAuth'],
        basicConstraints: { ca: false },
        requestedExtensions: [
          { name: 'keyUsage', critical: true },
          { name: 'extendedKeyUsage', critical: false },
          { name: 'basicConstraints', critical: true },
          { name: 'subjectAltName', critical: false },
        ],
      });
      expect(yaml.load((await inspect(['-', '-o', 'yaml'], csr)).stdout)).toEqual(facts);
      const text = (await inspect(['-'], csr)).stdout;
      expect(text).toMatch(/^ {2}Extensions: +keyUsage, extendedKeyUsage, basicConstraints, subjectAltName$/m);
      expect(text).toMatch(/^ {4}Key usage: +digitalSignature, keyEncipherment \(critical\)$/m);
      expect(text).toMatch(/^ {4}Extended usage: +serverAuth, clientAuth$/m);
      expect(text).toMatch(/^ {4}Basic constraints: +CA:FALSE \(critical\)$/m);
    },
  );

  it('a kubeconfig: contexts, server, the user certificate and the CA; the key only said to be there', async () => {
    const run = await inspect([path.join(tree, 'users/alice.conf'), '-o', 'json']);
    const facts = JSON.parse(run.stdout);
    expect(facts).toMatchObject({
      type: 'kubeconfig',
      currentContext: 'alice@lab',
      clientKey: 'embedded',
      clientCertificate: { extendedKeyUsages: ['clientAuth'] },
      certificateAuthority: { isCa: true, selfSigned: true },
    });
    expect(facts.clientCertificate.subject).toContain('CN=alice');
    expect(run.stdout).not.toContain('client-key-data');
    expect(run.stdout).not.toContain('PRIVATE');
  });

  it('a service-account JWT: header and claims, the signature explicitly not checked', async () => {
    const minted = await kubepki([
      'token',
      '--pki',
      path.join(tree, 'cp1'),
      '--service-account',
      'ci/deployer',
      '--allow-undeclared',
      '--duration',
      '10m',
    ]);
    const jwt = minted.stdout.trim().split('\n').pop()!;
    const facts = JSON.parse((await inspect(['-', '-o', 'json'], `${jwt}\n`)).stdout);
    expect(facts).toMatchObject({
      type: 'jwt',
      signatureChecked: false,
      expired: false,
      header: { alg: 'ES256' },
      claims: { sub: 'system:serviceaccount:ci:deployer' },
    });
    expect((await inspect(['-'], jwt)).stdout).toContain('signature not checked');
  });

  it('something else: a clear error, exit 2', async () => {
    const run = await inspect([spec]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('is not a certificate, certificate request, key, kubeconfig or JWT');
  });
});
