import {
  createHash,
  X509Certificate,
  createPublicKey,
  generateKeyPairSync,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, mintServiceAccountToken, verifyServiceAccountToken } from '../../src/crypto';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { sharedTree } from '../support/shared-trees';
import {
  decodeJwtSegment,
  describeRun,
  fixtureFile,
  kubectl,
  kubectlStatus,
  runKubepki,
  teamStackFile,
  type CliRun,
} from './access-cli';

// `kubepki token` mints service-account JWTs with sa.key the way kube-apiserver's TokenRequest does; everything here is
// checked with Node's own crypto against sa.pub, never with the code under test. `kubepki token verify` must accept
// what kube-apiserver would accept and name the reason for everything it would reject.

const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface Minted {
  run: CliRun;
  jwt: string;
  header: Record<string, any>;
  payload: Record<string, any>;
  signingInput: Buffer;
  signature: Buffer;
  /** Wall-clock seconds around the CLI call, to bound iat. */
  before: number;
  after: number;
}

function split(jwt: string) {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  return {
    header: decodeJwtSegment(h),
    payload: decodeJwtSegment(p),
    signingInput: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

async function mint(pki: string, args: string[] = []): Promise<Minted> {
  const before = Math.floor(Date.now() / 1000);
  const run = await runKubepki([
    'token',
    '--pki',
    pki,
    '--service-account',
    'ci/deployer',
    '--allow-undeclared',
    ...args,
  ]);
  const after = Math.ceil(Date.now() / 1000);
  if (run.status !== 0) throw new Error(`token failed\n${describeRun(run)}`);
  const lines = run.stdout.trimEnd().split('\n');
  const jwt = lines[lines.length - 1]!;
  return { run, jwt, ...split(jwt), before, after };
}

const saPub = (pki: string) => createPublicKey(fs.readFileSync(path.join(pki, 'sa.pub')));

/** kube-apiserver's keyIDFromPublicKey: base64url (unpadded) SHA-256 of the PKIX DER. Computed here independently. */
const keyIdOf = (key: KeyObject) =>
  createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest('base64url');

/** A JWS signature check with node:crypto: PKCS#1 v1.5 for RS256, IEEE P1363 (r||s) for ES256. */
function signatureVerifies(m: Pick<Minted, 'signingInput' | 'signature'>, key: KeyObject): boolean {
  if (key.asymmetricKeyType === 'ec')
    return verifySignature('sha256', m.signingInput, { key, dsaEncoding: 'ieee-p1363' }, m.signature);
  return verifySignature('sha256', m.signingInput, key, m.signature);
}

async function verifyCli(jwt: string, pki: string, args: string[] = []): Promise<CliRun> {
  return await runKubepki(['token', 'verify', jwt, '--pki', pki, ...args]);
}

describe('service-account tokens', () => {
  let root: string;
  /** `<node dir>/pki` of each tree. */
  let rsaPki: string;
  let rsaNode: string;
  let ecPki: string;
  let ecNode: string;
  let otherEcPki: string;
  let otherRsaPki: string;

  beforeAll(async () => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-tokens-');
    // One RSA-2048 lab tree for RS256, ECDSA-P256 trees for ES256 and for "another cluster's key".
    const rsa = await sharedTree('lab', 'RSA-2048');
    rsaNode = path.join(rsa.dir, 'cp1');
    rsaPki = path.join(rsaNode, 'pki');
    for (const [spec, name] of [
      [teamStackFile, 'team-ec'],
      [fixtureFile('access-users.cluster.yaml'), 'other-ec'],
    ] as const) {
      const run = await runKubepki(['generate', spec, '--out', path.join(root, name), '--quiet']);
      if (run.status !== 0) throw new Error(describeRun(run));
    }
    ecNode = path.join(root, 'team-ec', 'cp1');
    ecPki = path.join(ecNode, 'pki');
    otherEcPki = path.join(root, 'other-ec', 'cp1', 'pki');
    // Another RSA key, as another cluster's sa.pub would be: only sa.pub is needed to verify.
    otherRsaPki = path.join(root, 'other-rsa');
    fs.mkdirSync(otherRsaPki);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(otherRsaPki, 'sa.pub'), publicKey.export({ format: 'pem', type: 'spki' }));
  });
  afterAll(() => removeTree(root));

  describe.each([
    { alg: 'RS256', pki: () => rsaPki, node: () => rsaNode, signatureBytes: 256 },
    { alg: 'ES256', pki: () => ecPki, node: () => ecNode, signatureBytes: 64 },
  ])('$alg', ({ alg, pki, node, signatureBytes }) => {
    let minted: Minted;
    beforeAll(async () => {
      minted = await mint(node(), ['--uid', '2b1e4c1a-1f6e-4f5b-9d43-6a3e9b2f7c10']);
    });

    it('prints the JWT alone on the last line of stdout', () => {
      expect(minted.jwt).toMatch(jwtShape);
      expect(minted.run.stdout.trim()).toBe(minted.jwt);
      // --uid was given, so no warning about it.
      expect(minted.run.stderr).not.toContain('--uid');
    });

    it(`header: alg ${alg}, kid = base64url(SHA-256(SPKI DER of sa.pub))`, () => {
      expect(minted.header).toEqual({ alg, kid: keyIdOf(saPub(pki())) });
      expect(minted.header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('claims: kubeadm issuer, audience = issuer, SA subject, kubernetes.io, 1h default lifetime, nbf = iat', () => {
      const p = minted.payload;
      expect(Object.keys(p).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
      expect(p.iss).toBe(defaultIssuer);
      expect(p.aud).toEqual([defaultIssuer]);
      expect(p.sub).toBe('system:serviceaccount:ci:deployer');
      expect(p['kubernetes.io']).toEqual({
        namespace: 'ci',
        serviceaccount: { name: 'deployer', uid: '2b1e4c1a-1f6e-4f5b-9d43-6a3e9b2f7c10' },
      });
      expect(p.iat).toBeGreaterThanOrEqual(minted.before);
      expect(p.iat).toBeLessThanOrEqual(minted.after);
      expect(p.nbf).toBe(p.iat);
      expect(p.exp - p.iat).toBe(3600);
      expect(p.jti).toMatch(/^[0-9a-f-]{36}$/);
    });

    it(`the signature verifies with node:crypto against sa.pub (${signatureBytes}-byte ${alg} signature)`, () => {
      expect(minted.signature).toHaveLength(signatureBytes);
      expect(signatureVerifies(minted, saPub(pki()))).toBe(true);
      // The control: one flipped bit in the signed bytes breaks it.
      const tampered = Buffer.from(minted.signingInput);
      tampered[tampered.length - 1]! ^= 1;
      expect(signatureVerifies({ signingInput: tampered, signature: minted.signature }, saPub(pki()))).toBe(false);
    });

    it('token verify accepts it: identity, groups, uid, expiry', async () => {
      const run = await verifyCli(minted.jwt, pki());
      expect(run.status, describeRun(run)).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([
        'authenticated: system:serviceaccount:ci:deployer',
        'groups: system:serviceaccounts, system:serviceaccounts:ci, system:authenticated',
        'uid: 2b1e4c1a-1f6e-4f5b-9d43-6a3e9b2f7c10',
        `expires: ${new Date(minted.payload.exp * 1000).toISOString()}`,
      ]);
    });

    it('--duration and repeated --audience set exp and aud', async () => {
      const m = await mint(node(), [
        '--duration',
        '10m',
        '--audience',
        'vault',
        '--audience',
        'https://ci.example.com',
      ]);
      expect(m.payload.exp - m.payload.iat).toBe(600);
      expect(m.payload.aud).toEqual(['vault', 'https://ci.example.com']);
      expect(m.payload.iss).toBe(defaultIssuer);
      expect(signatureVerifies(m, saPub(pki()))).toBe(true);
      // Without --uid the CLI says when the UID matters.
      expect(m.run.stderr).toContain('--uid');
      expect(m.payload['kubernetes.io'].serviceaccount.name).toBe('deployer');

      const wrongAudience = await verifyCli(m.jwt, pki());
      expect(wrongAudience.status, describeRun(wrongAudience)).toBe(1);
      expect(wrongAudience.stdout.trim()).toBe(
        `rejected: audience ["vault","https://ci.example.com"] does not include any of ["${defaultIssuer}"]`,
      );
      const rightAudience = await verifyCli(m.jwt, pki(), ['--audience', 'https://ci.example.com']);
      expect(rightAudience.status, describeRun(rightAudience)).toBe(0);
    });

    it('--dns-domain and --issuer set iss (and the default audience); a verifier expecting another issuer rejects it', async () => {
      const m = await mint(node(), ['--dns-domain', 'corp.example']);
      expect(m.payload.iss).toBe('https://kubernetes.default.svc.corp.example');
      expect(m.payload.aud).toEqual(['https://kubernetes.default.svc.corp.example']);
      const wrongIssuer = await verifyCli(m.jwt, pki(), ['--audience', 'https://kubernetes.default.svc.corp.example']);
      expect(wrongIssuer.status, describeRun(wrongIssuer)).toBe(1);
      expect(wrongIssuer.stdout.trim()).toBe(
        `rejected: issuer "https://kubernetes.default.svc.corp.example" is not the expected "${defaultIssuer}"`,
      );
      expect((await verifyCli(m.jwt, pki(), ['--dns-domain', 'corp.example'])).status).toBe(0);

      const custom = await mint(node(), ['--issuer', 'https://oidc.example.com/cluster']);
      expect(custom.payload.iss).toBe('https://oidc.example.com/cluster');
      expect(custom.payload.aud).toEqual(['https://oidc.example.com/cluster']);
      expect((await verifyCli(custom.jwt, pki(), ['--issuer', 'https://oidc.example.com/cluster'])).status).toBe(0);
    });
  });

  describe('rejections, each with its reason', () => {
    it("ES256 token against another cluster's ECDSA sa.pub: signed by another key", async () => {
      const m = await mint(ecNode);
      expect(signatureVerifies(m, saPub(otherEcPki))).toBe(false);
      const run = await verifyCli(m.jwt, otherEcPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout.trim()).toBe(
        'rejected: signature does not verify against sa.pub: the token was signed by another key',
      );
    });

    it('RS256 token against another RSA sa.pub: signed by another key', async () => {
      const m = await mint(rsaNode);
      expect(signatureVerifies(m, saPub(otherRsaPki))).toBe(false);
      const run = await verifyCli(m.jwt, otherRsaPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout).toMatch(/^rejected: .*another key/m);
    });

    it('RS256 token against an ECDSA sa.pub: the algorithm does not fit the key', async () => {
      const run = await verifyCli((await mint(rsaNode)).jwt, ecPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout).toMatch(/^rejected: token algorithm does not fit sa.pub/m);
    });

    it('a payload edited after signing (another service account) fails the signature', async () => {
      const m = await mint(ecNode);
      const [h, , s] = m.jwt.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...m.payload, sub: 'system:serviceaccount:kube-system:default' }),
      ).toString('base64url');
      const run = await verifyCli(`${h}.${forged}.${s}`, ecPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout).toContain('rejected: signature does not verify against sa.pub');
    });

    it('an expired token (minted two hours ago for one hour) is rejected though its signature is good', async () => {
      const key = KeyPair.fromPem(fs.readFileSync(path.join(ecPki, 'sa.key')));
      const now = new Date(Date.now() - 2 * 3600_000);
      const jwt = await mintServiceAccountToken(key, {
        namespace: 'ci',
        name: 'deployer',
        audiences: [defaultIssuer],
        issuer: defaultIssuer,
        expiresInSeconds: 3600,
        now,
      });
      const parts = split(jwt);
      expect(signatureVerifies(parts, saPub(ecPki))).toBe(true);
      expect(parts.payload.exp).toBe(Math.floor(now.getTime() / 1000) + 3600);

      const run = await verifyCli(jwt, ecPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout.trim()).toBe(`rejected: token expired at ${new Date(parts.payload.exp * 1000).toISOString()}`);
      // The library says the same, and accepts it at a time inside its lifetime.
      expect(
        await verifyServiceAccountToken(jwt, fs.readFileSync(path.join(ecPki, 'sa.pub'), 'utf8'), {
          issuer: defaultIssuer,
          audiences: [defaultIssuer],
        }),
      ).toEqual({
        authenticated: false,
        reason: `token expired at ${new Date(parts.payload.exp * 1000).toISOString()}`,
      });
      const inside = await verifyServiceAccountToken(jwt, fs.readFileSync(path.join(ecPki, 'sa.pub'), 'utf8'), {
        issuer: defaultIssuer,
        audiences: [defaultIssuer],
        now: new Date(now.getTime() + 1800_000),
      });
      expect(inside).toMatchObject({ authenticated: true, user: 'system:serviceaccount:ci:deployer' });
    });

    it('a token not valid yet (issued an hour from now) is rejected with its nbf', async () => {
      const key = KeyPair.fromPem(fs.readFileSync(path.join(rsaPki, 'sa.key')));
      const now = new Date(Date.now() + 3600_000);
      const jwt = await mintServiceAccountToken(key, {
        namespace: 'ci',
        name: 'deployer',
        audiences: [defaultIssuer],
        issuer: defaultIssuer,
        expiresInSeconds: 3600,
        now,
      });
      expect(split(jwt).header.alg).toBe('RS256');
      const run = await verifyCli(jwt, rsaPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout.trim()).toBe(
        `rejected: token is not valid before ${new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString()}`,
      );
    });

    it('something that is not a JWT', async () => {
      const run = await verifyCli('not.a-jwt', ecPki);
      expect(run.status, describeRun(run)).toBe(1);
      expect(run.stdout).toMatch(/^rejected: not a valid JWT/m);
    });
  });

  describe('--kubeconfig: a CI/CD kubeconfig that uses the token', () => {
    const kubectlCheck = kubectlStatus();

    it.each([
      { via: 'the node directory', pki: () => ecNode, node: () => ecNode },
      { via: 'its pki/ directory', pki: () => ecPki, node: () => ecNode },
      { via: 'an RSA tree', pki: () => rsaNode, node: () => rsaNode },
    ])("--pki $via: 0600, token = printed JWT, CA = ca.crt, server = admin.conf's", async ({ pki, node }) => {
      const file = path.join(
        root,
        'kubeconfigs',
        `${path.basename(path.dirname(node()))}-${Math.random().toString(36).slice(2)}.conf`,
      );
      const m = await mint(pki(), ['--kubeconfig', file]);
      expect(m.run.stderr).toContain(`wrote ${file}`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);

      const doc = yaml.load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
      const admin = yaml.load(fs.readFileSync(path.join(node(), 'admin.conf'), 'utf8')) as Record<string, any>;
      expect(doc.kind).toBe('Config');
      expect(doc.users).toHaveLength(1);
      expect(doc.users[0].user).toEqual({ token: m.jwt });
      expect(doc.clusters).toHaveLength(1);
      // Named after this cluster's CA (SHA-256 of ca.crt's DER), so merging it with another cluster's never shadows.
      const caDer = new X509Certificate(fs.readFileSync(path.join(node(), 'pki', 'ca.crt'))).raw;
      const scope = `${admin.clusters[0].name}-${createHash('sha256').update(caDer).digest('hex').slice(0, 8)}`;
      expect(doc.clusters[0].name).toBe(scope);
      expect(doc.users[0].name).toBe(`system:serviceaccount:ci:deployer@${scope}`);
      expect(doc.clusters[0].cluster.server).toBe(admin.clusters[0].cluster.server);
      expect(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8')).toBe(
        fs.readFileSync(path.join(node(), 'pki', 'ca.crt'), 'utf8'),
      );
      const current = doc.contexts.find((c: Record<string, any>) => c.name === doc['current-context']);
      expect(current.context).toEqual({ cluster: doc.clusters[0].name, user: doc.users[0].name, namespace: 'ci' });

      if (kubectlCheck.available) {
        const view = kubectl(file, ['config', 'view', '--raw', '--minify', '-o', 'json']);
        expect(view.status, describeRun(view)).toBe(0);
        const viewed = JSON.parse(view.stdout) as Record<string, any>;
        expect(viewed.users[0].user.token).toBe(m.jwt);
        expect(viewed.contexts[0].context.namespace).toBe('ci');
      }
    });

    it("--server overrides admin.conf's endpoint", async () => {
      const file = path.join(root, 'kubeconfigs', 'server-override.conf');
      const m = await mint(ecNode, ['--kubeconfig', file, '--server', 'https://203.0.113.10:6443']);
      const doc = yaml.load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
      expect(doc.clusters[0].cluster.server).toBe('https://203.0.113.10:6443');
      expect(doc.users[0].user.token).toBe(m.jwt);
    });
  });
});
