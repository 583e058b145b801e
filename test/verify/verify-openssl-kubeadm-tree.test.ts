/**
 * An /etc/kubernetes that kubepki did not write: built with the openssl CLI the way kubeadm names and shapes things
 * (ECDSA keys in SEC1 and PKCS#8, keyEncipherment on ECDSA as kubeadm sets it, a kubeconfig in kubeadm's layout).
 * verify must read it without crashing, report it sensibly (the kubeadm bug at most as a note, missing files as
 * warnings, no error for a sound tree), and still catch a real defect in it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryReport, renderExpiryText, verifyPki } from '../../src/verify';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeFindings, errorFiles } from './verify-test-trees';

let root: string;
let etc: string;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 30_000 });
}

/** Signs `<name>.csr` with pki/ca into `<name>.crt` with these extensions (openssl x509 -extfile). */
function signLeaf(pki: string, name: string, subject: string, extensions: string[], keyArgs: string[]): void {
  openssl([...keyArgs, '-out', `${name}.key`], pki);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], pki);
  fs.writeFileSync(path.join(pki, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '365',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    pki,
  );
  for (const ext of ['csr', 'ext']) fs.rmSync(path.join(pki, `${name}.${ext}`));
}

/** A kubeconfig as kubeadm's client-go writer lays it out (field order and all). */
function kubeadmKubeconfig(server: string, caPem: string, user: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(caPem)}`,
    `    server: ${server}`,
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    `    user: ${user}`,
    `  name: ${user}@kubernetes`,
    `current-context: ${user}@kubernetes`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(certPem)}`,
    `    client-key-data: ${b64(keyPem)}`,
    '',
  ].join('\n');
}

const apiserverSans =
  'subjectAltName=DNS:node1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:192.168.1.10';

function buildTree(dir: string, sans = apiserverSans): void {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], pki);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=kubernetes',
      '-days',
      '3650',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext',
      'subjectAltName=DNS:kubernetes',
      '-out',
      'ca.crt',
    ],
    pki,
  );
  const leaf = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  // kubeadm's own keys are SEC1; kubeadm also reads PKCS#8, which `openssl genpkey` writes.
  signLeaf(
    pki,
    'apiserver',
    '/CN=kube-apiserver',
    [...leaf, 'extendedKeyUsage=serverAuth', sans],
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  );
  signLeaf(
    pki,
    'admin',
    '/O=kubeadm:cluster-admins/CN=kubernetes-admin',
    [...leaf, 'extendedKeyUsage=clientAuth'],
    ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'],
  );
  const read = (f: string) => fs.readFileSync(path.join(pki, f), 'utf8');
  fs.writeFileSync(
    path.join(dir, 'admin.conf'),
    kubeadmKubeconfig(
      'https://192.168.1.10:6443',
      read('ca.crt'),
      'kubernetes-admin',
      read('admin.crt'),
      read('admin.key'),
    ),
    { mode: 0o600 },
  );
  // kubeadm's kubelet.conf after TLS bootstrap: the client certificate is the kubelet's rotated file, not embedded.
  const kubelet = kubeadmKubeconfig('https://192.168.1.10:6443', read('ca.crt'), 'default-auth', '', '')
    .replace(/client-certificate-data: .*/, 'client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem')
    .replace(/client-key-data: .*/, 'client-key: /var/lib/kubelet/pki/kubelet-client-current.pem');
  fs.writeFileSync(path.join(dir, 'kubelet.conf'), kubelet, { mode: 0o600 });
  for (const f of ['admin.crt', 'admin.key', 'ca.srl']) fs.rmSync(path.join(pki, f), { force: true });
  for (const f of fs.readdirSync(pki)) fs.chmodSync(path.join(pki, f), f.endsWith('.key') ? 0o600 : 0o644);
}

beforeAll(() => {
  root = temporaryDirectory('kubepki-openssl-');
  etc = path.join(root, 'etc-kubernetes');
  buildTree(etc);
});
afterAll(() => removeTree(root));

describe('an openssl-built kubeadm /etc/kubernetes', () => {
  it('verifies without errors; the ECDSA keyEncipherment kubeadm bug is a note, not a warning', () => {
    const findings = verifyPki(etc);
    expect(errorFiles(findings), describeFindings(findings)).toEqual([]);
    const bug = findings.filter((f) => f.id === 'usage.ecdsa-key-encipherment');
    expect(bug.map((f) => f.file).sort()).toEqual(['admin.conf', 'pki/apiserver.crt', 'pki/ca.crt']);
    expect(bug.every((f) => f.severity === 'info')).toBe(true);
  });

  it("notes that kubelet.conf uses the kubelet's rotated certificate file, and checks its CA and server", () => {
    const findings = verifyPki(etc).filter((f) => f.file === 'kubelet.conf');
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['kubeconfig.external-certificate', 'info']]);
    expect(findings[0]!.message).toContain('/var/lib/kubelet/pki/kubelet-client-current.pem');
  });

  it('names what kubeadm would also have written as missing (warnings), and nothing it did write', () => {
    const findings = verifyPki(etc);
    const missing = findings.filter((f) => f.id === 'file.missing');
    expect(missing.every((f) => f.severity === 'warning')).toBe(true);
    expect(missing.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'pki/front-proxy-ca.crt',
        'pki/apiserver-kubelet-client.crt',
        'pki/sa.key',
        'controller-manager.conf',
        'scheduler.conf',
      ]),
    );
    for (const present of [
      'pki/ca.crt',
      'pki/ca.key',
      'pki/apiserver.crt',
      'pki/apiserver.key',
      'admin.conf',
      'kubelet.conf',
    ])
      expect(missing.map((f) => f.file)).not.toContain(present);
    // No etcd files at all: external etcd, so none of them are expected.
    expect(missing.some((f) => f.file.includes('etcd'))).toBe(false);
  });

  it('prints the check-expiration table with the missing certificates flagged like kubeadm', () => {
    const text = renderExpiryText(expiryReport(etc));
    expect(text).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +CERTIFICATE AUTHORITY +EXTERNALLY MANAGED\n/);
    // Columns line up as kubeadm's tabwriter does, the `!MISSING! <name>` cells included in the first column's width.
    const [header, admin] = text.split('\n');
    expect(admin!.indexOf('UTC') - 19).toBe(header!.indexOf('EXPIRES'));
    expect(header!.indexOf('EXPIRES')).toBe('!MISSING! apiserver-kubelet-client'.length + 3);
    expect(text).toMatch(/\nadmin\.conf +\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC +36[45]d +ca +no *\n/);
    expect(text).toMatch(/\napiserver +\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC +36[45]d +ca +no *\n/);
    expect(text).toContain('!MISSING! front-proxy-client');
    expect(text).toMatch(/\nca +\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC +9y +no *\n/);
    expect(text).toContain('!MISSING! front-proxy-ca');
  });

  it('still catches a real defect: the apiserver certificate does not cover the server admin.conf dials', () => {
    const dir = path.join(root, 'no-ip-san');
    buildTree(dir, apiserverSans.replace(',IP:192.168.1.10', ''));
    const findings = verifyPki(dir);
    expect(errorFiles(findings), describeFindings(findings)).toEqual(['pki/apiserver.crt']);
    expect(findings.find((f) => f.id === 'san.missing')?.message).toContain(
      'lacks the SAN 192.168.1.10, the server of admin.conf',
    );
  });

  it('reports unreadable files instead of crashing', () => {
    const dir = path.join(root, 'broken');
    buildTree(dir);
    fs.writeFileSync(path.join(dir, 'pki/apiserver.crt'), 'not a certificate');
    fs.writeFileSync(path.join(dir, 'scheduler.conf'), 'kind: [', { mode: 0o600 });
    const findings = verifyPki(dir);
    expect(
      findings
        .filter((f) => f.id === 'file.unreadable')
        .map((f) => f.file)
        .sort(),
    ).toEqual(['pki/apiserver.crt', 'scheduler.conf']);
  });
});
