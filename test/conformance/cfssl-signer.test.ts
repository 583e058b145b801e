/**
 * A whole tree issued through a real `cfssl serve` per CA (the CA keys made and held by cfssl, never read by kubepki),
 * over cfssl's authenticated remote-signing API; then proven as any tree is: `verify --spec`, a three-member etcd
 * cluster over mutual TLS, and kubectl through the apiserver stand-in.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { CfsslServer } from '../support/cfssl-server';
import { conformanceSpec } from '../support/conformance-trees';
import { EtcdCluster, kubeadmMemberTls } from '../support/etcd-cluster';
import { cliPath, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand } from '../support/managed-process';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';

const havePeers = [
  requireBinary('cfssl', 'cfssl remote signer'),
  requireBinary('etcd', 'cfssl tree in etcd'),
  requireBinary('kubectl', 'cfssl tree with kubectl'),
].every(Boolean);

const cas = [
  { id: 'ca', commonName: 'kubernetes' },
  { id: 'front-proxy-ca', commonName: 'front-proxy-ca' },
  { id: 'etcd-ca', commonName: 'etcd-ca' },
] as const;

describe.runIf(havePeers)('generate --signer cfssl: every CA key held by cfssl serve', () => {
  const authKey = randomBytes(16).toString('hex');
  let work: string;
  let tree: string;
  let specFile: string;
  const servers = new Map<string, CfsslServer>();
  let generated: { code: number | null; stdout: string; stderr: string };

  const kubepki = (args: string[], key = authKey) =>
    runCommand(process.execPath, [cliPath, ...args], {
      env: { ...process.env, KUBEPKI_CFSSL_AUTH_KEY: key },
      timeoutMs: 120_000,
    });
  const signerArgs = () => cas.flatMap((ca) => ['--signer', `${ca.id}=cfssl:${servers.get(ca.id)!.url}`]);
  const pki = (node: string, rel: string) => path.join(tree, node, 'pki', rel);

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-cfssl-');
    tree = path.join(work, 'tree');
    const spec = conformanceSpec('ECDSA-P256');
    spec.spec.pki.caKeys = { ca: 'cfssl', 'front-proxy-ca': 'cfssl', 'etcd-ca': 'cfssl' };
    specFile = path.join(work, 'cluster.yaml');
    fs.writeFileSync(specFile, yaml.dump(spec));
    const config = await kubepki(['cfssl-config', specFile]);
    expect(config.code, config.stderr).toBe(0);
    for (const ca of cas)
      servers.set(
        ca.id,
        await CfsslServer.start(path.join(work, `cfssl-${ca.id}`), ca.commonName, 'ecdsa', JSON.parse(config.stdout)),
      );
    generated = await kubepki(['generate', specFile, '--out', tree, ...signerArgs()]);
  }, 240_000);

  afterAll(async () => {
    for (const server of servers.values()) await server.stop();
    removeTree(work);
  });

  it('issues the whole tree; no CA key is anywhere in it', () => {
    expect(generated.code, generated.stderr).toBe(0);
    const files = (fs.readdirSync(tree, { recursive: true }) as string[]).map(String);
    expect(files.filter((f) => /(^|\/)(ca|front-proxy-ca)\.key$/.test(f))).toEqual([]);
    for (const ca of cas) {
      const rel = ca.id === 'etcd-ca' ? 'etcd/ca.crt' : `${ca.id}.crt`;
      expect(fs.readFileSync(pki('cp1', rel), 'utf8').trim()).toBe(servers.get(ca.id)!.caCertificatePem.trim());
    }
    // Each leaf is signed by cfssl's CA (cfssl's own leaves carry a subject key id, kubepki's do not).
    const apiserver = new X509Certificate(fs.readFileSync(pki('cp1', 'apiserver.crt')));
    expect(apiserver.verify(new X509Certificate(servers.get('ca')!.caCertificatePem).publicKey)).toBe(true);
    expect(apiserver.toLegacyObject().ext_key_usage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('passes verify --spec', async () => {
    const verified = await kubepki(['verify', tree, '--spec', specFile]);
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
  });

  it('is idempotent: a second run signs nothing', async () => {
    const again = await kubepki(['generate', specFile, '--out', tree, ...signerArgs()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l && !l.startsWith('kept'))).toEqual([]);
  });

  it('a wrong auth key is refused by cfssl, and nothing is written', async () => {
    const out = path.join(work, 'refused');
    const refused = await kubepki(
      ['generate', specFile, '--out', out, ...signerArgs()],
      randomBytes(16).toString('hex'),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cfssl authsign refused/);
    expect(fs.existsSync(path.join(out, 'cp1', 'pki', 'apiserver.crt'))).toBe(false);
  });

  it('etcd forms a three-member cluster over mutual TLS with the cfssl-signed certificates', async () => {
    const nodes = ['cp1', 'cp2', 'cp3'];
    const client = {
      cacert: pki('cp1', 'etcd/ca.crt'),
      cert: pki('cp1', 'apiserver-etcd-client.crt'),
      key: pki('cp1', 'apiserver-etcd-client.key'),
    };
    const cluster = await EtcdCluster.start({
      binaries: { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') },
      workDir: path.join(work, 'etcd'),
      members: nodes.map((node) => ({ name: node, tls: kubeadmMemberTls((rel) => pki(node, rel)) })),
      healthClient: {
        cacert: pki('cp1', 'etcd/ca.crt'),
        cert: pki('cp1', 'etcd/healthcheck-client.crt'),
        key: pki('cp1', 'etcd/healthcheck-client.key'),
      },
      healthTimeoutMs: 60_000,
    });
    try {
      const put = await cluster.etcdctl(['put', '/kubepki/cfssl', 'signed-remotely'], client);
      expect(put.code, put.stderr).toBe(0);
      const get = await cluster.etcdctl(['get', '/kubepki/cfssl', '--print-value-only'], client, {
        endpoints: cluster.members[2]!.clientUrl,
      });
      expect(get.stdout.trim()).toBe('signed-remotely');
    } finally {
      await cluster.stop();
    }
  }, 120_000);

  it('kubectl authenticates with admin.conf and verifies the apiserver certificate', async () => {
    const read = (node: string, rel: string) => fs.readFileSync(pki(node, rel), 'utf8');
    const standIn = await ApiserverStandIn.start({
      servingCertificate: read('cp1', 'apiserver.crt'),
      servingKey: read('cp1', 'apiserver.key'),
      clientCa: read('cp1', 'ca.crt'),
      requestHeaderClientCa: read('cp1', 'front-proxy-ca.crt'),
      serviceAccountPublicKey: read('cp1', 'sa.pub'),
      serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
    });
    try {
      const file = path.join(work, 'admin.conf');
      fs.writeFileSync(
        file,
        copyKubeconfig(fs.readFileSync(path.join(tree, 'cp1', 'admin.conf'), 'utf8'), { server: standIn.url }),
        { mode: 0o600 },
      );
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: path.join(work, 'cache') };
      for (const key of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[key];
      const whoami = await runCommand(
        peerBinaryPath('kubectl'),
        ['--kubeconfig', file, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
        { env, timeoutMs: 20_000 },
      );
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({
        username: 'kubernetes-admin',
        groups: ['kubeadm:cluster-admins', 'system:authenticated'],
      });
    } finally {
      await standIn.stop();
    }
  });
});
