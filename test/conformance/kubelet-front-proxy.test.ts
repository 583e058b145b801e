/**
 * The two client certificates kube-apiserver presents to other servers, proven with real TLS handshakes (Node's
 * https client and server, i.e. OpenSSL) against stand-ins for those servers:
 *
 * - a kubelet (`authentication.x509.clientCAFile` = the cluster CA, as a joined worker has it from kubelet.conf)
 *   accepts apiserver-kubelet-client and nothing from the etcd or front-proxy CA;
 * - an aggregated apiserver (`--requestheader-client-ca-file` = front-proxy-ca.crt, allowed name
 *   front-proxy-client) accepts front-proxy-client and refuses admin.conf's certificate;
 * - kube-apiserver's own request-header authenticator (the stand-in of kubectl.test.ts) believes X-Remote-User
 *   only from front-proxy-client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { conformanceAlgorithms, pkiPath, sharedConformanceTree, sharedForeignTree } from '../support/conformance-trees';
import { removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { MutualTlsServer } from '../support/mutual-tls-server';
import { createThrowawayCa, issueFromCa, type PemPair } from '../support/test-certificates';
import { tlsClientRequest, tlsClientRequestError } from '../support/tls-client-request';

const controlPlane = ['cp1', 'cp2', 'cp3'];

interface ClientIdentity {
  cert: string;
  key: string;
}

/** The CA and client credentials embedded in a kubeconfig (kubeadm's single cluster and user). */
function kubeconfigCredentials(file: string): { ca: string; identity: ClientIdentity } {
  const doc = yaml.load(fs.readFileSync(file, 'utf8')) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
  return {
    ca: decode(doc.clusters[0]!.cluster['certificate-authority-data']),
    identity: {
      cert: decode(doc.users[0]!.user['client-certificate-data']),
      key: decode(doc.users[0]!.user['client-key-data']),
    },
  };
}

describe('kubelet and front-proxy conformance: real TLS handshakes with the certificates kube-apiserver presents', () => {
  describe.each(conformanceAlgorithms)('%s', (algorithm: KeyAlgorithm) => {
    let tree: FixtureTree | undefined;
    let foreign: FixtureTree | undefined;
    let work: string | undefined;
    const servers: { stop(): Promise<void> }[] = [];

    const pem = (t: FixtureTree, node: string, rel: string) => fs.readFileSync(pkiPath(t, node, rel), 'utf8');
    const identity = (t: FixtureTree, node: string, name: string): ClientIdentity => ({
      cert: pem(t, node, `${name}.crt`),
      key: pem(t, node, `${name}.key`),
    });
    const asIdentity = (pair: PemPair): ClientIdentity => ({ cert: pair.certificatePem, key: pair.keyPem });
    /** A client certificate from the real front-proxy CA whose CN is not in --requestheader-allowed-names. */
    const issueStrangerFromFrontProxyCa = () =>
      issueFromCa({
        caCertFile: pkiPath(tree!, 'cp1', 'front-proxy-ca.crt'),
        caKeyFile: pkiPath(tree!, 'cp1', 'front-proxy-ca.key'),
        algorithm,
        commonName: 'not-the-front-proxy',
        extendedKeyUsages: ['clientAuth'],
      });

    beforeAll(async () => {
      [tree, foreign] = await Promise.all([sharedConformanceTree(algorithm), sharedForeignTree(algorithm)]);
      work = temporaryDirectory(`kubepki-handshakes-${algorithm}-`);
    });

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      removeTree(work);
    });

    describe('a kubelet (w1) requiring client certificates from the cluster CA', () => {
      let kubelet: MutualTlsServer;
      /** The worker's only CA: kubeadm join writes pki/ca.crt from the cluster CA that kubelet.conf embeds. */
      let kubeletClientCa: string;

      beforeAll(async () => {
        kubeletClientCa = kubeconfigCredentials(path.join(tree!.dir, 'w1', 'kubelet.conf')).ca;
        expect(kubeletClientCa).toBe(pem(tree!, 'cp1', 'ca.crt'));
        // kubeadm kubelets sign their own serving certificate; one from the cluster CA serves the same purpose here and
        // lets the client verify the kubelet too.
        const serving = await issueFromCa({
          caCertFile: pkiPath(tree!, 'cp1', 'ca.crt'),
          caKeyFile: pkiPath(tree!, 'cp1', 'ca.key'),
          algorithm,
          commonName: 'w1',
          dnsNames: ['w1'],
          ipAddresses: ['127.0.0.1'],
          extendedKeyUsages: ['serverAuth'],
        });
        kubelet = await MutualTlsServer.start({
          cert: serving.certificatePem,
          key: serving.keyPem,
          clientCa: kubeletClientCa,
          respond: (request) => ({
            status: 200,
            body: { kind: 'PodList', apiVersion: 'v1', items: [], servedTo: request.peer },
          }),
        });
        servers.push(kubelet);
      });

      const getPods = (client: ClientIdentity | undefined) =>
        tlsClientRequest(`${kubelet.url}/pods`, { ca: kubeletClientCa, ...client });

      it.each(controlPlane)('accepts apiserver-kubelet-client of %s', async (node) => {
        const response = await getPods(identity(tree!, node, 'apiserver-kubelet-client'));
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body)).toMatchObject({
          kind: 'PodList',
          servedTo: { commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'] },
        });
      });

      it.each([
        [
          'apiserver-etcd-client (etcd CA)',
          (): ClientIdentity | undefined => identity(tree!, 'cp1', 'apiserver-etcd-client'),
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
        [
          'front-proxy-client (front-proxy CA)',
          () => identity(tree!, 'cp1', 'front-proxy-client'),
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
        [
          "another cluster's apiserver-kubelet-client",
          () => identity(foreign!, 'cp1', 'apiserver-kubelet-client'),
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
        // Node reports a missing client certificate as a chain without an issuer.
        ['no client certificate', () => undefined, /UNABLE_TO_GET_ISSUER_CERT/],
      ])('refuses %s once the handshake ends, before any request', async (_name, client, reason) => {
        const before = kubelet.refusals.length;
        const served = kubelet.requests.length;
        const error = await tlsClientRequestError(`${kubelet.url}/pods`, { ca: kubeletClientCa, ...client() });
        expect(error, 'the request must fail').toBeDefined();
        await expect.poll(() => kubelet.refusals.length, { timeout: 2_000 }).toBeGreaterThan(before);
        expect(kubelet.refusals.slice(before)).toEqual([expect.stringMatching(reason)]);
        expect(kubelet.requests.length).toBe(served);
      });
    });

    describe('an aggregated apiserver trusting front-proxy-ca.crt, allowed name front-proxy-client', () => {
      let aggregated: MutualTlsServer;
      let servingCa: string;

      beforeAll(async () => {
        const dir = path.join(work!, 'aggregated');
        const ca = await createThrowawayCa(algorithm, 'aggregated-apiserver-ca', dir);
        servingCa = fs.readFileSync(ca.cert, 'utf8');
        const serving = await issueFromCa({
          caCertFile: ca.cert,
          caKeyFile: ca.key,
          algorithm,
          commonName: 'metrics-server.kube-system.svc',
          dnsNames: ['metrics-server.kube-system.svc'],
          ipAddresses: ['127.0.0.1'],
          extendedKeyUsages: ['serverAuth'],
        });
        aggregated = await MutualTlsServer.start({
          cert: serving.certificatePem,
          key: serving.keyPem,
          clientCa: pem(tree!, 'cp1', 'front-proxy-ca.crt'),
          // k8s.io/apiserver's request-header authenticator: only an allowed CN may assert a user.
          respond: (request) => {
            if (request.peer.commonName !== 'front-proxy-client')
              return { status: 401, body: { kind: 'Status', code: 401, reason: 'Unauthorized' } };
            const user = request.headersDistinct['x-remote-user']?.[0];
            if (!user) return { status: 401, body: { kind: 'Status', code: 401, reason: 'Unauthorized' } };
            return { status: 200, body: { username: user, groups: request.headersDistinct['x-remote-group'] ?? [] } };
          },
        });
        servers.push(aggregated);
      });

      const proxiedRequest = (client: ClientIdentity | undefined) =>
        tlsClientRequest(`${aggregated.url}/apis/metrics.k8s.io/v1beta1/nodes`, {
          ca: servingCa,
          ...client,
          headers: { 'X-Remote-User': 'alice', 'X-Remote-Group': ['dev-team', 'oncall'] },
        });

      it.each(controlPlane)('accepts front-proxy-client of %s and the user it asserts', async (node) => {
        const response = await proxiedRequest(identity(tree!, node, 'front-proxy-client'));
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body)).toEqual({ username: 'alice', groups: ['dev-team', 'oncall'] });
        expect(aggregated.requests.at(-1)!.peer).toMatchObject({ commonName: 'front-proxy-client', organizations: [] });
      });

      it.each([
        [
          "admin.conf's client certificate (cluster CA)",
          (): ClientIdentity => kubeconfigCredentials(path.join(tree!.dir, 'cp1', 'admin.conf')).identity,
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
        [
          'apiserver-kubelet-client (cluster CA)',
          () => identity(tree!, 'cp1', 'apiserver-kubelet-client'),
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
        [
          "another cluster's front-proxy-client",
          () => identity(foreign!, 'cp1', 'front-proxy-client'),
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
        ],
      ])('refuses %s once the handshake ends, before any request', async (_name, client, reason) => {
        const before = aggregated.refusals.length;
        const served = aggregated.requests.length;
        const error = await tlsClientRequestError(`${aggregated.url}/apis/metrics.k8s.io/v1beta1/nodes`, {
          ca: servingCa,
          ...client(),
          headers: { 'X-Remote-User': 'mallory', 'X-Remote-Group': 'system:masters' },
        });
        expect(error, 'the request must fail').toBeDefined();
        await expect.poll(() => aggregated.refusals.length, { timeout: 2_000 }).toBeGreaterThan(before);
        expect(aggregated.refusals.slice(before)).toEqual([expect.stringMatching(reason)]);
        expect(aggregated.requests.length).toBe(served);
      });

      it('refuses a front-proxy-CA certificate whose CN is not an allowed name', async () => {
        const other = await issueStrangerFromFrontProxyCa();
        const response = await proxiedRequest(asIdentity(other));
        expect(response.status).toBe(401);
      });
    });

    describe("kube-apiserver's request-header authenticator (the stand-in kubectl talks to)", () => {
      let apiserver: ApiserverStandIn;
      const reviewPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

      beforeAll(async () => {
        apiserver = await ApiserverStandIn.start({
          servingCertificate: pem(tree!, 'cp1', 'apiserver.crt'),
          servingKey: pem(tree!, 'cp1', 'apiserver.key'),
          clientCa: pem(tree!, 'cp1', 'ca.crt'),
          requestHeaderClientCa: pem(tree!, 'cp1', 'front-proxy-ca.crt'),
          requestHeaderAllowedNames: ['front-proxy-client'],
          serviceAccountPublicKey: pem(tree!, 'cp1', 'sa.pub'),
          serviceAccountIssuer: `https://kubernetes.default.svc.${tree!.spec.spec.networking.dnsDomain}`,
        });
        servers.push(apiserver);
      });

      /** POSTs a SelfSubjectReview with X-Remote-* headers; the server is verified with ca.crt, as by any client. */
      const review = (client: ClientIdentity | undefined) =>
        tlsClientRequest(`${apiserver.url}${reviewPath}`, {
          method: 'POST',
          ca: pem(tree!, 'cp1', 'ca.crt'),
          ...client,
          headers: {
            'Content-Type': 'application/json',
            'X-Remote-User': 'alice',
            'X-Remote-Group': ['dev-team', 'oncall'],
          },
          body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
        });
      const userInfo = (body: string) => (JSON.parse(body) as { status: { userInfo: unknown } }).status.userInfo;

      it('believes X-Remote-User / X-Remote-Group from front-proxy-client', async () => {
        const response = await review(identity(tree!, 'cp1', 'front-proxy-client'));
        expect(response.status).toBe(201);
        expect(userInfo(response.body)).toEqual({
          username: 'alice',
          groups: ['dev-team', 'oncall', 'system:authenticated'],
        });
        expect(apiserver.requests.at(-1)!.user?.method).toBe('requestheader');
      });

      it('ignores the headers from admin.conf (cluster CA): the request is the admin, not alice', async () => {
        const response = await review(kubeconfigCredentials(path.join(tree!.dir, 'cp1', 'admin.conf')).identity);
        expect(response.status).toBe(201);
        expect(userInfo(response.body)).toEqual({
          username: 'kubernetes-admin',
          groups: ['kubeadm:cluster-admins', 'system:authenticated'],
        });
        expect(apiserver.requests.at(-1)!.rejections.join('\n')).toMatch(
          /requestheader: client certificate is not signed by the request-header CA/,
        );
      });

      it('refuses the headers from a front-proxy-CA certificate that is not an allowed name (401)', async () => {
        const other = await issueStrangerFromFrontProxyCa();
        const response = await review(asIdentity(other));
        expect(response.status).toBe(401);
        expect(apiserver.requests.at(-1)!.rejections.join('\n')).toMatch(/not in the allowed names/);
      });

      it("refuses another cluster's front-proxy-client, and headers without any certificate (401)", async () => {
        expect((await review(identity(foreign!, 'cp1', 'front-proxy-client'))).status).toBe(401);
        expect(apiserver.requests.at(-1)!.rejections.join('\n')).toMatch(/not signed by the request-header CA/);
        expect((await review(undefined)).status).toBe(401);
      });

      it('front-proxy-client alone, without X-Remote-User, is nobody (401): ca.crt does not trust it', async () => {
        const response = await tlsClientRequest(`${apiserver.url}${reviewPath}`, {
          method: 'POST',
          ca: pem(tree!, 'cp1', 'ca.crt'),
          ...identity(tree!, 'cp1', 'front-proxy-client'),
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        });
        expect(response.status).toBe(401);
      });
    });
  });
});
