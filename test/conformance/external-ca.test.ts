/**
 * kubeadm's external-CA round trip with real outside CAs: `kubepki csr` writes keys and CSRs, openssl (the README's
 * own commands, run as written) or `cfssl sign` signs them with CA keys kubepki never sees, `kubepki generate` checks
 * and finishes the tree; then `verify --spec`, a real etcd over mutual TLS and kubectl through the apiserver stand-in
 * accept it.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalCaExchanges, planPki } from '../../src/plan';
import { loadSpecFile } from '../../src/spec';
import { ensureBuilt } from '../cli/built-package';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { startNodeEtcd } from '../support/etcd-cluster';
import { cliPath, removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand } from '../support/managed-process';
import { runKubepkiCommand } from '../support/run-kubepki';
import { makeOutsideCas, opensslSign, placeCaCertificates } from '../support/outside-ca';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';

const havePeers = [
  requireBinary('openssl', 'external-CA round trip'),
  requireBinary('cfssl', 'cfssl sign as the outside CA'),
  requireBinary('etcd', 'external-CA tree in etcd'),
  requireBinary('kubectl', 'external-CA tree with kubectl'),
].every(Boolean);

const specSource = path.join(repoRoot, 'stacks', 'external-ca.cluster.yaml');
const plan = planPki(loadSpecFile(specSource));
const kubepki = (args: string[], cwd = repoRoot) => runKubepkiCommand(args, { cwd });
const noKeyOfCa = (tree: string) =>
  (fs.readdirSync(tree, { recursive: true }) as string[])
    .map(String)
    .filter((f) => /(^|\/)(ca|front-proxy-ca)\.key$/.test(f));

/** The README's external-CA block, as written. */
function readmeRoundTrip(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes('kubepki csr stacks/external-ca.cluster.yaml'));
  if (!block) throw new Error('README.md has no ```sh block with `kubepki csr stacks/external-ca.cluster.yaml`');
  return block;
}

/** A real etcd member serving the tree's etcd certificates; etcdctl writes and reads with apiserver-etcd-client. */
async function etcdAccepts(work: string, tree: string): Promise<void> {
  const pki = (rel: string) => path.join(tree, 'cp1', 'pki', rel);
  const { cluster, client } = await startNodeEtcd(
    { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') },
    path.join(work, 'etcd'),
    pki,
  );
  try {
    const put = await cluster.etcdctl(['put', '/kubepki/external-ca', 'signed-outside'], client);
    expect(put.code, put.stderr).toBe(0);
    const get = await cluster.etcdctl(['get', '/kubepki/external-ca', '--print-value-only'], client);
    expect(get.stdout.trim()).toBe('signed-outside');
  } finally {
    await cluster.stop();
  }
}

/** kubectl auth whoami through the apiserver stand-in (serving the tree's apiserver.crt), with a kubeconfig of the tree. */
async function kubectlWhoami(
  work: string,
  tree: string,
  kubeconfig: string,
): Promise<{ username: string; groups: string[] }> {
  const read = (rel: string) => fs.readFileSync(path.join(tree, 'cp1', 'pki', rel), 'utf8');
  const standIn = await ApiserverStandIn.start({
    servingCertificate: read('apiserver.crt'),
    servingKey: read('apiserver.key'),
    clientCa: read('ca.crt'),
    requestHeaderClientCa: read('front-proxy-ca.crt'),
    serviceAccountPublicKey: read('sa.pub'),
    serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
  });
  try {
    const file = path.join(work, `${path.basename(kubeconfig)}-stand-in`);
    // The apiserver certificate names kubernetes (kubeadm's rule A); the stand-in listens on 127.0.0.1.
    fs.writeFileSync(
      file,
      copyKubeconfig(fs.readFileSync(path.join(tree, kubeconfig), 'utf8'), {
        server: standIn.url,
        tlsServerName: 'kubernetes',
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: path.join(work, 'kube-cache') };
    for (const key of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[key];
    const whoami = await runCommand(
      peerBinaryPath('kubectl'),
      ['--kubeconfig', file, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
      { env, timeoutMs: 20_000 },
    );
    expect(whoami.code, whoami.stderr).toBe(0);
    return JSON.parse(whoami.stdout).status.userInfo;
  } finally {
    await standIn.stop();
  }
}

describe.runIf(havePeers)("kubeadm's external-CA flow with openssl as the outside CA: the README's commands", () => {
  let work: string;
  let run: { code: number | null; stdout: string; stderr: string };
  const tree = () => path.join(work, 'out', 'ext');

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-external-ca-readme-');
    fs.mkdirSync(path.join(work, 'stacks'));
    fs.copyFileSync(specSource, path.join(work, 'stacks', 'external-ca.cluster.yaml'));
    // `npx kubepki` is this checkout's built CLI; everything else runs as the README writes it.
    const script = `set -euo pipefail\nnpx() { if [ "$1" = kubepki ]; then shift; node ${JSON.stringify(cliPath)} "$@"; else command npx "$@"; fi; }\n${readmeRoundTrip()}`;
    run = await runCommand('bash', ['-c', script], { cwd: work, timeoutMs: 180_000 });
  }, 240_000);
  afterAll(() => removeTree(work));

  it('runs as written: csr, openssl signs every CSR, generate finishes the tree, verify --spec passes', () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^ok: out\/ext: .*no drift from stacks\/external-ca\.cluster\.yaml/m);
    expect(noKeyOfCa(tree())).toEqual([]);
    // Every returned certificate is the one openssl signed, chaining to the outside CA.
    const ca = new X509Certificate(fs.readFileSync(path.join(work, 'ca', 'ca.crt')));
    const apiserver = new X509Certificate(fs.readFileSync(path.join(tree(), 'cp1/pki/apiserver.crt')));
    expect(apiserver.verify(ca.publicKey)).toBe(true);
    expect(apiserver.subjectAltName).toContain('DNS:kubernetes.default.svc.cluster.local');
  });

  it('a second generate changes nothing, and csr has nothing left to sign', async () => {
    const spec = path.join(work, 'stacks', 'external-ca.cluster.yaml');
    const again = await kubepki(['generate', spec, '--out', tree()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l && !l.startsWith('kept'))).toEqual([]);
    const csr = await kubepki(['csr', spec, '--out', tree()]);
    expect(csr.code, csr.stderr).toBe(0);
    expect(csr.stderr).toContain('nothing to sign');
  });

  it("etcd serves the outside CA's etcd certificates over mutual TLS", async () => {
    await etcdAccepts(work, tree());
  }, 120_000);

  it('kubectl authenticates with admin.conf (its certificate embedded by kubepki) and verifies the apiserver', async () => {
    expect(await kubectlWhoami(work, tree(), 'cp1/admin.conf')).toEqual({
      username: 'kubernetes-admin',
      groups: ['kubeadm:cluster-admins', 'system:authenticated'],
    });
  });

  it('a certificate from the wrong CA is refused through the CLI: exit 1, the file, the fix, nothing written', async () => {
    const copy = path.join(work, 'wrong-ca');
    fs.cpSync(tree(), copy, { recursive: true });
    const spec = path.join(work, 'stacks', 'external-ca.cluster.yaml');
    opensslSign(
      path.join(copy, 'cp1/pki/apiserver.csr'),
      { certificate: path.join(work, 'ca', 'etcd-ca.crt'), key: path.join(work, 'ca', 'etcd-ca.key') },
      path.join(copy, 'cp1/pki/apiserver.crt'),
    );
    const before = fs.readFileSync(path.join(copy, 'cp1/admin.conf'));
    const refused = await kubepki(['generate', spec, '--out', copy]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'cp1/pki/apiserver.crt: is not signed by cp1/pki/ca.crt (its issuer is "CN=etcd-ca")',
    );
    expect(refused.stderr).toContain('sign cp1/pki/apiserver.csr');
    expect(fs.readFileSync(path.join(copy, 'cp1/admin.conf')).equals(before)).toBe(true);
  });
});

describe.runIf(havePeers)("kubeadm's external-CA flow with cfssl sign as the outside CA", () => {
  let work: string;
  let tree: string;
  let spec: string;

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-external-ca-cfssl-');
    tree = path.join(work, 'tree');
    spec = specSource;
    const requested = await kubepki(['csr', spec, '--out', tree]);
    expect(requested.code, requested.stderr).toBe(0);
    // The outside CA's own configuration: one cfssl signing profile per usage set, its own validity.
    const cfsslUsage = {
      digitalSignature: 'digital signature',
      keyEncipherment: 'key encipherment',
      serverAuth: 'server auth',
      clientAuth: 'client auth',
    } as const;
    const profiles: Record<string, unknown> = {};
    for (const e of externalCaExchanges(plan)) {
      const usages = [...e.certificate.keyUsages, ...e.certificate.extendedKeyUsages] as (keyof typeof cfsslUsage)[];
      profiles[e.certificate.profile] = {
        usages: usages.map((u) => cfsslUsage[u]),
        expiry: `${e.certificate.validityHours}h`,
      };
    }
    const config = path.join(work, 'cfssl-config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ signing: { default: { expiry: '8760h', usages: ['digital signature'] }, profiles } }),
    );
    // The outside CAs' keys stay in work/outside-ca: cfssl reads them, kubepki never does.
    const cas = makeOutsideCas(path.join(work, 'outside-ca'), plan);
    for (const e of externalCaExchanges(plan)) {
      const ca = cas.get(e.certificate.issuer)!;
      const signed = await runCommand(
        peerBinaryPath('cfssl'),
        [
          'sign',
          '-ca',
          ca.certificate,
          '-ca-key',
          ca.key,
          '-config',
          config,
          '-profile',
          e.certificate.profile,
          path.join(tree, e.requestFile),
        ],
        { timeoutMs: 30_000 },
      );
      expect(signed.code, signed.stderr).toBe(0);
      fs.writeFileSync(path.join(tree, e.returnedFile), (JSON.parse(signed.stdout) as { cert: string }).cert);
    }
    placeCaCertificates(plan, tree, cas);
  }, 240_000);
  afterAll(() => removeTree(work));

  it('generate accepts every cfssl-signed certificate and finishes the tree; verify --spec passes', async () => {
    const generated = await kubepki(['generate', spec, '--out', tree]);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toMatch(/^updated {2}cp1\/admin\.conf {2}\(client certificate embedded\)$/m);
    expect(noKeyOfCa(tree)).toEqual([]);
    const verified = await kubepki(['verify', tree, '--spec', spec]);
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
  });

  it('etcd serves the cfssl-signed etcd certificates over mutual TLS', async () => {
    await etcdAccepts(work, tree);
  }, 120_000);

  it("kubectl authenticates as the worker's kubelet (system:node:w1) with its finished kubelet.conf", async () => {
    expect(await kubectlWhoami(work, tree, 'w1/kubelet.conf')).toEqual({
      username: 'system:node:w1',
      groups: ['system:nodes', 'system:authenticated'],
    });
  });
});
