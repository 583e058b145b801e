/**
 * The apiserver → kubelet edge with kubepki's kubelet serving certificates, proven with real TLS handshakes (Node's tls,
 * i.e. OpenSSL): the kubelet stand-in serves pki/kubelet-serving.crt and requires a client certificate from the CA of
 * its authentication.x509.clientCAFile; the apiserver side presents apiserver-kubelet-client and verifies the kubelet
 * against the file --kubelet-certificate-authority names, at the address it dials (the node's InternalIP) and by name.
 * Every path comes from the generated kubeadm.yaml, not from the test's own knowledge of the layout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { conformanceAlgorithms } from '../support/conformance-trees';
import { realizeStack, removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { createThrowawayCa, issueFromCa } from '../support/test-certificates';
import { tlsHandshake, type TlsIdentity } from '../support/tls-handshake';

type Doc = Record<string, any>;

const onNode = (tree: FixtureTree, node: string, file: string) =>
  path.join(tree.dir, node, file.replace(/^\/etc\/kubernetes\//, ''));
const read = (file: string) => fs.readFileSync(file, 'utf8');

/** What the init node's kubeadm.yaml tells the apiserver and the kubelets. */
function configuredFiles(tree: FixtureTree) {
  const docs = yaml.loadAll(read(path.join(tree.dir, 'cp1', 'kubeadm.yaml'))) as Doc[];
  const cluster = docs.find((d) => d.kind === 'ClusterConfiguration')!;
  const kubelet = docs.find((d) => d.kind === 'KubeletConfiguration')!;
  return {
    kubeletCertificateAuthority: cluster.apiServer.extraArgs.find(
      (a: Doc) => a.name === 'kubelet-certificate-authority',
    ).value as string,
    tlsCertFile: kubelet.tlsCertFile as string,
    tlsPrivateKeyFile: kubelet.tlsPrivateKeyFile as string,
    clientCAFile: kubelet.authentication.x509.clientCAFile as string,
  };
}

describe.each(conformanceAlgorithms)(
  'apiserver → kubelet with kubelet serving certificates (%s)',
  (algorithm: KeyAlgorithm) => {
    let tree: FixtureTree;
    let foreign: FixtureTree;
    beforeAll(async () => {
      const serving = (s: FixtureTree['spec']) => void (s.spec.pki.kubeletServingCertificates = true);
      [tree, foreign] = await Promise.all([
        realizeStack('ha', algorithm, serving),
        realizeStack('lab', algorithm, serving),
      ]);
    }, 180_000);
    afterAll(() => {
      removeTree(tree?.dir);
      removeTree(foreign?.dir);
    });

    const kubelet = (t: FixtureTree, node: string): TlsIdentity => {
      const files = configuredFiles(t);
      return { cert: read(onNode(t, node, files.tlsCertFile)), key: read(onNode(t, node, files.tlsPrivateKeyFile)) };
    };
    const apiserverClient = (t: FixtureTree, cp: string): TlsIdentity => ({
      cert: read(path.join(t.dir, cp, 'pki', 'apiserver-kubelet-client.crt')),
      key: read(path.join(t.dir, cp, 'pki', 'apiserver-kubelet-client.key')),
    });

    it('every kube-apiserver verifies every kubelet at its InternalIP and by name, and every kubelet accepts the apiserver', async () => {
      const files = configuredFiles(tree);
      for (const cp of ['cp1', 'cp3']) {
        const authority = read(onNode(tree, cp, files.kubeletCertificateAuthority));
        for (const node of tree.plan.nodes) {
          for (const name of [node.address!, node.name]) {
            const result = await tlsHandshake(
              { identity: kubelet(tree, node.name), clientCa: read(onNode(tree, node.name, files.clientCAFile)) },
              { ca: authority, identity: apiserverClient(tree, cp), expectServerName: name },
            );
            expect(result, `${cp} → kubelet on ${node.name} as ${name}`).toMatchObject({
              ok: true,
              clientSubject: { CN: 'kube-apiserver-kubelet-client', O: ['kubeadm:cluster-admins'] },
              serverSubject: { CN: `system:node:${node.name}`, O: ['system:nodes'] },
            });
          }
        }
      }
    });

    it("refuses a kubelet at another node's address: each certificate names its own node only", async () => {
      const files = configuredFiles(tree);
      const result = await tlsHandshake(
        { identity: kubelet(tree, 'w1'), clientCa: read(onNode(tree, 'w1', files.clientCAFile)) },
        {
          ca: read(onNode(tree, 'cp1', files.kubeletCertificateAuthority)),
          identity: apiserverClient(tree, 'cp1'),
          expectServerName: tree.plan.nodes.find((n) => n.name === 'w2')!.address!,
        },
      );
      expect(result.ok).toBe(false);
      expect(result.clientError).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match|not in the cert/i);
    });

    it("refuses another cluster's kubelet, and a self-signed kubelet certificate as kubeadm leaves it", async () => {
      const files = configuredFiles(tree);
      const authority = read(onNode(tree, 'cp1', files.kubeletCertificateAuthority));
      const w1 = tree.plan.nodes.find((n) => n.name === 'w1')!;
      const strangerKubelet = await tlsHandshake(
        { identity: kubelet(foreign, 'w1'), clientCa: read(onNode(tree, 'w1', files.clientCAFile)) },
        { ca: authority, identity: apiserverClient(tree, 'cp1'), expectServerName: 'w1' },
      );
      expect(strangerKubelet.ok).toBe(false);
      expect(strangerKubelet.clientError).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed|issuer/i,
      );

      // kubeadm's default: the kubelet makes its own CA (`<host>-ca@<time>`) and signs its serving certificate with it.
      const caDir = temporaryDirectory('kubepki-kubelet-self-');
      try {
        const ownCa = await createThrowawayCa(algorithm, `w1-ca@${Math.floor(Date.now() / 1000)}`, caDir);
        const own = await issueFromCa({
          caCertFile: ownCa.cert,
          caKeyFile: ownCa.key,
          algorithm,
          commonName: 'w1',
          dnsNames: ['w1'],
          ipAddresses: [w1.address!],
          extendedKeyUsages: ['serverAuth'],
        });
        const result = await tlsHandshake(
          {
            identity: { cert: own.certificatePem, key: own.keyPem },
            clientCa: read(onNode(tree, 'w1', files.clientCAFile)),
          },
          { ca: authority, identity: apiserverClient(tree, 'cp1'), expectServerName: w1.address! },
        );
        expect(result.ok).toBe(false);
        expect(result.clientError).toMatch(
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|unable to/i,
        );
      } finally {
        removeTree(caDir);
      }
    });

    it("refuses an apiserver client certificate from another cluster at the kubelet (the edge's other direction)", async () => {
      const files = configuredFiles(tree);
      const result = await tlsHandshake(
        { identity: kubelet(tree, 'w1'), clientCa: read(onNode(tree, 'w1', files.clientCAFile)) },
        {
          ca: read(onNode(tree, 'cp1', files.kubeletCertificateAuthority)),
          identity: apiserverClient(foreign, 'cp1'),
          expectServerName: 'w1',
        },
      );
      expect(result.ok).toBe(false);
      expect(result.serverError).toMatch(/client certificate rejected|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|certificate/i);
    });
  },
);
