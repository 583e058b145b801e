/**
 * The trust edges of the reference's "who trusts whom" table, proven with real peers rather than by reading fields:
 * `openssl verify -purpose`, real TLS handshakes (Node's tls, i.e. OpenSSL) in both directions, and kubectl reading
 * every kubeconfig. Expected identities come from test/support/reference-table.ts, not from the plan.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectCertificate } from '../support/certificate-inspection';
import { temporaryDirectory, removeTree } from '../support/fixture-trees';
import { readSingleIdentityKubeconfig, serverHost } from '../support/kubeconfig-file';
import { requireBinary, runBinary } from '../support/peer-binaries';
import {
  referenceCas,
  referenceCertificates,
  referenceKubeconfigs,
  shippedStackFacts,
  type ExpectedCertificate,
  type ReferenceCaName,
} from '../support/reference-table';
import {
  throwawayServingIdentity,
  tlsHandshake,
  type HandshakeClient,
  type HandshakeResult,
  type HandshakeServer,
  type PeerSubject,
} from '../support/tls-handshake';
import { caPem, certificateMaterial, tlsIdentityOf } from '../support/tree-material';
import { trustTreeCases, useRealizedTree } from './trust-trees';

const haveOpenssl = requireBinary('openssl', 'openssl verify conformance (test/trust/real-peers)');
const haveKubectl = requireBinary('kubectl', 'kubectl kubeconfig conformance (test/trust/real-peers)');
const caNames: ReferenceCaName[] = ['ca', 'front-proxy-ca', 'etcd-ca'];

/** What must happen: the edge works, the server refuses the client certificate, or the client refuses the server. */
type Verdict = { accept: PeerSubject } | { serverRejects: RegExp } | { clientRejects: RegExp };

interface TrustEdge {
  title: string;
  server: () => Promise<HandshakeServer> | HandshakeServer;
  client: () => Promise<HandshakeClient> | HandshakeClient;
  verdict: Verdict;
}

/** The server's verdict when a client certificate does not chain to its client CA (OpenSSL verify codes). */
const untrustedClient =
  /client certificate rejected: (UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/;
/** …and when it chains but lacks clientAuth. */
const notForClients = /client certificate rejected: INVALID_PURPOSE$/;

describe.each(trustTreeCases)('$stack tree, $algorithm, $via: real peers', ({ stack, algorithm, via }) => {
  const facts = shippedStackFacts[stack];
  const certificates = referenceCertificates(facts, algorithm);
  const leaves = certificates.filter((c) => !c.ca);
  const kubeconfigs = referenceKubeconfigs(facts);
  const controlPlane = facts.controlPlane;
  const allNodes = [...controlPlane.map((cp) => cp.name), ...facts.workers.map((w) => w.name)];
  const [cp1, cp2] = [controlPlane[0]!, controlPlane[1]];
  const tree = useRealizedTree(stack, algorithm, via);

  const byId = (id: string): ExpectedCertificate => {
    const found = certificates.find((c) => c.id === id);
    if (!found) throw new Error(`no reference certificate ${id}`);
    return found;
  };
  const identity = (id: string) => tlsIdentityOf(tree().dir, byId(id));
  const ca = (name: ReferenceCaName, node = 'cp1') => caPem(tree().dir, name, node);
  const subjectOf = (id: string): PeerSubject => ({ CN: byId(id).commonName, O: byId(id).organizations });

  describe.runIf(haveOpenssl)('openssl verify', () => {
    let scratch: string;
    beforeAll(() => {
      scratch = temporaryDirectory('kubepki-openssl-');
    });
    afterAll(() => removeTree(scratch));

    /** A file openssl can read: the .crt itself, or the kubeconfig's client certificate written out. */
    const certFile = (expected: ExpectedCertificate): string => {
      if (expected.storage === 'pki') return path.join(tree().dir, expected.certPath);
      const file = path.join(scratch, `${expected.id.replace(/[/.]/g, '_')}.crt`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, certificateMaterial(tree().dir, expected).certPem);
      return file;
    };
    const caFile = (name: ReferenceCaName) => path.join(tree().dir, 'cp1', referenceCas[name].file);
    const verify = async (cafile: string, purpose: 'sslserver' | 'sslclient', file: string) => {
      const result = await runBinary('openssl', [
        'verify',
        '-x509_strict',
        '-CAfile',
        cafile,
        '-purpose',
        purpose,
        file,
      ]);
      return { code: result.code, output: `${result.stdout}${result.stderr}` };
    };

    it.each(leaves)(
      '$id: sslserver/sslclient agree with EKU $extendedKeyUsages against $issuer; every other CA fails',
      async (expected) => {
        const file = certFile(expected);
        const purposes = [
          ['sslserver', 'serverAuth'],
          ['sslclient', 'clientAuth'],
        ] as const;
        const purpose = expected.extendedKeyUsages.includes('serverAuth') ? 'sslserver' : 'sslclient';
        const others = caNames.filter((n) => n !== expected.issuer);
        const [own, foreign] = await Promise.all([
          Promise.all(purposes.map(([p]) => verify(caFile(expected.issuer), p, file))),
          Promise.all(others.map((other) => verify(caFile(other), purpose, file))),
        ]);
        purposes.forEach(([p, eku], i) => {
          const result = own[i]!;
          if (expected.extendedKeyUsages.includes(eku)) {
            expect(result, `${p} with ${expected.issuer}`).toMatchObject({
              code: 0,
              output: expect.stringMatching(/: OK\s*$/),
            });
          } else {
            expect(result.code, `${p} must fail`).not.toBe(0);
            expect(result.output).toMatch(/error 26 .*(unsuitable|unsupported) certificate purpose/);
          }
        });
        others.forEach((other, i) => {
          expect(foreign[i]!.code, `must fail against ${other}`).not.toBe(0);
          expect(foreign[i]!.output).toMatch(/error 20 .*unable to get local issuer certificate/);
        });
      },
    );

    it('each CA verifies against itself (as a trust anchor) and not against the other CAs', async () => {
      for (const name of caNames) {
        expect(await verify(caFile(name), 'sslserver', caFile(name)), name).toMatchObject({ code: 0 });
        for (const other of caNames.filter((n) => n !== name)) {
          expect((await verify(caFile(other), 'sslserver', caFile(name))).code, `${name} against ${other}`).not.toBe(0);
        }
      }
    });
  });

  describe('TLS handshakes', () => {
    // Serving identities outside the kubeadm PKI (a kubelet's and an aggregated apiserver's own), made once.
    let kubeletServing: Record<string, Awaited<ReturnType<typeof throwawayServingIdentity>>>;
    let aggregatedServing: Awaited<ReturnType<typeof throwawayServingIdentity>>;
    beforeAll(async () => {
      kubeletServing = {};
      for (const node of allNodes) {
        kubeletServing[node] = await throwawayServingIdentity({ commonName: node, dnsNames: [node] });
      }
      aggregatedServing = await throwawayServingIdentity({
        commonName: 'metrics-server',
        dnsNames: ['metrics-server.kube-system.svc'],
      });
    });

    // --tls-cert-file/--tls-private-key-file and --client-ca-file, as each control-plane node has them.
    const apiserver = (node: string): HandshakeServer => ({
      identity: identity(`${node}/pki/apiserver.crt`),
      clientCa: ca('ca', node),
    });
    const etcdServer = (node: string): HandshakeServer => ({
      identity: identity(`${node}/pki/etcd/server.crt`),
      clientCa: ca('etcd-ca', node),
    });
    const kubelet = (node: string): HandshakeServer => ({
      identity: kubeletServing[node]!,
      // authentication.x509.clientCAFile: the node's own pki/ca.crt (a worker has nothing else).
      clientCa: fs.readFileSync(path.join(tree().dir, node, 'pki/ca.crt'), 'utf8'),
    });
    const aggregated = (): HandshakeServer => ({ identity: aggregatedServing, clientCa: ca('front-proxy-ca') });

    const edges: TrustEdge[] = [];

    // kube-apiserver --client-ca-file=ca.crt accepts every kubeconfig's client certificate, and each kubeconfig's
    // certificate-authority-data verifies the apiserver under the host of its `server` URL.
    for (const kubeconfig of kubeconfigs) {
      const local = controlPlane.find((cp) => kubeconfig.server === `https://${cp.advertiseAddress}:${facts.bindPort}`);
      // A local endpoint is one node's apiserver; the controlPlaneEndpoint may lead to any of them.
      const targets = local ? [local] : controlPlane;
      for (const target of targets) {
        edges.push({
          title: `apiserver@${target.name} accepts ${kubeconfig.path} (${kubeconfig.userName}), which verifies it as ${kubeconfig.server}`,
          server: () => apiserver(target.name),
          client: () => {
            const k = readSingleIdentityKubeconfig(fs.readFileSync(path.join(tree().dir, kubeconfig.path), 'utf8'));
            return {
              ca: k.caPem,
              identity: { cert: k.clientCertificatePem, key: k.clientKeyPem },
              expectServerName: serverHost(k.server),
            };
          },
          verdict: { accept: { CN: kubeconfig.commonName, O: kubeconfig.organizations } },
        });
      }
    }
    for (const cp of controlPlane) {
      for (const name of ['kubernetes', `kubernetes.default.svc.${facts.dnsDomain}`, facts.serviceIp]) {
        edges.push({
          title: `apiserver@${cp.name} is verified as in-cluster name ${name} by a client trusting ca.crt`,
          server: () => apiserver(cp.name),
          client: () => ({ ca: ca('ca'), identity: identity(`${cp.name}/admin.conf`), expectServerName: name }),
          verdict: { accept: subjectOf(`${cp.name}/admin.conf`) },
        });
      }
      // kubelet authentication.x509.clientCAFile=ca.crt accepts --kubelet-client-certificate, on every node.
      for (const node of allNodes) {
        edges.push({
          title: `kubelet@${node} (client CA ${node}/pki/ca.crt) accepts ${cp.name}'s apiserver-kubelet-client`,
          server: () => kubelet(node),
          client: () => ({
            ca: kubeletServing[node]!.ca,
            identity: identity(`${cp.name}/pki/apiserver-kubelet-client.crt`),
            expectServerName: node,
          }),
          verdict: { accept: subjectOf(`${cp.name}/pki/apiserver-kubelet-client.crt`) },
        });
      }
      // etcd --trusted-ca-file=etcd/ca.crt accepts apiserver-etcd-client and healthcheck-client; they verify etcd at
      // 127.0.0.1 (kubeadm's --etcd-servers) and at the node's advertise address.
      for (const clientName of ['apiserver-etcd-client', 'etcd/healthcheck-client']) {
        for (const name of ['127.0.0.1', cp.advertiseAddress, 'localhost']) {
          edges.push({
            title: `etcd@${cp.name} accepts ${clientName}, which verifies it as ${name}`,
            server: () => etcdServer(cp.name),
            client: () => ({
              ca: ca('etcd-ca', cp.name),
              identity: identity(`${cp.name}/pki/${clientName}.crt`),
              expectServerName: name,
            }),
            verdict: { accept: subjectOf(`${cp.name}/pki/${clientName}.crt`) },
          });
        }
      }
      // --requestheader-client-ca-file=front-proxy-ca.crt: an aggregated apiserver accepts front-proxy-client.
      edges.push({
        title: `aggregated apiserver (client CA front-proxy-ca.crt) accepts ${cp.name}'s front-proxy-client`,
        server: aggregated,
        client: () => ({
          ca: aggregatedServing.ca,
          identity: identity(`${cp.name}/pki/front-proxy-client.crt`),
          expectServerName: 'metrics-server.kube-system.svc',
        }),
        verdict: { accept: { CN: 'front-proxy-client', O: [] } },
      });
    }
    // etcd --peer-trusted-ca-file=etcd/ca.crt: every member accepts every other member's peer certificate.
    for (const a of controlPlane) {
      for (const b of controlPlane.filter((n) => n !== a)) {
        edges.push({
          title: `etcd peer ${a.name} accepts peer ${b.name}, which verifies it as ${a.advertiseAddress}`,
          server: () => ({ identity: identity(`${a.name}/pki/etcd/peer.crt`), clientCa: ca('etcd-ca', a.name) }),
          client: () => ({
            ca: ca('etcd-ca', b.name),
            identity: identity(`${b.name}/pki/etcd/peer.crt`),
            expectServerName: a.advertiseAddress,
          }),
          verdict: { accept: { CN: b.name, O: [] } },
        });
      }
    }

    // Negative edges: nothing signed by ca is accepted by etcd; nothing signed by etcd-ca or front-proxy-ca is a
    // kubeconfig client; the front-proxy CA accepts no ca-signed client; a client trusting one CA refuses the others.
    const workerKubelet = facts.workers[0] ? `${facts.workers[0].name}/kubelet.conf` : `${cp1.name}/kubelet.conf`;
    for (const id of [
      `${cp1.name}/pki/apiserver-kubelet-client.crt`,
      `${cp1.name}/admin.conf`,
      workerKubelet,
      `${cp1.name}/pki/front-proxy-client.crt`,
    ]) {
      edges.push({
        title: `etcd@${cp1.name} rejects ${id} (signed by ${byId(id).issuer})`,
        server: () => etcdServer(cp1.name),
        client: () => ({ ca: ca('etcd-ca'), identity: identity(id), expectServerName: '127.0.0.1' }),
        verdict: { serverRejects: untrustedClient },
      });
    }
    for (const id of [
      `${cp1.name}/pki/apiserver-etcd-client.crt`,
      `${cp1.name}/pki/etcd/healthcheck-client.crt`,
      `${cp1.name}/pki/front-proxy-client.crt`,
      `${cp1.name}/pki/etcd/peer.crt`,
    ]) {
      edges.push({
        title: `apiserver@${cp1.name} (client CA ca.crt) rejects ${id} (signed by ${byId(id).issuer})`,
        server: () => apiserver(cp1.name),
        client: () => ({ ca: ca('ca'), identity: identity(id), expectServerName: 'kubernetes' }),
        verdict: { serverRejects: untrustedClient },
      });
    }
    for (const id of [`${cp1.name}/admin.conf`, `${cp1.name}/pki/apiserver-kubelet-client.crt`]) {
      edges.push({
        title: `aggregated apiserver (client CA front-proxy-ca.crt) rejects ${id}`,
        server: aggregated,
        client: () => ({
          ca: aggregatedServing.ca,
          identity: identity(id),
          expectServerName: 'metrics-server.kube-system.svc',
        }),
        verdict: { serverRejects: untrustedClient },
      });
    }
    for (const [server, trusted, name] of [
      ['apiserver.crt', 'etcd-ca', 'kubernetes'],
      ['apiserver.crt', 'front-proxy-ca', 'kubernetes'],
      ['etcd/server.crt', 'ca', '127.0.0.1'],
    ] as const) {
      edges.push({
        title: `a client trusting only ${referenceCas[trusted].file} rejects ${cp1.name}'s ${server}`,
        server: () => ({ identity: identity(`${cp1.name}/pki/${server}`) }),
        client: () => ({ ca: ca(trusted), expectServerName: name }),
        verdict: { clientRejects: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/ },
      });
    }
    // Usages are enforced, not decorative: a serverAuth-only certificate is no client, a client certificate no server.
    edges.push({
      title: `apiserver@${cp1.name} rejects its own serving certificate presented as a client certificate (no clientAuth)`,
      server: () => apiserver(cp1.name),
      client: () => ({
        ca: ca('ca'),
        identity: identity(`${cp1.name}/pki/apiserver.crt`),
        expectServerName: 'kubernetes',
      }),
      verdict: { serverRejects: notForClients },
    });
    edges.push({
      title: `a client trusting ca.crt rejects admin.conf's client certificate used as a serving certificate (no serverAuth)`,
      server: () => ({ identity: identity(`${cp1.name}/admin.conf`) }),
      client: () => ({ ca: ca('ca'), expectServerName: 'kubernetes-admin' }),
      verdict: { clientRejects: /INVALID_PURPOSE|unsupported certificate purpose/i },
    });
    // Each node's serving certificates name that node only.
    if (cp2) {
      for (const server of ['apiserver.crt', 'etcd/server.crt', 'etcd/peer.crt']) {
        edges.push({
          title: `a client dialing ${cp1.name} (${cp1.advertiseAddress}) rejects ${cp2.name}'s ${server}`,
          server: () => ({ identity: identity(`${cp2.name}/pki/${server}`) }),
          client: () => ({
            ca: ca(server === 'apiserver.crt' ? 'ca' : 'etcd-ca'),
            expectServerName: cp1.advertiseAddress,
          }),
          verdict: { clientRejects: /ERR_TLS_CERT_ALTNAME_INVALID/ },
        });
      }
    } else {
      edges.push({
        title: `a client dialing ${facts.workers[0]?.name ?? 'another host'} rejects ${cp1.name}'s apiserver.crt`,
        server: () => ({ identity: identity(`${cp1.name}/pki/apiserver.crt`) }),
        client: () => ({ ca: ca('ca'), expectServerName: facts.workers[0]?.name ?? 'elsewhere.example' }),
        verdict: { clientRejects: /ERR_TLS_CERT_ALTNAME_INVALID/ },
      });
    }

    it.each(edges)('$title', async (edge) => {
      const result = await tlsHandshake(await edge.server(), await edge.client(), { timeoutMs: 10_000 });
      assertVerdict(result, edge.verdict);
    });
  });

  describe.runIf(haveKubectl)('kubectl config view', () => {
    it.each(kubeconfigs)('$path: kubectl reads user $userName, cluster $clusterName at $server', async (expected) => {
      const file = path.join(tree().dir, expected.path);
      const env = { ...process.env };
      delete env.KUBECONFIG;
      const result = await runBinary('kubectl', ['--kubeconfig', file, 'config', 'view', '--raw', '-o', 'json'], {
        env,
      });
      expect(result.code, result.stderr).toBe(0);
      const view = JSON.parse(result.stdout) as {
        clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
        users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
        contexts: { name: string; context: { cluster: string; user: string } }[];
        'current-context': string;
      };
      expect(view.clusters.map((c) => [c.name, c.cluster.server])).toEqual([[expected.clusterName, expected.server]]);
      expect(Buffer.from(view.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()).toBe(
        fs.readFileSync(path.join(tree().dir, expected.caPath), 'utf8'),
      );
      expect(view.users.map((u) => u.name)).toEqual([expected.userName]);
      const client = inspectCertificate(Buffer.from(view.users[0]!.user['client-certificate-data'], 'base64'));
      expect(client.commonNames).toEqual([expected.commonName]);
      expect(client.organizations).toEqual(expected.organizations);
      expect(view.users[0]!.user['client-key-data']).toBeTruthy();
      expect(view.contexts).toEqual([
        { name: expected.contextName, context: { cluster: expected.clusterName, user: expected.userName } },
      ]);
      expect(view['current-context']).toBe(expected.contextName);
    });
  });
});

function assertVerdict(result: HandshakeResult, verdict: Verdict): void {
  const summary = JSON.stringify(result);
  expect(result.timedOut, summary).toBe(false);
  if ('accept' in verdict) {
    expect(result.ok, summary).toBe(true);
    expect(result.clientSubject, summary).toEqual(verdict.accept);
  } else if ('serverRejects' in verdict) {
    expect(result.ok, summary).toBe(false);
    // The client trusted the server: the failure is the server refusing the client certificate.
    expect(result.serverError, summary).toMatch(verdict.serverRejects);
    expect(result.clientError ?? '', summary).not.toMatch(/UNABLE_TO_VERIFY|ALTNAME|SELF_SIGNED/);
  } else {
    expect(result.ok, summary).toBe(false);
    expect(result.clientError, summary).toMatch(verdict.clientRejects);
  }
}
