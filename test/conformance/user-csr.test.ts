/**
 * A user's key never leaves their machine: `kubepki user-request` makes it (0600) and a CSR, the administrator's
 * `kubepki generate` signs the CSR and writes a kubeconfig with the certificate only, and the user's one command adds
 * their key. Proven with the installed kubectl (`config set-credentials`, `auth whoami`) against the apiserver stand-in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClientKeyCommand, parseKubeconfig } from '../../src/outputs';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { cliPath, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from '../cli/built-package';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand } from '../support/managed-process';
import { runKubepkiCommand } from '../support/run-kubepki';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';

const haveKubectl = requireBinary('kubectl', 'user CSR flow with kubectl');

/** The built CLI, as users run it: the one test that spawns `user-request` (every other call runs in-process). */
function kubepkiBin(args: string[]) {
  return runCommand(process.execPath, [cliPath, ...args], { timeoutMs: 60_000 });
}
const kubepki = (args: string[]) => runKubepkiCommand(args);

function specText(csr: string, groups: string[]): string {
  return yaml.dump({
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'csr-lab' },
    spec: {
      controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
      apiServer: { certSANs: ['127.0.0.1'] },
      pki: { encryptionAlgorithm: 'ECDSA-P256' },
      users: [{ name: 'alice', groups, csr }],
    },
  });
}

describe.runIf(haveKubectl)('user CSRs: the key stays on the user machine', () => {
  let work: string;
  let laptop: string;
  let admin: string;
  let tree: string;
  let standIn: ApiserverStandIn | undefined;
  let generateOutput: string;

  const kubectlEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: path.join(work, 'cache') };
    for (const key of [
      'KUBECONFIG',
      'HTTPS_PROXY',
      'https_proxy',
      'HTTP_PROXY',
      'http_proxy',
      'ALL_PROXY',
      'all_proxy',
    ])
      delete env[key];
    return env;
  };
  const pki = (rel: string) => fs.readFileSync(path.join(tree, 'cp1', 'pki', rel), 'utf8');

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-user-csr-');
    laptop = path.join(work, 'laptop');
    admin = path.join(work, 'admin');
    tree = path.join(admin, 'out');
    fs.mkdirSync(admin);
    const request = await kubepkiBin(['user-request', 'alice', '--group', 'dev-team', '--out', laptop]);
    expect(request.code, request.stderr).toBe(0);
    // Only the CSR travels to the administrator.
    fs.copyFileSync(path.join(laptop, 'alice.csr'), path.join(admin, 'alice.csr'));
    fs.writeFileSync(path.join(admin, 'cluster.yaml'), specText('alice.csr', ['dev-team', 'oncall']));
    const generated = await kubepki(['generate', path.join(admin, 'cluster.yaml'), '--out', tree]);
    expect(generated.code, generated.stderr).toBe(0);
    generateOutput = generated.stderr;
    standIn = await ApiserverStandIn.start({
      servingCertificate: pki('apiserver.crt'),
      servingKey: pki('apiserver.key'),
      clientCa: pki('ca.crt'),
      requestHeaderClientCa: pki('front-proxy-ca.crt'),
      serviceAccountPublicKey: pki('sa.pub'),
      serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
    });
  });

  afterAll(async () => {
    await standIn?.stop();
    removeTree(work);
  });

  it('user-request writes the key 0600 and a CSR for the name and groups asked', () => {
    expect(fs.statSync(path.join(laptop, 'alice.key')).mode & 0o777).toBe(0o600);
    const csr = fs.readFileSync(path.join(laptop, 'alice.csr'), 'utf8');
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(csr).not.toMatch(/PRIVATE KEY/);
  });

  it('the kubeconfig carries a certificate for the user key with the spec groups, and never the key', () => {
    const text = fs.readFileSync(path.join(tree, 'users', 'alice.conf'), 'utf8');
    const keyPem = fs.readFileSync(path.join(laptop, 'alice.key'), 'utf8');
    expect(text).not.toMatch(/client-key/);
    expect(text).not.toContain(Buffer.from(keyPem).toString('base64').slice(0, 40));
    const kubeconfig = parseKubeconfig(text);
    expect(kubeconfig.clientKeyPem).toBeUndefined();
    const certificate = new X509Certificate(kubeconfig.clientCertificatePem!);
    expect(certificate.subject.split('\n').sort()).toEqual(['CN=alice', 'O=dev-team', 'O=oncall']);
    expect(certificate.verify(new X509Certificate(pki('ca.crt')).publicKey)).toBe(true);
    const userPublic = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
    expect(certificate.publicKey.export({ format: 'der', type: 'spki' }).equals(userPublic)).toBe(true);
    // No file of the tree holds the user's key.
    const all = fs.readdirSync(tree, { recursive: true }) as string[];
    for (const rel of all) {
      const full = path.join(tree, rel);
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full, 'utf8')).not.toContain(keyPem.split('\n')[1]!);
    }
    expect(generateOutput).toContain(addClientKeyCommand('alice@csr-lab', 'alice.conf', 'alice.key')); // users are named <name>@<cluster>
  });

  it('the one command adds the user key, and kubectl authenticates as the spec says', async () => {
    const mine = path.join(laptop, 'alice.conf');
    fs.writeFileSync(
      mine,
      copyKubeconfig(fs.readFileSync(path.join(tree, 'users', 'alice.conf'), 'utf8'), { server: standIn!.url }),
      { mode: 0o600 },
    );
    const kubectl = peerBinaryPath('kubectl');
    const without = await runCommand(
      kubectl,
      ['--kubeconfig', mine, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
      { env: kubectlEnv() },
    );
    expect(without.code).not.toBe(0);
    const [, ...args] = addClientKeyCommand('alice@csr-lab', mine, path.join(laptop, 'alice.key')).split(' ');
    const added = await runCommand(kubectl, args, { env: kubectlEnv() });
    expect(added.code, added.stderr).toBe(0);
    const whoami = await runCommand(
      kubectl,
      ['--kubeconfig', mine, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
      { env: kubectlEnv(), timeoutMs: 20_000 },
    );
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({
      username: 'alice',
      groups: ['dev-team', 'oncall', 'system:authenticated'],
    });
  });

  it('the CertificateSigningRequest manifest carries the CSR for the kube-apiserver-client signer', () => {
    const manifest = yaml.load(fs.readFileSync(path.join(tree, 'users', 'alice-csr.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: { request: string; signerName: string; usages: string[]; expirationSeconds: number };
    };
    expect(manifest.apiVersion).toBe('certificates.k8s.io/v1');
    expect(manifest.kind).toBe('CertificateSigningRequest');
    expect(manifest.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
    expect(manifest.spec.usages).toContain('client auth');
    expect(manifest.spec.expirationSeconds).toBe(8760 * 3600);
    expect(Buffer.from(manifest.spec.request, 'base64').toString()).toBe(
      fs.readFileSync(path.join(laptop, 'alice.csr'), 'utf8'),
    );
  });

  it('a second run keeps the certificate; a new CSR (new key) reissues it', async () => {
    const again = await kubepki(['generate', path.join(admin, 'cluster.yaml'), '--out', tree]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/kept\s+users\/alice\.conf/);
    const renewed = await kubepki([
      'user-request',
      'alice',
      '--group',
      'dev-team',
      '--out',
      path.join(work, 'laptop2'),
    ]);
    expect(renewed.code).toBe(0);
    fs.copyFileSync(path.join(work, 'laptop2', 'alice.csr'), path.join(admin, 'alice.csr'));
    const third = await kubepki(['generate', path.join(admin, 'cluster.yaml'), '--out', tree]);
    expect(third.stdout).toMatch(/reissued users\/alice\.conf\s+\(the user's CSR has a new key\)/);
  });

  it('a CSR asking for more groups than the spec gives is refused with the reason, nothing written', async () => {
    const evil = path.join(work, 'evil');
    expect(
      (await kubepki(['user-request', 'alice', '-g', 'dev-team', '-g', 'system:masters', '--out', evil])).code,
    ).toBe(0);
    fs.copyFileSync(path.join(evil, 'alice.csr'), path.join(admin, 'evil.csr'));
    fs.writeFileSync(path.join(admin, 'evil.yaml'), specText('evil.csr', ['dev-team']));
    const out = path.join(admin, 'evil-out');
    const refused = await kubepki(['generate', path.join(admin, 'evil.yaml'), '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('spec.users[0].csr');
    expect(refused.stderr).toContain('"system:masters"');
    expect(refused.stderr).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE REQUEST/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a CSR for another name, or one whose signature does not verify, is refused', async () => {
    const bob = path.join(work, 'bob');
    expect((await kubepki(['user-request', 'bob', '--out', bob])).code).toBe(0);
    fs.copyFileSync(path.join(bob, 'bob.csr'), path.join(admin, 'bob.csr'));
    fs.writeFileSync(path.join(admin, 'bob.yaml'), specText('bob.csr', []));
    const wrongName = await kubepki(['generate', path.join(admin, 'bob.yaml'), '--out', path.join(admin, 'bob-out')]);
    expect(wrongName.code).toBe(2);
    expect(wrongName.stderr).toMatch(/CN is "bob" but the spec's user is "alice"/);

    // Flip one byte of the signature: the CSR no longer proves possession of its key.
    const der = Buffer.from(
      fs.readFileSync(path.join(laptop, 'alice.csr'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    );
    der[der.length - 3] ^= 0x01;
    fs.writeFileSync(
      path.join(admin, 'tampered.csr'),
      `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`,
    );
    fs.writeFileSync(path.join(admin, 'tampered.yaml'), specText('tampered.csr', ['dev-team']));
    const tampered = await kubepki([
      'generate',
      path.join(admin, 'tampered.yaml'),
      '--out',
      path.join(admin, 'tampered-out'),
    ]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/signature does not verify/);
  });
});
