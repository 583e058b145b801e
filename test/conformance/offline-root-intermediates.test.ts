/**
 * The cluster, etcd and front-proxy CAs as intermediates of an offline root whose key kubepki never sees: generate
 * makes each intermediate's key and CSR, `openssl x509 -req` plays the offline root, generate checks what comes back
 * and issues the tree from the intermediates. Then real peers judge the chains — etcd (Go), kubectl (Go) through the
 * apiserver stand-in, Node's TLS (OpenSSL) — and a certificate from a sibling intermediate under the same root, with
 * the very same subject name, is refused by etcd's client auth and by the stand-in's client CA.
 */
import { X509Certificate } from 'node:crypto';
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
  requireBinary('etcd', 'intermediates in etcd'),
  requireBinary('kubectl', 'intermediates with kubectl'),
].every(Boolean);

const intermediates = [
  { id: 'ca', file: 'ca' },
  { id: 'front-proxy-ca', file: 'front-proxy-ca' },
  { id: 'etcd-ca', file: 'etcd/ca' },
] as const;
const controlPlanes = ['cp1', 'cp2', 'cp3'];
const blocks = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];

describe.runIf(havePeers)('intermediate CAs under an offline root (openssl x509 -req as the root)', () => {
  let work: string;
  let specFile: string;
  let tree: string;
  let pendingCopy: string;
  let firstRun: { code: number | null; stdout: string; stderr: string };
  let secondRun: { code: number | null; stdout: string; stderr: string };
  const at = (...parts: string[]) => path.join(work, ...parts);
  const pki = (node: string, rel: string) => path.join(tree, node, 'pki', rel);
  const read = (file: string) => fs.readFileSync(file, 'utf8');
  const kubepki = (args: string[]) => runKubepkiCommand(args);
  const openssl = opensslOk;
  const newKeyAndCsr = (name: string, subject: string, extensions: string[] = []) =>
    opensslKeyAndCsr(at(name), subject, extensions);
  const selfSignedRoot = (name: string, subject: string) => opensslRoot(at(name), subject);
  /** The offline root's operator: signs a CSR, copying the extensions it requests, or with the extensions given. */
  const rootSigns = async (csr: string, out: string, options: { root?: string; extensions?: string } = {}) => {
    const root = options.root ?? 'root';
    const ca = { crt: at(`${root}.crt`), key: at(`${root}.key`) };
    await opensslSign({ csr, out, ca, days: 1825, ...(options.extensions ? { extensions: options.extensions } : {}) });
  };
  const snapshot = (dir: string) =>
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .map(String)
      .sort()
      .map((rel) => {
        const full = path.join(dir, rel);
        return fs.statSync(full).isFile()
          ? `${rel} ${fs.statSync(full).mode.toString(8)} ${read(full).length}:${read(full)}`
          : rel;
      });

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-intermediates-');
    tree = at('tree');
    await selfSignedRoot('root', '/O=Example/CN=Example Offline Root');
    await selfSignedRoot('other-root', '/O=Elsewhere/CN=Another Root');
    const spec = conformanceSpec('ECDSA-P256');
    spec.spec.pki.caParents = {
      ca: { certificate: 'root.crt' },
      'front-proxy-ca': { certificate: 'root.crt' },
      'etcd-ca': { certificate: 'root.crt' },
    };
    specFile = at('cluster.yaml');
    fs.writeFileSync(specFile, yaml.dump(spec));
    firstRun = await kubepki(['generate', specFile, '--out', tree]);
    pendingCopy = at('pending');
    fs.cpSync(tree, pendingCopy, { recursive: true });
    // The sibling: another intermediate under the same root, with the very same subject name as the cluster CA, and
    // client certificates it issued, each file followed by the sibling (so a verifier that trusts the root could
    // build the path).
    await newKeyAndCsr('sibling', '/CN=kubernetes', [
      'basicConstraints=critical,CA:true,pathlen:0',
      'keyUsage=critical,keyCertSign,digitalSignature',
    ]);
    await rootSigns(at('sibling.csr'), at('sibling.crt'));
    for (const [name, subject] of [
      ['sibling-admin', '/O=system:masters/CN=kubernetes-admin'],
      ['sibling-etcd-client', '/CN=kube-apiserver-etcd-client'],
    ] as const) {
      await newKeyAndCsr(name, subject);
      await rootSigns(at(`${name}.csr`), at(`${name}.leaf.crt`), {
        root: 'sibling',
        extensions:
          'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
      });
      fs.writeFileSync(at(`${name}.crt`), read(at(`${name}.leaf.crt`)) + read(at('sibling.crt')));
    }
  }, 240_000);

  afterAll(() => removeTree(work));

  it('the first run makes only each intermediate’s key and a CSR asking for CA:TRUE, pathLen 0', async () => {
    expect(firstRun.code, firstRun.stderr).toBe(0);
    const files = (fs.readdirSync(tree, { recursive: true }) as string[])
      .map(String)
      .filter((f) => fs.statSync(path.join(tree, f)).isFile())
      .sort();
    expect(files).toEqual(
      controlPlanes
        .flatMap((node) => intermediates.flatMap((ca) => [`${node}/pki/${ca.file}.csr`, `${node}/pki/${ca.file}.key`]))
        .sort(),
    );
    for (const ca of intermediates) {
      expect(firstRun.stderr).toContain(`${ca.id} is an intermediate of the offline root root.crt`);
      expect(fs.statSync(pki('cp1', `${ca.file}.key`)).mode & 0o777).toBe(0o600);
      // Every control-plane node holds the same key and CSR.
      for (const node of controlPlanes)
        expect(read(pki(node, `${ca.file}.csr`))).toBe(read(pki('cp1', `${ca.file}.csr`)));
      const text = (await openssl(['req', '-in', pki('cp1', `${ca.file}.csr`), '-noout', '-text', '-verify'])).stdout;
      expect(text).toMatch(/CA:TRUE, pathlen:0/);
      expect(text).toMatch(/Certificate Sign/);
    }
    const again = await kubepki(['generate', specFile, '--out', tree]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l && !l.startsWith('kept'))).toEqual([]);
  });

  describe('a wrong signed-back intermediate is refused, naming the file, what differs and the fix; nothing is written', () => {
    const refusal = async (name: string, sign: (csr: string, out: string) => Promise<void>): Promise<string> => {
      const dir = at(`refused-${name}`);
      fs.cpSync(pendingCopy, dir, { recursive: true });
      await sign(path.join(dir, 'cp1', 'pki', 'ca.csr'), path.join(dir, 'cp1', 'pki', 'ca.crt'));
      const before = snapshot(dir);
      const result = await kubepki(['generate', specFile, '--out', dir]);
      expect(result.code).toBe(1);
      expect(snapshot(dir)).toEqual(before);
      expect(result.stderr).toMatch(
        /cp1\/pki\/ca\.crt: is refused as the intermediate ca under the offline root root\.crt/,
      );
      expect(result.stderr).toMatch(/Have the root sign \S*cp1\/pki\/ca\.csr as a CA with pathLen 0/);
      expect(result.stderr).toMatch(/nothing was written/);
      return result.stderr;
    };

    it('not a CA', async () => {
      const stderr = await refusal('not-ca', (csr, out) =>
        rootSigns(csr, out, { extensions: 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n' }),
      );
      expect(stderr).toMatch(/it is not a CA \(basicConstraints CA:TRUE is missing\)/);
      expect(stderr).toMatch(/its key usage lacks keyCertSign/);
    });

    it('a CA without pathLen 0', async () => {
      const stderr = await refusal('path-length', (csr, out) =>
        rootSigns(csr, out, {
          extensions: 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,digitalSignature\n',
        }),
      );
      expect(stderr).toMatch(/its pathLen is absent \(unlimited\), the plan needs 0/);
    });

    it('another key: the root signed a different CSR', async () => {
      const stderr = await refusal('wrong-key', async (_csr, out) => fs.copyFileSync(at('sibling.crt'), out));
      expect(stderr).toMatch(/it certifies another key than the one kubepki made for the CSR/);
    });

    it('another root', async () => {
      const stderr = await refusal('wrong-root', (csr, out) => rootSigns(csr, out, { root: 'other-root' }));
      expect(stderr).toMatch(
        /it is not signed by the root "O=Example, CN=Example Offline Root" \(its issuer is "O=Elsewhere, CN=Another Root"\)/,
      );
    });
  });

  describe('signed by the root and placed on one control-plane node', () => {
    beforeAll(async () => {
      for (const ca of intermediates) await rootSigns(pki('cp1', `${ca.file}.csr`), pki('cp1', `${ca.file}.crt`));
      secondRun = await kubepki(['generate', specFile, '--out', tree]);
    }, 120_000);

    it('issues the whole tree from the intermediates: trust files hold the intermediate alone, serving files carry it', () => {
      expect(secondRun.code, secondRun.stderr).toBe(0);
      const root = new X509Certificate(read(at('root.crt')));
      for (const ca of intermediates) {
        const signed = read(pki('cp1', `${ca.file}.crt`));
        expect(blocks(signed)).toHaveLength(1);
        expect(new X509Certificate(signed).verify(root.publicKey)).toBe(true);
        for (const node of controlPlanes) expect(read(pki(node, `${ca.file}.crt`))).toBe(signed);
      }
      const intermediate = new X509Certificate(read(pki('cp1', 'ca.crt')));
      for (const [node, rel, issuer] of [
        ['cp2', 'apiserver.crt', 'ca.crt'],
        ['cp1', 'etcd/server.crt', 'etcd/ca.crt'],
        ['cp3', 'etcd/peer.crt', 'etcd/ca.crt'],
      ] as const) {
        const chain = blocks(read(pki(node, rel)));
        expect(chain).toHaveLength(2);
        expect(chain[1]!.trim()).toBe(read(pki(node, issuer)).trim());
        expect(new X509Certificate(chain[0]!).verify(new X509Certificate(chain[1]!).publicKey)).toBe(true);
      }
      // Client certificates travel alone; the worker's ca.crt and every kubeconfig trust the intermediate only.
      expect(blocks(read(pki('cp1', 'apiserver-etcd-client.crt')))).toHaveLength(1);
      expect(read(path.join(tree, 'w1', 'pki', 'ca.crt'))).toBe(read(pki('cp1', 'ca.crt')));
      const admin = yaml.load(read(path.join(tree, 'cp1', 'admin.conf'))) as {
        clusters: { cluster: Record<string, string> }[];
      };
      const caData = Buffer.from(admin.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString('utf8');
      expect(caData.trim()).toBe(intermediate.toString().trim());
    });

    it('passes verify --spec, which checks each intermediate against the root', async () => {
      const verified = await kubepki(['verify', tree, '--spec', specFile]);
      expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
      expect(verified.stdout).toMatch(
        /cp1\/pki\/etcd\/ca\.crt +\[ca\.intermediate\] +cp1\/pki\/etcd\/ca\.crt is the intermediate etcd-ca, signed by the offline root "O=Example, CN=Example Offline Root" with pathLen 0/,
      );
      expect(verified.stdout).toMatch(/ok: .*intermediates under the offline root/);
      // A verifier that trusts only the root builds the path from the serving file's chain.
      const check = await openssl([
        'verify',
        '-CAfile',
        at('root.crt'),
        '-untrusted',
        pki('cp1', 'ca.crt'),
        '-purpose',
        'sslserver',
        pki('cp1', 'apiserver.crt'),
      ]);
      expect(check.stdout).toMatch(/: OK/);
    });

    it('verify --spec refuses a serving file without its chain, and an intermediate the root did not sign', async () => {
      const damaged = at('damaged');
      fs.cpSync(tree, damaged, { recursive: true });
      fs.writeFileSync(
        path.join(damaged, 'cp2', 'pki', 'apiserver.crt'),
        blocks(read(pki('cp2', 'apiserver.crt')))[0]!,
      );
      await rootSigns(pki('cp1', 'front-proxy-ca.csr'), path.join(damaged, 'cp3', 'pki', 'front-proxy-ca.crt'), {
        root: 'other-root',
      });
      const verified = await kubepki(['verify', damaged, '--spec', specFile]);
      expect(verified.code).toBe(1);
      expect(verified.stdout).toMatch(
        /cp2\/pki\/apiserver\.crt +\[chain\.intermediate\] +cp2\/pki\/apiserver\.crt should hold the serving certificate followed by the intermediate ca .* but holds 0 certificates after it/,
      );
      expect(verified.stdout).toMatch(
        /cp3\/pki\/front-proxy-ca\.crt +\[ca\.intermediate\] +cp3\/pki\/front-proxy-ca\.crt is not the intermediate the plan expects under the offline root root\.crt: it is not signed by the root/,
      );
    });

    it('a re-run is a no-op', async () => {
      const again = await kubepki(['generate', specFile, '--out', tree]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.split('\n').filter((l) => l && !l.startsWith('kept'))).toEqual([]);
      expect(again.stderr).toMatch(/0 keys generated/);
    });

    it('Node TLS (OpenSSL) accepts the apiserver chain: trusting the root alone, or the intermediate as an anchor', async () => {
      const server = { identity: { cert: read(pki('cp1', 'apiserver.crt')), key: read(pki('cp1', 'apiserver.key')) } };
      const byRoot = await tlsHandshake(server, {
        ca: read(at('root.crt')),
        expectServerName: 'kubernetes.default.svc',
      });
      expect(byRoot).toMatchObject({ ok: true, serverSubject: { CN: 'kube-apiserver' } });
      const byIntermediate = await tlsHandshake(server, {
        ca: read(pki('cp1', 'ca.crt')),
        allowPartialTrustChain: true,
        expectServerName: '127.0.0.1',
      });
      expect(byIntermediate.ok, byIntermediate.clientError).toBe(true);
      // OpenSSL's default wants a self-signed end: what a Node client needs besides ca.crt (Go clients do not).
      const strict = await tlsHandshake(server, { ca: read(pki('cp1', 'ca.crt')), expectServerName: '127.0.0.1' });
      expect(strict.ok).toBe(false);
      expect(strict.clientError).toMatch(/UNABLE_TO_GET_ISSUER_CERT/);
    });

    it('etcd serves the intermediates’ chains over mutual TLS and refuses a client of the sibling intermediate', async () => {
      const client = {
        cacert: pki('cp1', 'etcd/ca.crt'),
        cert: pki('cp1', 'apiserver-etcd-client.crt'),
        key: pki('cp1', 'apiserver-etcd-client.key'),
      };
      const cluster = await EtcdCluster.start({
        binaries: { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') },
        workDir: at('etcd'),
        members: controlPlanes.map((node) => ({ name: node, tls: kubeadmMemberTls((rel) => pki(node, rel)) })),
        // The harness probes health with Node's TLS (OpenSSL), which anchors at a self-signed root: it trusts the root
        // and builds the path from the chain server.crt carries. etcdctl (Go) below trusts etcd/ca.crt alone.
        healthClient: {
          cacert: at('root.crt'),
          cert: pki('cp1', 'etcd/healthcheck-client.crt'),
          key: pki('cp1', 'etcd/healthcheck-client.key'),
        },
        healthTimeoutMs: 60_000,
      });
      try {
        const put = await cluster.etcdctl(['put', '/kubepki/intermediate', 'under-an-offline-root'], client);
        expect(put.code, put.stderr).toBe(0);
        // etcdctl trusting only the offline root verifies member 3 through the chain its server.crt carries.
        const get = await cluster.etcdctl(
          ['get', '/kubepki/intermediate', '--print-value-only'],
          { ...client, cacert: at('root.crt') },
          { endpoints: cluster.members[2]!.clientUrl },
        );
        expect(get.code, get.stderr).toBe(0);
        expect(get.stdout.trim()).toBe('under-an-offline-root');
        const marks = cluster.logMarks();
        const sibling = await cluster.etcdctl(
          ['get', '/kubepki/intermediate', '--print-value-only', '--command-timeout=2s'],
          {
            cacert: pki('cp1', 'etcd/ca.crt'),
            cert: at('sibling-etcd-client.crt'),
            key: at('sibling-etcd-client.key'),
          },
          { endpoints: cluster.members[0]!.clientUrl },
        );
        expect(sibling.code, 'etcdctl must fail').not.toBe(0);
        expect(sibling.stdout).not.toMatch(/under-an-offline-root/);
        // The sibling's chain reaches the same root, with the same issuer name: etcd (Go) anchors at etcd/ca.crt alone.
        expect(cluster.logsSince(marks, [cluster.members[0]!])).toMatch(
          /rejected connection.*certificate signed by unknown authority/,
        );
      } finally {
        await cluster.stop();
      }
    }, 120_000);

    it('kubectl: admin.conf is accepted; a client certificate of the sibling intermediate gets 401', async () => {
      const standIn = await ApiserverStandIn.start({
        servingCertificate: read(pki('cp1', 'apiserver.crt')),
        servingKey: read(pki('cp1', 'apiserver.key')),
        clientCa: read(pki('cp1', 'ca.crt')),
        requestHeaderClientCa: read(pki('cp1', 'front-proxy-ca.crt')),
        serviceAccountPublicKey: read(pki('cp1', 'sa.pub')),
        serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
      });
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: at('cache') };
      for (const key of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[key];
      const whoami = async (text: string, name: string) => {
        const file = at(name);
        fs.writeFileSync(file, text, { mode: 0o600 });
        return runCommand(
          peerBinaryPath('kubectl'),
          ['--kubeconfig', file, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
          { env, timeoutMs: 20_000 },
        );
      };
      try {
        const admin = read(path.join(tree, 'cp1', 'admin.conf'));
        const accepted = await whoami(copyKubeconfig(admin, { server: standIn.url }), 'admin.conf');
        expect(accepted.code, accepted.stderr).toBe(0);
        expect(JSON.parse(accepted.stdout).status.userInfo).toEqual({
          username: 'kubernetes-admin',
          groups: ['kubeadm:cluster-admins', 'system:authenticated'],
        });
        // A kubeconfig that trusts only the offline root still verifies the apiserver, through apiserver.crt's chain.
        const byRoot = await whoami(
          copyKubeconfig(admin, { server: standIn.url, caPem: read(at('root.crt')) }),
          'admin-root.conf',
        );
        expect(byRoot.code, byRoot.stderr).toBe(0);

        const doc = yaml.load(copyKubeconfig(admin, { server: standIn.url })) as {
          users: { user: Record<string, string> }[];
        };
        doc.users[0]!.user['client-certificate-data'] = Buffer.from(read(at('sibling-admin.crt'))).toString('base64');
        doc.users[0]!.user['client-key-data'] = Buffer.from(read(at('sibling-admin.key'))).toString('base64');
        const mark = standIn.requests.length;
        const refused = await whoami(yaml.dump(doc), 'sibling.conf');
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/Unauthorized/);
        expect(standIn.requestsSince(mark).every((r) => r.status === 401 && r.user === undefined)).toBe(true);
        // Whatever kubectl chose to send, the stand-in's client CA itself refuses the sibling's certificate and chain.
        const direct = await tlsClientRequest(`${standIn.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
          method: 'POST',
          ca: read(at('root.crt')),
          cert: read(at('sibling-admin.crt')),
          key: read(at('sibling-admin.key')),
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
        });
        expect(direct.status).toBe(401);
      } finally {
        await standIn.stop();
      }
    });

    it('renewing: the root signs the kept CSR again; placed over every copy, generate rewrites chains and CA data only', async () => {
      const before = read(pki('cp1', 'ca.crt'));
      const renewed = at('renewed-ca.crt');
      await rootSigns(pki('cp1', 'ca.csr'), renewed);
      for (const node of [...controlPlanes, 'w1', 'w2', 'w3']) fs.copyFileSync(renewed, pki(node, 'ca.crt'));
      const run = await kubepki(['generate', specFile, '--out', tree]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/0 keys generated/);
      const changed = run.stdout.split('\n').filter((l) => l && !l.startsWith('kept'));
      expect(changed.length).toBeGreaterThan(0);
      expect(
        changed.every((l) => /^updated +\S+(\/pki\/apiserver\.crt|\/pki\/kubelet[^ ]*\.crt|\.conf) /.test(l)),
        changed.join('\n'),
      ).toBe(true);
      expect(read(pki('cp1', 'ca.crt'))).not.toBe(before);
      expect(blocks(read(pki('cp2', 'apiserver.crt')))[1]!.trim()).toBe(read(renewed).trim());
      const verified = await kubepki(['verify', tree, '--spec', specFile]);
      expect(verified.code, verified.stdout).toBe(0);
    });
  });
});
