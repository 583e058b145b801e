import { X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/built-package';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, fixtureFile, kubectl, kubectlStatus, runKubepki, teamStackFile } from './access-cli';

// `kubepki generate` writes users/<name>.conf: one cluster, one user whose client certificate carries CN = name and
// one O per group (in spec order), chained to ca.crt with clientAuth; one context per namespace named
// <user>@<cluster>/<namespace>, the first current; a user without namespaces gets exactly <user>@<cluster>. The
// cluster entry is named after the spec (metadata.name) and the user entry <user>@<cluster>, so that kubeconfigs of
// several clusters merge without one shadowing another (see kubeconfig-merge.test.ts).

const hour = 3600_000;
const backdate = 5 * 60_000;

interface KubeconfigDocument {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context': string;
}

const readKubeconfig = (file: string) => yaml.load(fs.readFileSync(file, 'utf8')) as KubeconfigDocument;
const fromBase64 = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

/** The subject as an ordered list of [type, value] pairs, straight from the certificate's RDN sequence. */
function subjectAttributes(cert: x509.X509Certificate): [string, string][] {
  return cert.subjectName
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v): [string, string] => [type, v])));
}

interface Generated {
  dir: string;
  started: number;
  finished: number;
}

async function generate(spec: string, dir: string): Promise<Generated> {
  const started = Date.now();
  const run = await runKubepki(['generate', spec, '--out', dir, '--quiet']);
  const finished = Date.now();
  if (run.status !== 0) throw new Error(`generate failed\n${describeRun(run)}`);
  return { dir, started, finished };
}

/** Everything a per-user kubeconfig must satisfy, whatever the user. */
function checkUserKubeconfig(
  tree: Generated,
  expected: {
    user: string;
    cluster: string;
    server: string;
    groups: string[];
    namespaces: string[];
    validityHours: number;
  },
): { doc: KubeconfigDocument; cert: x509.X509Certificate } {
  const file = path.join(tree.dir, 'users', `${expected.user}.conf`);
  expect((fs.statSync(file).mode & 0o777).toString(8), `${file} holds a private key`).toBe('600');
  const doc = readKubeconfig(file);
  expect(doc.apiVersion).toBe('v1');
  expect(doc.kind).toBe('Config');

  // One cluster: the endpoint and the cluster CA, byte for byte.
  expect(doc.clusters).toHaveLength(1);
  expect(doc.clusters[0]!.name).toBe(expected.cluster);
  expect(doc.clusters[0]!.cluster.server).toBe(expected.server);
  const caPem = fs.readFileSync(path.join(tree.dir, 'cp1', 'pki', 'ca.crt'), 'utf8');
  expect(fromBase64(doc.clusters[0]!.cluster['certificate-authority-data'])).toBe(caPem);

  // One user, its certificate and key embedded.
  expect(doc.users).toHaveLength(1);
  expect(doc.users[0]!.name).toBe(`${expected.user}@${expected.cluster}`);
  const certPem = fromBase64(doc.users[0]!.user['client-certificate-data']);
  const keyPem = fromBase64(doc.users[0]!.user['client-key-data']);
  const cert = new x509.X509Certificate(certPem);
  const nodeCert = new NodeX509Certificate(certPem);
  const ca = new NodeX509Certificate(caPem);

  expect(subjectAttributes(cert)).toEqual([
    ...expected.groups.map((g): [string, string] => ['O', g]),
    ['CN', expected.user],
  ]);
  expect(nodeCert.checkIssued(ca)).toBe(true);
  expect(nodeCert.verify(ca.publicKey)).toBe(true);
  expect(nodeCert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  expect(nodeCert.ca).toBe(false);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  expect(eku?.usages.map(String)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
  // Node's keyUsage is the extended key usage list (OpenSSL's view), as kube-apiserver's x509 authenticator checks it.
  expect(nodeCert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);

  // Validity: the requested hours after a five-minute backdate for clock skew, issued during this run.
  const notBefore = cert.notBefore.getTime();
  const notAfter = cert.notAfter.getTime();
  expect(Math.abs(notAfter - notBefore - (expected.validityHours * hour + backdate))).toBeLessThanOrEqual(1000);
  expect(notBefore).toBeGreaterThanOrEqual(tree.started - backdate - 1000);
  expect(notBefore).toBeLessThanOrEqual(tree.finished - backdate + 1000);

  // Contexts: one per namespace, or exactly one without namespace; the first is current.
  const expectedContexts =
    expected.namespaces.length === 0
      ? [
          {
            name: `${expected.user}@${expected.cluster}`,
            context: { cluster: expected.cluster, user: `${expected.user}@${expected.cluster}` },
          },
        ]
      : expected.namespaces.map((ns) => ({
          name: `${expected.user}@${expected.cluster}/${ns}`,
          context: { cluster: expected.cluster, user: `${expected.user}@${expected.cluster}`, namespace: ns },
        }));
  expect(doc.contexts).toEqual(expectedContexts);
  expect(doc['current-context']).toBe(expectedContexts[0]!.name);
  return { doc, cert };
}

describe('per-user kubeconfigs', () => {
  let root: string;
  let team: Generated;
  let users: Generated;
  const kubectlCheck = kubectlStatus();

  beforeAll(async () => {
    ensureBuilt();
    root = temporaryDirectory('kubepki-user-kubeconfigs-');
    team = await generate(teamStackFile, path.join(root, 'team'));
    users = await generate(fixtureFile('access-users.cluster.yaml'), path.join(root, 'users'));
  });
  afterAll(() => removeTree(root));

  it('writes exactly one kubeconfig per spec user under users/', () => {
    expect(fs.readdirSync(path.join(team.dir, 'users')).sort()).toEqual(['alice.conf', 'bob.conf']);
    expect(fs.readdirSync(path.join(users.dir, 'users')).sort()).toEqual(['carol.conf', 'dave.conf']);
  });

  it('alice (team): CN=alice, O=dev-team, a context per namespace, 720h validity', () => {
    const { cert } = checkUserKubeconfig(team, {
      user: 'alice',
      cluster: 'team',
      server: 'https://team-api.example.internal:6443',
      groups: ['dev-team'],
      namespaces: ['app1-dev', 'app1-staging'],
      validityHours: 720,
    });
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(720 * hour + backdate);
  });

  it('bob (team): no namespaces → exactly bob@team, default 8760h validity', () => {
    checkUserKubeconfig(team, {
      user: 'bob',
      cluster: 'team',
      server: 'https://team-api.example.internal:6443',
      groups: ['sre'],
      namespaces: [],
      validityHours: 8760,
    });
  });

  it("carol: every group as its own O in spec order, three contexts, the cluster named after the spec (clusterName is kubeadm's shared default)", () => {
    checkUserKubeconfig(users, {
      user: 'carol',
      cluster: 'access-users',
      server: 'https://10.0.0.11:6443',
      groups: ['sre', 'dev-team', 'auditors'],
      namespaces: ['ops', 'app1-dev', 'app1-staging'],
      validityHours: 2160,
    });
  });

  it('dave: neither groups nor namespaces → CN only, one context dave@access-users without namespace', () => {
    const { doc } = checkUserKubeconfig(users, {
      user: 'dave',
      cluster: 'access-users',
      server: 'https://10.0.0.11:6443',
      groups: [],
      namespaces: [],
      validityHours: 2160,
    });
    expect(doc.contexts[0]!.context).not.toHaveProperty('namespace');
  });

  it('users are distinct identities: different keys, and no user shares a certificate with admin.conf', () => {
    const certOf = (file: string) => fromBase64(readKubeconfig(file).users[0]!.user['client-certificate-data']);
    const serials = [
      path.join(team.dir, 'users/alice.conf'),
      path.join(team.dir, 'users/bob.conf'),
      path.join(team.dir, 'cp1/admin.conf'),
    ].map((f) => new NodeX509Certificate(certOf(f)).serialNumber);
    expect(new Set(serials).size).toBe(3);
  });

  describe('edge cases once missed (kept as regression tests)', () => {
    let dir: string;
    beforeAll(() => {
      dir = temporaryDirectory('kubepki-yaml11-');
    });
    afterAll(() => removeTree(dir));

    it.skipIf(!kubectlCheck.available)(
      'kubectl reads the kubeconfig of a user whose name YAML 1.1 takes for a number ("1_000")',
      async () => {
        // dumpStableYaml (js-yaml, YAML 1.2) leaves 1_000 unquoted; kubectl's YAML 1.1 reader turns it into the integer
        // 1000 and refuses the file: "cannot unmarshal number into Go struct field ... of type string".
        const spec = path.join(dir, 'numeric-user.cluster.yaml');
        fs.writeFileSync(
          spec,
          yaml.dump({
            apiVersion: 'kubepki.io/v1alpha1',
            kind: 'Cluster',
            metadata: { name: 'numeric-user' },
            spec: {
              controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
              pki: { encryptionAlgorithm: 'ECDSA-P256' },
              users: [{ name: '1_000', groups: ['0_7'] }],
            },
          }),
        );
        await generate(spec, path.join(dir, 'out'));
        const run = kubectl(path.join(dir, 'out', 'users', '1_000.conf'), ['config', 'get-contexts', '-o', 'name']);
        expect(run.status, describeRun(run)).toBe(0);
        expect(run.stdout.trim()).toBe('1_000@numeric-user');
      },
    );
  });

  describe('kubectl reads them as written', () => {
    const cases = [
      {
        tree: () => team,
        user: 'alice',
        contexts: ['alice@team/app1-dev', 'alice@team/app1-staging'],
        namespace: 'app1-dev',
      },
      { tree: () => team, user: 'bob', contexts: ['bob@team'], namespace: undefined },
      {
        tree: () => users,
        user: 'carol',
        contexts: ['carol@access-users/ops', 'carol@access-users/app1-dev', 'carol@access-users/app1-staging'],
        namespace: 'ops',
      },
      { tree: () => users, user: 'dave', contexts: ['dave@access-users'], namespace: undefined },
    ];

    it.skipIf(!kubectlCheck.available).each(cases)(
      '$user: get-contexts, current-context and config view --raw agree with the file',
      ({ tree, user, contexts, namespace }) => {
        const file = path.join(tree().dir, 'users', `${user}.conf`);
        const doc = readKubeconfig(file);

        const names = kubectl(file, ['config', 'get-contexts', '-o', 'name']);
        expect(names.status, describeRun(names)).toBe(0);
        expect(names.stdout.trim().split('\n').sort()).toEqual([...contexts].sort());

        const current = kubectl(file, ['config', 'current-context']);
        expect(current.stdout.trim()).toBe(contexts[0]);

        const view = kubectl(file, ['config', 'view', '--raw', '-o', 'json']);
        expect(view.status, describeRun(view)).toBe(0);
        const viewed = JSON.parse(view.stdout) as KubeconfigDocument;
        expect(viewed['current-context']).toBe(doc['current-context']);
        expect(viewed.clusters).toEqual(doc.clusters);
        expect(viewed.users).toEqual(doc.users);
        expect([...viewed.contexts].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
          [...doc.contexts].sort((a, b) => a.name.localeCompare(b.name)),
        );

        // --minify keeps only what the current context uses: its namespace is the first one.
        const minified = kubectl(file, ['config', 'view', '--minify', '--raw', '-o', 'json']);
        const mini = JSON.parse(minified.stdout) as KubeconfigDocument;
        expect(mini.contexts).toHaveLength(1);
        expect(mini.contexts[0]!.context.namespace).toBe(namespace);
        expect(mini.users[0]!.user['client-certificate-data']).toBe(doc.users[0]!.user['client-certificate-data']);
      },
    );
  });
});
