import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, createCertificationRequest } from '../../src/crypto';
import { externalCaExchanges, planPki, type ExternalCaExchange, type PkiPlan } from '../../src/plan';
import { RealizeError, realizeLocal, requestCertificates } from '../../src/realize/local';
import { verifyPki } from '../../src/verify';
import { cliPath, removeTree, repoRoot, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import {
  makeOutsideCas,
  opensslSign,
  placeCaCertificates,
  signAllRequests,
  type OutsideCa,
} from '../support/outside-ca';
import { changedPaths, readKubeconfig, readTreeState } from './tree-state';

const allExternal = { ca: 'external-ca', 'front-proxy-ca': 'external-ca', 'etcd-ca': 'external-ca' } as const;
const spec = stackSpec('lab', 'ECDSA-P256', (s) => {
  s.spec.pki.caKeys = { ...allExternal };
});
const plan: PkiPlan = planPki(spec);
const exchanges = externalCaExchanges(plan);

let work: string;
let cas: Map<string, OutsideCa>;
/** The tree after `kubepki csr`, before anything was signed. */
let requested: string;
/** The same with every CSR signed and the CA certificates placed, before generate. */
let signed: string;

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 30_000 }).toString();
const copyTree = (from: string) => {
  const to = temporaryDirectory('kubepki-external-ca-');
  fs.cpSync(from, to, { recursive: true });
  return to;
};
/** The public key (SPKI DER) a kubepki-made key file or partial kubeconfig holds. */
function keyOf(dir: string, e: ExternalCaExchange): Buffer {
  const text = fs.readFileSync(path.join(dir, e.keyFile!), 'utf8');
  const pem =
    e.certificate.storage === 'kubeconfig'
      ? Buffer.from((yaml.load(text) as any).users[0].user['client-key-data'], 'base64').toString()
      : text;
  return createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
}

beforeAll(async () => {
  work = temporaryDirectory('kubepki-external-ca-');
  cas = makeOutsideCas(path.join(work, 'outside-ca'), plan);
  requested = path.join(work, 'requested');
  await requestCertificates(plan, requested);
  signed = copyTree(requested);
  signAllRequests(plan, signed, cas);
  placeCaCertificates(plan, signed, cas);
});
afterAll(() => removeTree(work));

describe('kubepki csr: keys and CSRs in the layout of kubeadm certs generate-csr', () => {
  it('writes, for every leaf the outside CAs sign, a key (0600) and a CSR (0644) beside it; never a CA key', () => {
    expect(exchanges.every((e) => e.keyFile !== undefined)).toBe(true);
    expect(exchanges.map((e) => e.certificate.id).sort()).toEqual(
      plan.certificates
        .filter((c) => !c.isCa)
        .map((c) => c.id)
        .sort(),
    );
    const state = readTreeState(requested);
    for (const e of exchanges) {
      expect(state.get(e.keyFile!)?.mode, e.keyFile).toBe(0o600);
      expect(state.get(e.requestFile)?.mode, e.requestFile).toBe(0o644);
      expect(state.has(e.returnedFile), e.returnedFile).toBe(false);
    }
    expect(exchanges.find((e) => e.certificate.id === 'cp1/apiserver')).toMatchObject({
      keyFile: 'cp1/pki/apiserver.key',
      requestFile: 'cp1/pki/apiserver.csr',
      returnedFile: 'cp1/pki/apiserver.crt',
    });
    expect(exchanges.find((e) => e.certificate.id === 'cp1/admin.conf')).toMatchObject({
      keyFile: 'cp1/admin.conf',
      requestFile: 'cp1/admin.conf.csr',
      returnedFile: 'cp1/admin.conf.crt',
    });
    const files = [...state].filter(([, entry]) => entry.kind === 'file').map(([rel]) => rel);
    expect(files.sort()).toEqual(exchanges.flatMap((e) => [e.keyFile, e.requestFile]).sort());
  });

  it('each CSR is signed by its key and asks for the planned subject, SANs and usages (read by openssl)', () => {
    for (const e of exchanges) {
      const csr = path.join(requested, e.requestFile);
      const text = openssl(['req', '-in', csr, '-noout', '-verify', '-text', '-nameopt', 'RFC2253']);
      const { subject, sans } = e.certificate;
      const rdns = [`CN=${subject.commonName}`, ...[...subject.organizations].reverse().map((o) => `O=${o}`)].join(',');
      expect(text, e.requestFile).toContain(`Subject: ${rdns}`);
      for (const dns of sans.dnsNames) expect(text, e.requestFile).toContain(`DNS:${dns}`);
      for (const ip of sans.ipAddresses)
        expect(text, e.requestFile).toMatch(
          new RegExp(`IP Address:${ip === '::1' ? '0:0:0:0:0:0:0:1' : ip.replace(/\./g, '\\.')}`),
        );
      expect(text).toContain('CA:FALSE');
      expect(text).toContain(
        e.certificate.extendedKeyUsages.includes('serverAuth')
          ? 'TLS Web Server Authentication'
          : 'TLS Web Client Authentication',
      );
      const requestKey = createPublicKey(openssl(['req', '-in', csr, '-noout', '-pubkey'])).export({
        format: 'der',
        type: 'spki',
      });
      expect(requestKey.equals(keyOf(requested, e)), e.requestFile).toBe(true);
    }
  });

  it("a kubeconfig's key waits in kubeadm's partial kubeconfig: the key, no certificate, the planned names", () => {
    const doc = yaml.load(fs.readFileSync(path.join(requested, 'cp1/admin.conf'), 'utf8')) as any;
    expect(doc.users[0].name).toBe('kubernetes-admin');
    expect(doc.users[0].user['client-certificate-data']).toBeUndefined();
    expect(doc.users[0].user['client-key-data']).toBeDefined();
    expect(doc.clusters[0].cluster.server).toBe(plan.kubeconfigs.find((k) => k.id === 'cp1/admin.conf')!.server);
  });

  it('a re-run writes nothing and generates no key; a deleted CSR is made again for the same key', async () => {
    const dir = copyTree(requested);
    try {
      const before = readTreeState(dir);
      const again = await requestCertificates(plan, dir);
      expect(again.generatedKeys).toBe(0);
      expect(again.changes.every((c) => c.action === 'kept')).toBe(true);
      expect(changedPaths(before, readTreeState(dir))).toEqual([]);
      fs.rmSync(path.join(dir, 'cp1/pki/apiserver.csr'));
      const remade = await requestCertificates(plan, dir);
      expect(remade.generatedKeys).toBe(0);
      expect(remade.changes.filter((c) => c.action !== 'kept').map((c) => [c.path, c.action])).toEqual([
        ['cp1/pki/apiserver.csr', 'created'],
      ]);
      const e = exchanges.find((x) => x.certificate.id === 'cp1/apiserver')!;
      expect(
        createPublicKey(openssl(['req', '-in', path.join(dir, e.requestFile), '-noout', '-pubkey']))
          .export({ format: 'der', type: 'spki' })
          .equals(keyOf(dir, e)),
      ).toBe(true);
    } finally {
      removeTree(dir);
    }
  });

  it('killed at any write, the next run completes the keys and CSRs, each CSR matching its key', () => {
    for (const killAfter of [1, 9, 29, 40]) {
      const dir = temporaryDirectory('kubepki-external-ca-crash-');
      try {
        const specFile = path.join(dir, '..', `${path.basename(dir)}.yaml`);
        fs.writeFileSync(specFile, yaml.dump(JSON.parse(JSON.stringify(spec))));
        const killed = spawnSync(process.execPath, [cliPath, 'csr', specFile, '--out', dir], {
          cwd: repoRoot,
          env: { ...process.env, KUBEPKI_TEST_KILL_AFTER_WRITES: String(killAfter) },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(killed.signal, `kill after ${killAfter}`).toBe('SIGKILL');
        const rerun = spawnSync(process.execPath, [cliPath, 'csr', specFile, '--out', dir], {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(rerun.status, rerun.stderr).toBe(0);
        for (const e of exchanges) {
          const requestKey = createPublicKey(
            openssl(['req', '-in', path.join(dir, e.requestFile), '-noout', '-pubkey']),
          ).export({ format: 'der', type: 'spki' });
          expect(requestKey.equals(keyOf(dir, e)), `${e.requestFile} after a kill at write ${killAfter}`).toBe(true);
        }
        expect(fs.readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
        fs.rmSync(specFile);
      } finally {
        removeTree(dir);
      }
    }
  });
});

describe('the certificates an outside CA signed back finish the tree', () => {
  let finished: string;
  beforeAll(() => {
    finished = copyTree(signed);
  });
  afterAll(() => removeTree(finished));

  it('every returned certificate is kept byte for byte, kubeconfigs embed it with their key, no CA key is ever written', async () => {
    const returned = new Map(
      exchanges.map((e) => [e.certificate.id, fs.readFileSync(path.join(finished, e.returnedFile), 'utf8')]),
    );
    const keys = new Map(exchanges.map((e) => [e.certificate.id, keyOf(finished, e)]));
    const report = await realizeLocal(plan, finished);
    const actions = new Map(report.changes.map((c) => [c.path, c]));
    for (const e of exchanges) {
      if (e.certificate.storage === 'kubeconfig') {
        expect(actions.get(e.keyFile!), e.keyFile).toMatchObject({
          action: 'updated',
          reason: 'client certificate embedded',
        });
        const kc = readKubeconfig(finished, e.keyFile!);
        expect(kc.certificatePem, e.keyFile).toBe(returned.get(e.certificate.id));
        expect(
          createPublicKey(createPrivateKey(kc.keyPem))
            .export({ format: 'der', type: 'spki' })
            .equals(keys.get(e.certificate.id)!),
        ).toBe(true);
        expect(kc.caPem).toBe(fs.readFileSync(cas.get('ca')!.certificate, 'utf8'));
      } else {
        expect(actions.get(e.returnedFile)?.action, e.returnedFile).toBe('kept');
        expect(fs.readFileSync(path.join(finished, e.returnedFile), 'utf8')).toBe(returned.get(e.certificate.id));
      }
    }
    // Only the service-account key is made: every certificate key came from kubepki csr, every CA key stays outside.
    expect(report.generatedKeys).toBe(1);
    for (const rel of ['cp1/pki/ca.key', 'cp1/pki/front-proxy-ca.key', 'cp1/pki/etcd/ca.key'])
      expect(fs.existsSync(path.join(finished, rel)), rel).toBe(false);
    const caCertificate = new X509Certificate(fs.readFileSync(cas.get('ca')!.certificate));
    expect(new X509Certificate(fs.readFileSync(path.join(finished, 'w1/pki/ca.crt'))).fingerprint256).toBe(
      caCertificate.fingerprint256,
    );
  });

  it('verify --spec finds no error and no stray file; a re-run changes nothing', async () => {
    const findings = verifyPki(finished, { plan });
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const before = readTreeState(finished);
    const again = await realizeLocal(plan, finished);
    expect(again.changes.filter((c) => c.action !== 'kept')).toEqual([]);
    expect(again.generatedKeys).toBe(0);
    expect(changedPaths(before, readTreeState(finished))).toEqual([]);
    // kubepki csr on a finished tree has nothing to ask for.
    expect((await requestCertificates(plan, finished)).awaiting).toEqual([]);
  });
});

describe('finishing the tree, killed at any write', () => {
  it('the next generate completes it: every kubeconfig embeds its returned certificate and the tree verifies', () => {
    for (const killAfter of [1, 8, 16, 24]) {
      const dir = copyTree(signed);
      const specFile = `${dir}.yaml`;
      try {
        fs.writeFileSync(specFile, yaml.dump(JSON.parse(JSON.stringify(spec))));
        const killed = spawnSync(process.execPath, [cliPath, 'generate', specFile, '--out', dir], {
          cwd: repoRoot,
          env: { ...process.env, KUBEPKI_TEST_KILL_AFTER_WRITES: String(killAfter) },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(killed.signal, `kill after ${killAfter}`).toBe('SIGKILL');
        const rerun = spawnSync(process.execPath, [cliPath, 'generate', specFile, '--out', dir], {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(rerun.status, rerun.stderr).toBe(0);
        for (const e of exchanges.filter((x) => x.kubeconfigFile !== undefined)) {
          expect(
            readKubeconfig(dir, e.kubeconfigFile!).certificatePem,
            `${e.kubeconfigFile} after a kill at write ${killAfter}`,
          ).toBe(fs.readFileSync(path.join(dir, e.returnedFile), 'utf8'));
        }
        expect(
          verifyPki(dir, { plan }).filter((f) => f.severity !== 'info'),
          `after a kill at write ${killAfter}`,
        ).toEqual([]);
      } finally {
        removeTree(dir);
        fs.rmSync(specFile, { force: true });
      }
    }
  });
});

describe('a wrong certificate from the outside CA is refused, naming the file, what differs and the fix; nothing is written', () => {
  const apiserver = () => exchanges.find((e) => e.certificate.id === 'cp1/apiserver')!;
  const cases: { name: string; damage: (dir: string) => void; path: string; code: string; says: string[] }[] = [
    {
      name: 'a missing SAN',
      damage: (dir) =>
        opensslSign(path.join(dir, 'cp1/pki/apiserver.csr'), cas.get('ca')!, path.join(dir, 'cp1/pki/apiserver.crt'), {
          extensions:
            'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:kubernetes,DNS:wrong.example.com,IP:10.96.0.1\n',
        }),
      path: 'cp1/pki/apiserver.crt',
      code: 'no-ca-key',
      says: [
        'does not match the plan',
        'DNS SANs',
        '+kubernetes.default',
        '-wrong.example.com',
        'IP SANs +10.0.0.11',
        'have that CA sign cp1/pki/apiserver.csr again',
        'run `kubepki csr',
      ],
    },
    {
      name: 'the wrong usage',
      damage: (dir) =>
        opensslSign(
          path.join(dir, 'cp1/pki/front-proxy-client.csr'),
          cas.get('front-proxy-ca')!,
          path.join(dir, 'cp1/pki/front-proxy-client.crt'),
          {
            extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
          },
        ),
      path: 'cp1/pki/front-proxy-client.crt',
      code: 'no-ca-key',
      says: [
        'extended key usages +clientAuth -serverAuth',
        'extended key usage clientAuth, valid 8760h (openssl -days 365)',
      ],
    },
    {
      name: 'another validity',
      damage: (dir) =>
        opensslSign(path.join(dir, 'cp1/pki/apiserver.csr'), cas.get('ca')!, path.join(dir, 'cp1/pki/apiserver.crt'), {
          days: 30,
        }),
      path: 'cp1/pki/apiserver.crt',
      code: 'no-ca-key',
      says: ['validity 720h → 8760h'],
    },
    {
      name: 'a certificate for another key',
      damage: (dir) => {
        const other = path.join(dir, 'other.csr');
        openssl([
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
          other,
          '-subj',
          '/CN=kube-apiserver',
        ]);
        opensslSign(other, cas.get('ca')!, path.join(dir, 'cp1/pki/apiserver.crt'), {
          extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
        });
        fs.rmSync(other);
        fs.rmSync(path.join(dir, 'other.key'));
      },
      path: 'cp1/pki/apiserver.crt',
      code: 'key-mismatch',
      says: ['certifies another key than cp1/pki/apiserver.key', 'have it sign cp1/pki/apiserver.csr'],
    },
    {
      name: 'the wrong CA',
      damage: (dir) =>
        opensslSign(
          path.join(dir, 'cp1/pki/apiserver.csr'),
          cas.get('etcd-ca')!,
          path.join(dir, 'cp1/pki/apiserver.crt'),
        ),
      path: 'cp1/pki/apiserver.crt',
      code: 'wrong-issuer',
      says: [
        'is not signed by cp1/pki/ca.crt',
        'CN=etcd-ca',
        'have the CA whose certificate is cp1/pki/ca.crt sign cp1/pki/apiserver.csr',
      ],
    },
    {
      name: "a kubeconfig's certificate not returned",
      damage: (dir) => fs.rmSync(path.join(dir, 'cp1/admin.conf.crt')),
      path: 'cp1/admin.conf.crt',
      code: 'no-ca-key',
      says: ['is missing', 'have that CA sign cp1/admin.conf.csr', 'kubepki embeds it in cp1/admin.conf'],
    },
    {
      name: 'a returned certificate whose key is gone',
      damage: (dir) => fs.rmSync(path.join(dir, 'cp1/pki/etcd/server.key')),
      path: 'cp1/pki/etcd/server.crt',
      code: 'missing-key',
      says: ['cp1/pki/etcd/server.key, which holds its key, is missing'],
    },
  ];

  it.each(cases)('$name', async ({ damage, path: file, code, says }) => {
    const dir = copyTree(signed);
    try {
      damage(dir);
      const before = readTreeState(dir);
      const error = await realizeLocal(plan, dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RealizeError);
      const problems = (error as RealizeError).problems;
      expect(problems.map((p) => [p.path, p.code])).toEqual([[file, code]]);
      for (const words of says) expect(problems[0]!.message).toContain(words);
      expect(changedPaths(before, readTreeState(dir))).toEqual([]);
    } finally {
      removeTree(dir);
    }
  });

  it('generate before kubepki csr says to run it first, for every certificate', async () => {
    const dir = temporaryDirectory('kubepki-external-ca-');
    try {
      placeCaCertificates(plan, dir, cas);
      const error = (await realizeLocal(plan, dir).catch((e: unknown) => e)) as RealizeError;
      expect(error).toBeInstanceOf(RealizeError);
      expect(error.problems.map((p) => p.path).sort()).toEqual(exchanges.map((e) => e.returnedFile).sort());
      for (const p of error.problems) expect(p.message).toContain('run `kubepki csr <spec> --out <dir>` first');
      expect(apiserver().returnedFile).toBe('cp1/pki/apiserver.crt');
    } finally {
      removeTree(dir);
    }
  });
});

describe('a user who keeps their key (users[].csr), under an outside CA', () => {
  const withUserCsr = stackSpec('lab', 'ECDSA-P256', (s) => {
    s.spec.pki.caKeys = { ...allExternal };
    s.spec.users[0]!.csr = 'alice.csr';
  });
  const userPlan = planPki(withUserCsr);

  it("kubepki csr copies the user's own CSR for the outside CA; generate embeds the certificate and no key", async () => {
    const dir = temporaryDirectory('kubepki-external-ca-user-');
    try {
      const aliceKey = await KeyPair.generate('ECDSA-P256');
      const aliceCsr = await createCertificationRequest(aliceKey, {
        commonName: 'alice',
        organizations: ['dev-team', 'oncall'],
      });
      const certificationRequests = new Map([['users/alice.conf', aliceCsr]]);
      const requested = await requestCertificates(userPlan, dir, { certificationRequests });
      expect(requested.generatedKeys).toBe(userPlan.certificates.filter((c) => !c.isCa).length - 1);
      expect(requested.changes.find((c) => c.path === 'users/alice.conf.csr')).toMatchObject({
        action: 'created',
        reason: "the user's CSR (alice.csr)",
      });
      expect(fs.readFileSync(path.join(dir, 'users/alice.conf.csr'), 'utf8')).toBe(aliceCsr);
      expect(fs.existsSync(path.join(dir, 'users/alice.conf'))).toBe(false);

      signAllRequests(userPlan, dir, cas);
      // kubepki user-request's CSR asks for no usages: the outside CA adds a client certificate's.
      opensslSign(path.join(dir, 'users/alice.conf.csr'), cas.get('ca')!, path.join(dir, 'users/alice.conf.crt'), {
        extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
      });
      placeCaCertificates(userPlan, dir, cas);
      const report = await realizeLocal(userPlan, dir, { certificationRequests });
      expect(report.changes.find((c) => c.path === 'users/alice.conf')?.action).toBe('created');
      const doc = yaml.load(fs.readFileSync(path.join(dir, 'users/alice.conf'), 'utf8')) as any;
      expect(doc.users[0].user['client-key-data']).toBeUndefined();
      const certificate = new X509Certificate(Buffer.from(doc.users[0].user['client-certificate-data'], 'base64'));
      expect(certificate.toString()).toBe(
        new X509Certificate(fs.readFileSync(path.join(dir, 'users/alice.conf.crt'))).toString(),
      );
      expect(certificate.publicKey.export({ format: 'der', type: 'spki' }).equals(aliceKey.publicKeyDer())).toBe(true);
      expect(certificate.verify(new X509Certificate(fs.readFileSync(cas.get('ca')!.certificate)).publicKey)).toBe(true);
      const before = readTreeState(dir);
      expect(
        (await realizeLocal(userPlan, dir, { certificationRequests })).changes.filter((c) => c.action !== 'kept'),
      ).toEqual([]);
      expect((await requestCertificates(userPlan, dir, { certificationRequests })).awaiting).toEqual([]);
      expect(changedPaths(before, readTreeState(dir))).toEqual([]);
    } finally {
      removeTree(dir);
    }
  });
});
