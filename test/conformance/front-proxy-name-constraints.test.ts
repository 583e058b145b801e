/**
 * The front-proxy intermediate under an offline root carries name constraints that permit no DNS name and no IP
 * address: it signs front-proxy-client only, a client certificate without SANs. kubepki requests them in the CSR,
 * `openssl x509 -req -copy_extensions copyall` (the offline root) copies them, generate refuses an intermediate without
 * them, and verify --spec checks them. Real peers judge the result: etcd (Go) and the apiserver stand-in still accept
 * front-proxy-client, while a serving certificate for a host, minted with the front-proxy intermediate's key, is
 * refused by kubectl (Go's crypto/x509) and by OpenSSL (`openssl verify`, Node's TLS) as a name-constraints violation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { conformanceSpec } from '../support/conformance-trees';
import { EtcdCluster, kubeadmMemberTls } from '../support/etcd-cluster';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand } from '../support/managed-process';
import { runKubepkiCommand } from '../support/run-kubepki';
import { opensslKeyAndCsr, opensslOk, opensslRoot, opensslSign } from '../support/openssl-ca';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';
import { tlsClientRequest } from '../support/tls-client-request';
import { tlsHandshake } from '../support/tls-handshake';

const havePeers = [
  requireBinary('openssl', 'the offline root'),
  requireBinary('etcd', 'front-proxy-client in Go'),
  requireBinary('kubectl', 'name constraints in Go'),
].every(Boolean);

// How `openssl -text` prints the extension kubepki requests.
const noHostNames =
  /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:invalid\s+Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0\n/;

describe.runIf(havePeers)('the front-proxy intermediate certifies no host (name constraints)', () => {
  let work: string;
  let specFile: string;
  let tree: string;
  let pending: string;
  const at = (...parts: string[]) => path.join(work, ...parts);
  const pki = (rel: string) => path.join(tree, 'cp1', 'pki', rel);
  const read = (file: string) => fs.readFileSync(file, 'utf8');
  const kubepki = (args: string[]) => runKubepkiCommand(args);
  const openssl = (args: string[]) => runCommand('openssl', args, { timeoutMs: 20_000 });
  const mustOpenssl = opensslOk;
  /** The offline root's operator: copies the CSR's extensions, or uses the extensions given instead. */
  const sign = (csr: string, out: string, ca: { crt: string; key: string }, extensions?: string) =>
    opensslSign({ csr, out, ca, days: 365, ...(extensions ? { extensions } : {}) });
  const root = () => ({ crt: at('root.crt'), key: at('root.key') });
  const frontProxyCa = () => ({ crt: pki('front-proxy-ca.crt'), key: pki('front-proxy-ca.key') });
  /** A serving certificate for `san`, minted with the front-proxy intermediate's key (as a thief holding it would). */
  const mintedServer = async (name: string, san: string) => {
    await opensslKeyAndCsr(at(name), '/CN=kube-apiserver');
    await sign(
      at(`${name}.csr`),
      at(`${name}.leaf.crt`),
      frontProxyCa(),
      `basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
    );
    fs.writeFileSync(at(`${name}.crt`), read(at(`${name}.leaf.crt`)) + read(pki('front-proxy-ca.crt')));
  };

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-name-constraints-');
    tree = at('tree');
    await opensslRoot(at('root'), '/CN=Example Offline Root');
    const spec = conformanceSpec('ECDSA-P256');
    spec.spec.pki.caParents = { ca: { certificate: 'root.crt' }, 'front-proxy-ca': { certificate: 'root.crt' } };
    specFile = at('cluster.yaml');
    fs.writeFileSync(specFile, yaml.dump(spec));
    const first = await kubepki(['generate', specFile, '--out', tree]);
    expect(first.code, first.stderr).toBe(0);
    pending = at('pending');
    fs.cpSync(tree, pending, { recursive: true });
    for (const ca of ['ca', 'front-proxy-ca']) await sign(pki(`${ca}.csr`), pki(`${ca}.crt`), root());
    const second = await kubepki(['generate', specFile, '--out', tree]);
    expect(second.code, second.stderr).toBe(0);
    await mintedServer('minted-dns', 'DNS:localhost');
    await mintedServer('minted-ip', 'IP:127.0.0.1');
    await mintedServer('minted-both', 'DNS:localhost,IP:127.0.0.1');
  }, 240_000);

  afterAll(() => removeTree(work));

  it('the front-proxy CSR requests critical name constraints; the cluster CA’s does not; the root copies them', async () => {
    const requested = (
      await mustOpenssl([
        'req',
        '-in',
        path.join(pending, 'cp1', 'pki', 'front-proxy-ca.csr'),
        '-noout',
        '-text',
        '-verify',
      ])
    ).stdout;
    expect(requested).toMatch(noHostNames);
    expect((await mustOpenssl(['req', '-in', pki('ca.csr'), '-noout', '-text'])).stdout).not.toMatch(
      /Name Constraints/,
    );
    const signed = (await mustOpenssl(['x509', '-in', pki('front-proxy-ca.crt'), '-noout', '-text'])).stdout;
    expect(signed).toMatch(noHostNames);
    const verified = await kubepki(['verify', tree, '--spec', specFile]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(
      /cp1\/pki\/front-proxy-ca\.crt is the intermediate front-proxy-ca, signed by the offline root "CN=Example Offline Root" with pathLen 0 and critical nameConstraints permitting no DNS name/,
    );
  });

  it('generate refuses a front-proxy intermediate signed without the constraints, and verify --spec flags one', async () => {
    const dir = at('refused');
    fs.cpSync(pending, dir, { recursive: true });
    const csr = path.join(dir, 'cp1', 'pki', 'front-proxy-ca.csr');
    await sign(
      csr,
      path.join(dir, 'cp1', 'pki', 'front-proxy-ca.crt'),
      root(),
      'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,digitalSignature\n',
    );
    const run = await kubepki(['generate', specFile, '--out', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /cp1\/pki\/front-proxy-ca\.crt: is refused as the intermediate front-proxy-ca under the offline root root\.crt .*it lacks the critical nameConstraints permitting no DNS name .* its CSR requests \(copy the CSR's extensions when signing\)/,
    );
    expect(run.stderr).toMatch(
      /Have the root sign \S*cp1\/pki\/front-proxy-ca\.csr as a CA with pathLen 0 and the name constraints it requests \(e\.g\. openssl x509 -req .* -copy_extensions copyall/,
    );

    const damaged = at('damaged');
    fs.cpSync(tree, damaged, { recursive: true });
    await sign(
      pki('front-proxy-ca.csr'),
      path.join(damaged, 'cp2', 'pki', 'front-proxy-ca.crt'),
      root(),
      'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,digitalSignature\n',
    );
    const verified = await kubepki(['verify', damaged, '--spec', specFile]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(
      /cp2\/pki\/front-proxy-ca\.crt is not the intermediate the plan expects under the offline root root\.crt: it lacks the critical nameConstraints/,
    );
  });

  it('front-proxy-client still verifies: openssl -x509_strict, etcd (Go) client auth, the stand-in’s request-header path', async () => {
    const strict = await mustOpenssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      at('root.crt'),
      '-untrusted',
      pki('front-proxy-ca.crt'),
      '-purpose',
      'sslclient',
      pki('front-proxy-client.crt'),
    ]);
    expect(strict.stdout).toMatch(/: OK/);
    // etcd trusting front-proxy-ca.crt alone for client certificates, as an aggregated apiserver trusts its
    // --requestheader-client-ca-file: Go's crypto/x509 checks the anchor's name constraints too.
    const cluster = await EtcdCluster.start({
      binaries: { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') },
      workDir: at('etcd'),
      members: [{ name: 'cp1', tls: { ...kubeadmMemberTls(pki), trustedCa: pki('front-proxy-ca.crt') } }],
      healthClient: {
        cacert: pki('etcd/ca.crt'),
        cert: pki('front-proxy-client.crt'),
        key: pki('front-proxy-client.key'),
      },
      healthTimeoutMs: 60_000,
    });
    try {
      const put = await cluster.etcdctl(['put', '/kubepki/front-proxy', 'accepted'], {
        cacert: pki('etcd/ca.crt'),
        cert: pki('front-proxy-client.crt'),
        key: pki('front-proxy-client.key'),
      });
      expect(put.code, put.stderr).toBe(0);
    } finally {
      await cluster.stop();
    }
    const standIn = await ApiserverStandIn.start({
      servingCertificate: read(pki('apiserver.crt')),
      servingKey: read(pki('apiserver.key')),
      clientCa: read(pki('ca.crt')),
      requestHeaderClientCa: read(pki('front-proxy-ca.crt')),
      serviceAccountPublicKey: read(pki('sa.pub')),
      serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
    });
    try {
      const response = await tlsClientRequest(`${standIn.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST',
        ca: read(at('root.crt')),
        cert: read(pki('front-proxy-client.crt')),
        key: read(pki('front-proxy-client.key')),
        headers: { 'Content-Type': 'application/json', 'X-Remote-User': 'alice', 'X-Remote-Group': 'devs' },
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      });
      expect(response.status, response.body).toBe(201);
      expect(JSON.parse(response.body).status.userInfo).toMatchObject({
        username: 'alice',
        groups: ['devs', 'system:authenticated'],
      });
    } finally {
      await standIn.stop();
    }
  }, 120_000);

  it('a serving certificate minted with the front-proxy key is refused by OpenSSL: DNS not permitted, IP excluded', async () => {
    for (const [name, violation] of [
      ['minted-dns', /permitted subtree violation/],
      ['minted-ip', /excluded subtree violation/],
    ] as const) {
      const check = await openssl([
        'verify',
        '-CAfile',
        at('root.crt'),
        '-untrusted',
        pki('front-proxy-ca.crt'),
        '-purpose',
        'sslserver',
        at(`${name}.leaf.crt`),
      ]);
      expect(check.code, check.stdout).not.toBe(0);
      expect(`${check.stdout}${check.stderr}`).toMatch(violation);
      // Node's TLS (OpenSSL) trusting the root, with the chain in the handshake.
      const handshake = await tlsHandshake(
        { identity: { cert: read(at(`${name}.crt`)), key: read(at(`${name}.key`)) } },
        { ca: read(at('root.crt')), expectServerName: name === 'minted-ip' ? '127.0.0.1' : 'localhost' },
      );
      expect(handshake.ok).toBe(false);
      expect(handshake.clientError).toMatch(/SUBTREE_VIOLATION|subtree violation/i);
    }
  });

  it('kubectl (Go) refuses an apiserver serving a certificate minted with the front-proxy key', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: at('cache') };
    for (const key of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[key];
    for (const [name, anchor, refusal] of [
      [
        'minted-ip',
        'front-proxy-ca.crt',
        /not authorized to sign for this name: IP address "127\.0\.0\.1" is excluded by constraint/,
      ],
      [
        'minted-both',
        'root',
        /not authorized to sign for this name: DNS name "localhost" is not permitted by any constraint/,
      ],
    ] as const) {
      const standIn = await ApiserverStandIn.start({
        servingCertificate: read(at(`${name}.crt`)),
        servingKey: read(at(`${name}.key`)),
        clientCa: read(pki('ca.crt')),
        requestHeaderClientCa: read(pki('front-proxy-ca.crt')),
        serviceAccountPublicKey: read(pki('sa.pub')),
        serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
      });
      try {
        const kubeconfig = at(`${name}.conf`);
        const caPem = anchor === 'root' ? read(at('root.crt')) : read(pki(anchor));
        fs.writeFileSync(
          kubeconfig,
          copyKubeconfig(read(path.join(tree, 'cp1', 'admin.conf')), { server: standIn.url, caPem }),
          { mode: 0o600 },
        );
        const result = await runCommand(
          peerBinaryPath('kubectl'),
          ['--kubeconfig', kubeconfig, '--request-timeout=10s', 'auth', 'whoami'],
          { env, timeoutMs: 20_000 },
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(refusal);
        expect(standIn.requests).toHaveLength(0);
      } finally {
        await standIn.stop();
      }
    }
  });
});
