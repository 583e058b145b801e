/**
 * CA keys in a PKCS#11 token (SoftHSM2), made there by opensc's pkcs11-tool as never-extractable keys: kubepki signs
 * the CA certificates and every leaf through the token, the keys never leave it, and the tree verifies and runs etcd.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Graphene from 'graphene-pk11';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { startNodeEtcd } from '../support/etcd-cluster';
import { cliPath, removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { runCommand } from '../support/managed-process';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';

const softhsmModule = '/usr/lib/softhsm/libsofthsm2.so';
const havePeers = [
  requireBinary('softhsm2-util', 'HSM signer'),
  requireBinary('pkcs11-tool', 'HSM signer'),
  requireBinary('etcd', 'HSM tree in etcd'),
].every(Boolean);
const pin = '246810';

describe.runIf(havePeers)('generate --signer pkcs11: CA keys held by SoftHSM2, never exported', () => {
  let work: string;
  let tree: string;
  let specFile: string;
  let env: NodeJS.ProcessEnv;
  let generated: { code: number | null; stdout: string; stderr: string };

  const uri = (label: string) => `pkcs11:token=kubepki;object=${label}?module-path=${softhsmModule}`;
  const signerArgs = ['--signer', `ca=${uri('ca')}`, '--signer', `etcd-ca=${uri('etcd-ca')}`];
  const kubepki = (args: string[]) => runCommand(process.execPath, [cliPath, ...args], { env, timeoutMs: 120_000 });
  const pkcs11Tool = (args: string[]) =>
    runCommand(peerBinaryPath('pkcs11-tool'), ['--module', softhsmModule, '--token-label', 'kubepki', ...args], {
      env,
      timeoutMs: 30_000,
    });
  const pki = (rel: string) => path.join(tree, 'cp1', 'pki', rel);

  beforeAll(async () => {
    ensureBuilt();
    work = temporaryDirectory('kubepki-hsm-');
    tree = path.join(work, 'tree');
    fs.mkdirSync(path.join(work, 'tokens'));
    fs.writeFileSync(
      path.join(work, 'softhsm2.conf'),
      `directories.tokendir = ${path.join(work, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    env = { ...process.env, SOFTHSM2_CONF: path.join(work, 'softhsm2.conf'), KUBEPKI_PKCS11_PIN: pin };
    const init = await runCommand(
      peerBinaryPath('softhsm2-util'),
      ['--init-token', '--free', '--label', 'kubepki', '--pin', pin, '--so-pin', '13579'],
      { env },
    );
    expect(init.code, init.stderr).toBe(0);
    for (const [label, id] of [
      ['ca', '01'],
      ['etcd-ca', '02'],
    ]) {
      const made = await pkcs11Tool([
        '--login',
        '--pin',
        pin,
        '--keypairgen',
        '--key-type',
        'EC:prime256v1',
        '--label',
        label!,
        '--id',
        id!,
      ]);
      expect(made.code, made.stderr).toBe(0);
    }
    const spec = stackSpec('lab', 'ECDSA-P256');
    spec.spec.pki.caKeys = { ca: 'hsm', 'etcd-ca': 'hsm' };
    specFile = path.join(work, 'cluster.yaml');
    fs.writeFileSync(specFile, yaml.dump(spec));
    generated = await kubepki(['generate', specFile, '--out', tree, ...signerArgs]);
  }, 120_000);

  afterAll(() => removeTree(work));

  it('issues the tree with the token keys: CA certificates certify the token public keys, no CA key is written', async () => {
    expect(generated.code, generated.stderr).toBe(0);
    expect(fs.existsSync(pki('ca.key'))).toBe(false);
    expect(fs.existsSync(pki('etcd/ca.key'))).toBe(false);
    for (const [label, rel] of [
      ['ca', 'ca.crt'],
      ['etcd-ca', 'etcd/ca.crt'],
    ] as const) {
      const tokenKey = await pkcs11Tool([
        '--read-object',
        '--type',
        'pubkey',
        '--label',
        label,
        '--output-file',
        path.join(work, `${label}.pub.der`),
      ]);
      expect(tokenKey.code, tokenKey.stderr).toBe(0);
      const spki = createPublicKey({
        key: fs.readFileSync(path.join(work, `${label}.pub.der`)),
        format: 'der',
        type: 'spki',
      }).export({ format: 'der', type: 'spki' });
      const certificate = new X509Certificate(fs.readFileSync(pki(rel)));
      expect(certificate.publicKey.export({ format: 'der', type: 'spki' }).equals(spki), label).toBe(true);
      expect(certificate.ca).toBe(true);
      expect(certificate.verify(certificate.publicKey)).toBe(true);
    }
    const openssl = await runCommand('openssl', ['verify', '-CAfile', pki('ca.crt'), pki('apiserver.crt')]);
    expect(openssl.code, openssl.stderr).toBe(0);
  });

  it('the token keys are sensitive and never extractable: the token refuses to hand them out', async () => {
    const list = await pkcs11Tool(['--login', '--pin', pin, '--list-objects', '--type', 'privkey']);
    expect(list.code, list.stderr).toBe(0);
    const objects = list.stdout.split(/(?=Private Key Object)/).filter((o) => o.includes('Private Key Object'));
    expect(objects).toHaveLength(2);
    for (const object of objects) expect(object).toMatch(/Access:.*sensitive.*never extractable/);
    // Asked through PKCS#11 itself (graphene, independent of kubepki's signer): CKA_EXTRACTABLE is false, and the
    // key value (CKA_VALUE) is refused as sensitive.
    process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF;
    const graphene = require('graphene-pk11') as typeof Graphene;
    const module = graphene.Module.load(softhsmModule, 'hsm-test');
    module.initialize();
    try {
      const slots = module.getSlots(true);
      const slot = Array.from({ length: slots.length }, (_, i) => slots.items(i)).find(
        (s) => s.getToken().label.trim() === 'kubepki',
      )!;
      const session = slot.open(graphene.SessionFlag.SERIAL_SESSION);
      session.login(pin);
      const key = session
        .find({ class: graphene.ObjectClass.PRIVATE_KEY, label: 'ca' })
        .items(0)
        .toType<Graphene.PrivateKey>();
      expect(key.extractable).toBe(false);
      expect(key.sensitive).toBe(true);
      expect(() => key.getAttribute({ value: null })).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      session.logout();
      session.close();
    } finally {
      module.finalize();
    }
  });

  it('passes verify --spec, and a second run keeps everything (the CA certificates match the token)', async () => {
    const verified = await kubepki(['verify', tree, '--spec', specFile]);
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    const again = await kubepki(['generate', specFile, '--out', tree, ...signerArgs]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l && !l.startsWith('kept'))).toEqual([]);
  });

  it('a wrong PIN or an unknown key label is refused with the reason, nothing written', async () => {
    const out = path.join(work, 'refused');
    const wrongPin = await runCommand(process.execPath, [cliPath, 'generate', specFile, '--out', out, ...signerArgs], {
      env: { ...env, KUBEPKI_PKCS11_PIN: '000000' },
    });
    expect(wrongPin.code).not.toBe(0);
    expect(wrongPin.stderr).toMatch(/PIN|CKR_PIN_INCORRECT/i);
    const unknown = await kubepki([
      'generate',
      specFile,
      '--out',
      out,
      '--signer',
      `ca=${uri('nope')}`,
      '--signer',
      `etcd-ca=${uri('etcd-ca')}`,
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no private key labelled "nope"');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('etcd serves with the HSM-signed certificates, and etcdctl is accepted', async () => {
    const { cluster, client } = await startNodeEtcd(
      { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') },
      path.join(work, 'etcd'),
      pki,
    );
    try {
      expect((await cluster.etcdctl(['put', '/kubepki/hsm', 'signed-in-token'], client)).code).toBe(0);
      expect((await cluster.etcdctl(['get', '/kubepki/hsm', '--print-value-only'], client)).stdout.trim()).toBe(
        'signed-in-token',
      );
    } finally {
      await cluster.stop();
    }
  }, 120_000);
});
