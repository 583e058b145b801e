/**
 * The generated kubeconfigs, proven with the installed kubectl against a kube-apiserver stand-in on 127.0.0.1 that
 * serves cp1's apiserver.crt and authenticates as kube-apiserver does (--client-ca-file=ca.crt, sa.pub tokens).
 * kubectl verifies the serving certificate itself with each kubeconfig's certificate-authority-data; only `server`
 * is rewritten, to the stand-in's https://127.0.0.1:<port> (127.0.0.1 is an IP SAN via apiServer.certSANs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, mintServiceAccountToken } from '../../src/crypto';
import { renderKubeconfigObject } from '../../src/outputs';
import type { ClusterSpec } from '../../src/spec';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import {
  conformanceAlgorithms,
  conformanceSpec,
  pkiPath,
  sharedConformanceTree,
  sharedForeignTree,
} from '../support/conformance-trees';
import { removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand, type CommandResult } from '../support/managed-process';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';
import { tlsClientRequest } from '../support/tls-client-request';

const haveKubectl = requireBinary('kubectl', 'kubectl conformance');

interface ExpectedIdentity {
  /** Relative to the tree: `cp1/admin.conf`, `w2/kubelet.conf`, `users/alice.conf`. */
  file: string;
  username: string;
  groups: string[];
}

/**
 * Who each kubeconfig must authenticate as, from the spec and the kubeadm reference (not from kubepki's plan):
 * admin.conf on every control-plane node, super-admin.conf on the first (kubeadm init's node), controller-manager,
 * scheduler and kubelet on every control-plane node, kubelet on every worker, one per user.
 */
function expectedIdentities(spec: ClusterSpec): ExpectedIdentity[] {
  const identities: ExpectedIdentity[] = [];
  spec.spec.controlPlane.forEach((node, index) => {
    identities.push({
      file: `${node.name}/admin.conf`,
      username: 'kubernetes-admin',
      groups: ['kubeadm:cluster-admins'],
    });
    if (index === 0)
      identities.push({
        file: `${node.name}/super-admin.conf`,
        username: 'kubernetes-super-admin',
        groups: ['system:masters'],
      });
    identities.push({
      file: `${node.name}/controller-manager.conf`,
      username: 'system:kube-controller-manager',
      groups: [],
    });
    identities.push({ file: `${node.name}/scheduler.conf`, username: 'system:kube-scheduler', groups: [] });
    identities.push({
      file: `${node.name}/kubelet.conf`,
      username: `system:node:${node.name}`,
      groups: ['system:nodes'],
    });
  });
  for (const node of spec.spec.workers) {
    identities.push({
      file: `${node.name}/kubelet.conf`,
      username: `system:node:${node.name}`,
      groups: ['system:nodes'],
    });
  }
  for (const user of spec.spec.users)
    identities.push({ file: `users/${user.name}.conf`, username: user.name, groups: [...user.groups] });
  return identities;
}

/** Every *.conf directly under a node directory or users/, relative to the tree. */
function kubeconfigFilesOf(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(dir, entry.name)))
      if (file.endsWith('.conf')) files.push(`${entry.name}/${file}`);
  }
  return files.sort();
}

interface WhoAmI {
  kind: string;
  apiVersion: string;
  status: { userInfo: { username: string; groups?: string[] } };
}

describe.runIf(haveKubectl)('kubectl conformance: `kubectl auth whoami` with every generated kubeconfig', () => {
  describe.each(conformanceAlgorithms)('%s', (algorithm: KeyAlgorithm) => {
    const spec = conformanceSpec(algorithm);
    const identities = expectedIdentities(spec);
    const issuer = `https://kubernetes.default.svc.${spec.spec.networking.dnsDomain}`;

    let kubectl: string;
    let tree: FixtureTree | undefined;
    let foreign: FixtureTree | undefined;
    let work: string | undefined;
    let standIn: ApiserverStandIn | undefined;
    let copies = 0;

    const pem = (t: FixtureTree, node: string, rel: string) => fs.readFileSync(pkiPath(t, node, rel), 'utf8');

    /** Writes a kubeconfig into the work directory and runs `kubectl auth whoami -o json` with it. */
    async function whoami(kubeconfigText: string): Promise<CommandResult> {
      const file = path.join(work!, `kubeconfig-${++copies}.conf`);
      fs.writeFileSync(file, kubeconfigText, { mode: 0o600 });
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: work!, KUBECACHEDIR: path.join(work!, 'cache') };
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
      return runCommand(kubectl, ['--kubeconfig', file, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'], {
        env,
        timeoutMs: 20_000,
      });
    }

    /** A generated kubeconfig as found in the tree, pointed at the stand-in and nothing else changed. */
    const pointedAtStandIn = (rel: string) =>
      copyKubeconfig(fs.readFileSync(path.join(tree!.dir, rel), 'utf8'), { server: standIn!.url });

    /** A kubeconfig shaped like kubeadm's, for credentials the tree has no kubeconfig for. */
    const kubeconfigWith = (userName: string, user: Record<string, string>, caPem = pem(tree!, 'cp1', 'ca.crt')) =>
      renderKubeconfigObject({
        clusterName: spec.spec.clusterName,
        server: standIn!.url,
        caCertificatePem: caPem,
        userName,
        user,
        contexts: [{ name: `${userName}@${spec.spec.clusterName}` }],
        currentContext: `${userName}@${spec.spec.clusterName}`,
      });

    const mintToken = async (
      signingKeyPem: string,
      change: { now?: Date; expiresInSeconds?: number; audiences?: string[] } = {},
    ) =>
      mintServiceAccountToken(KeyPair.fromPem(signingKeyPem), {
        namespace: 'ci',
        name: 'deployer',
        uid: '6f0c2f5e-3d7a-4b1e-9a52-0c1d2e3f4a5b',
        audiences: change.audiences ?? [tree!.plan.cluster.serviceAccountIssuer],
        issuer: tree!.plan.cluster.serviceAccountIssuer,
        expiresInSeconds: change.expiresInSeconds ?? 3600,
        now: change.now ?? new Date(),
      });

    beforeAll(async () => {
      kubectl = peerBinaryPath('kubectl');
      [tree, foreign] = await Promise.all([sharedConformanceTree(algorithm), sharedForeignTree(algorithm)]);
      work = temporaryDirectory(`kubepki-kubectl-${algorithm}-`);
      standIn = await ApiserverStandIn.start({
        servingCertificate: pem(tree, 'cp1', 'apiserver.crt'),
        servingKey: pem(tree, 'cp1', 'apiserver.key'),
        clientCa: pem(tree, 'cp1', 'ca.crt'),
        requestHeaderClientCa: pem(tree, 'cp1', 'front-proxy-ca.crt'),
        requestHeaderAllowedNames: ['front-proxy-client'],
        serviceAccountPublicKey: pem(tree, 'cp1', 'sa.pub'),
        serviceAccountIssuer: issuer,
        gitVersion: spec.spec.kubernetesVersion,
      });
    });

    afterAll(async () => {
      await standIn?.stop();
      removeTree(work);
    });

    it('the tree holds exactly the kubeconfigs kubeadm writes for this spec', () => {
      expect(kubeconfigFilesOf(tree!.dir)).toEqual(identities.map((i) => i.file).sort());
    });

    it.each(identities)('$file authenticates as $username', async ({ file, username, groups }) => {
      const mark = standIn!.requests.length;
      const result = await whoami(pointedAtStandIn(file));
      expect(result.code, `kubectl failed:\n${result.stderr}`).toBe(0);
      const review = JSON.parse(result.stdout) as WhoAmI;
      expect(review).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' });
      expect(review.status.userInfo).toEqual({ username, groups: [...groups, 'system:authenticated'] });
      // It was the client certificate that did it, on a connection kubectl itself verified.
      const reviews = standIn!.requestsSince(mark).filter((r) => r.path.endsWith('/selfsubjectreviews'));
      expect(reviews).toEqual([
        expect.objectContaining({ status: 201, user: expect.objectContaining({ method: 'x509', username }) }),
      ]);
    });

    it('a service-account token signed with sa.key authenticates as system:serviceaccount:ci:deployer', async () => {
      const token = await mintToken(pem(tree!, 'cp1', 'sa.key'));
      expect(decodeProtectedHeader(token).alg).toBe(algorithm.startsWith('RSA') ? 'RS256' : 'ES256');
      const result = await whoami(kubeconfigWith('ci-deployer', { token }));
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as WhoAmI).status.userInfo).toEqual({
        username: 'system:serviceaccount:ci:deployer',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
      });
    });

    describe('refused', () => {
      /** kubectl must fail with 401 from the stand-in; returns why the stand-in's authenticators declined. */
      async function expectUnauthorized(kubeconfigText: string): Promise<string[]> {
        const mark = standIn!.requests.length;
        const result = await whoami(kubeconfigText);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/Unauthorized/);
        expect(result.stdout).not.toMatch(/userInfo/);
        const seen = standIn!.requestsSince(mark);
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.every((r) => r.status === 401 && r.user === undefined)).toBe(true);
        return seen.flatMap((r) => r.rejections);
      }

      it('a kubeconfig whose client certificate comes from the etcd CA (apiserver-etcd-client): 401', async () => {
        await expectUnauthorized(
          kubeconfigWith('kube-apiserver-etcd-client', {
            'client-certificate-data': Buffer.from(pem(tree!, 'cp1', 'apiserver-etcd-client.crt')).toString('base64'),
            'client-key-data': Buffer.from(pem(tree!, 'cp1', 'apiserver-etcd-client.key')).toString('base64'),
          }),
        );
        // kubectl (Go) does not even offer a certificate the server's acceptable-CA list rules out; a client that
        // insists on presenting it is refused all the same.
        const direct = await tlsClientRequest(`${standIn!.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
          method: 'POST',
          ca: pem(tree!, 'cp1', 'ca.crt'),
          cert: pem(tree!, 'cp1', 'apiserver-etcd-client.crt'),
          key: pem(tree!, 'cp1', 'apiserver-etcd-client.key'),
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
        });
        expect(direct.status).toBe(401);
        expect(JSON.parse(direct.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
        expect(standIn!.requests.at(-1)!.rejections.join('\n')).toMatch(/^x509: /m);
      });

      it("a kubeconfig holding ANOTHER cluster's ca.crt: kubectl refuses apiserver.crt, no request is sent", async () => {
        const mark = standIn!.requests.length;
        const result = await whoami(
          copyKubeconfig(fs.readFileSync(path.join(tree!.dir, 'cp1/admin.conf'), 'utf8'), {
            server: standIn!.url,
            caPem: pem(foreign!, 'cp1', 'ca.crt'),
          }),
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/x509: certificate signed by unknown authority/);
        expect(standIn!.requestsSince(mark)).toEqual([]);
      });

      it('a server name apiserver.crt does not cover (tls-server-name: localhost): kubectl refuses it', async () => {
        const mark = standIn!.requests.length;
        const result = await whoami(
          copyKubeconfig(fs.readFileSync(path.join(tree!.dir, 'cp1/admin.conf'), 'utf8'), {
            server: standIn!.url,
            tlsServerName: 'localhost',
          }),
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/x509: certificate is valid for .*not localhost/);
        expect(standIn!.requestsSince(mark)).toEqual([]);
      });

      it('an expired service-account token: 401', async () => {
        const token = await mintToken(pem(tree!, 'cp1', 'sa.key'), {
          now: new Date(Date.now() - 2 * 3600_000),
          expiresInSeconds: 3600,
        });
        const reasons = await expectUnauthorized(kubeconfigWith('ci-deployer', { token }));
        expect(reasons.join('\n')).toMatch(/serviceaccount: ERR_JWT_EXPIRED/);
      });

      it("a token signed by another cluster's sa.key: 401", async () => {
        const token = await mintToken(pem(foreign!, 'cp1', 'sa.key'));
        const reasons = await expectUnauthorized(kubeconfigWith('ci-deployer', { token }));
        expect(reasons.join('\n')).toMatch(/serviceaccount: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
      });

      it('a token for another audience: 401', async () => {
        const token = await mintToken(pem(tree!, 'cp1', 'sa.key'), { audiences: ['vault'] });
        const reasons = await expectUnauthorized(kubeconfigWith('ci-deployer', { token }));
        expect(reasons.join('\n')).toMatch(/serviceaccount: ERR_JWT_CLAIM_VALIDATION_FAILED \(aud\)/);
      });
    });
  });
});
