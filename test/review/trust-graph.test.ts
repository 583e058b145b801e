/**
 * `trustGraph`: the reference's "who trusts whom" table as data derived from the plan, and proof that each edge is
 * real: for every edge of a generated lab tree (ECDSA-P256), a TLS handshake on 127.0.0.1 between a server holding the
 * edge's server certificate and trusting the edge's client CA, and a client holding the edge's client certificate and
 * trusting the edge's server CA, succeeds — and fails when the server trusts another kubeadm CA instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/outputs';
import type { PkiPlan } from '../../src/plan';
import { renderTrustGraphDot, renderTrustGraphMarkdown, renderTrustGraphMermaid, trustGraph } from '../../src/review';
import { type TrustEdge } from '../../src/review/trust-graph';
import { realizeStack, removeTree, stackSpec, type FixtureTree } from '../support/fixture-trees';
import { planPki } from '../../src/plan';
import { throwawayServingIdentity, tlsHandshake, type TlsIdentity } from '../support/tls-handshake';

const summary = (e: TrustEdge) =>
  `${e.client.component}@${e.client.node ?? '-'} → ${e.server.component}@${e.server.node ?? '-'}: ${e.clientCertificate} ⇢ ${e.serverTrusts} / ${e.serverCertificate ?? '(own)'} ⇢ ${e.clientTrusts ?? '(unverified)'} @ ${e.serverName ?? '-'}`;

/** Edges of the lab stack's graph, as the exact list in the first test spells them out. */
const LAB_EDGES = 12;

describe('trust graph edges, derived from the plan', () => {
  it('lab: every kubeconfig to the apiserver, the apiserver to kubelets, etcd and the aggregation layer', () => {
    const edges = trustGraph(planPki(stackSpec('lab', 'ECDSA-P256'))).edges.map(summary);
    expect(edges).toEqual([
      'kubectl with admin.conf@cp1 → kube-apiserver@cp1: cp1/admin.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kube-controller-manager@cp1 → kube-apiserver@cp1: cp1/controller-manager.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kubelet@cp1 → kube-apiserver@cp1: cp1/kubelet.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kube-scheduler@cp1 → kube-apiserver@cp1: cp1/scheduler.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kubectl with super-admin.conf@cp1 → kube-apiserver@cp1: cp1/super-admin.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kubectl with users/alice.conf@- → kube-apiserver@cp1: users/alice.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kubelet@w1 → kube-apiserver@cp1: w1/kubelet.conf ⇢ ca / cp1/apiserver ⇢ ca @ 10.0.0.11',
      'kube-apiserver@cp1 → kubelet@cp1: cp1/apiserver-kubelet-client ⇢ ca / (own) ⇢ (unverified) @ 10.0.0.11',
      'kube-apiserver@cp1 → kubelet@w1: cp1/apiserver-kubelet-client ⇢ ca / (own) ⇢ (unverified) @ 10.0.0.21',
      'kube-apiserver@cp1 → etcd@cp1: cp1/apiserver-etcd-client ⇢ etcd-ca / cp1/etcd/server ⇢ etcd-ca @ 127.0.0.1',
      'etcd health check@cp1 → etcd@cp1: cp1/etcd/healthcheck-client ⇢ etcd-ca / cp1/etcd/server ⇢ etcd-ca @ 127.0.0.1',
      'kube-apiserver@cp1 → aggregated API server@-: cp1/front-proxy-client ⇢ front-proxy-ca / (own) ⇢ (unverified) @ -',
    ]);
  });

  it('ha: kubeconfigs behind the controlPlaneEndpoint reach every apiserver, local ones their own; etcd members peer', () => {
    const plan = planPki(stackSpec('ha', 'ECDSA-P256'));
    const graph = trustGraph(plan);
    const to = (client: string) =>
      graph.edges.filter((e) => e.clientCertificate === client).map((e) => `${e.server.node}@${e.serverName}`);
    expect(to('cp2/admin.conf')).toEqual([
      'cp1@ha-api.example.internal',
      'cp2@ha-api.example.internal',
      'cp3@ha-api.example.internal',
    ]);
    expect(to('cp2/scheduler.conf')).toEqual(['cp2@10.0.1.12']);
    expect(to('w3/kubelet.conf')).toHaveLength(3);
    const peers = graph.edges
      .filter((e) => e.client.component === 'etcd')
      .map((e) => `${e.client.node}→${e.server.node}@${e.serverName}`);
    expect(peers).toEqual([
      'cp1→cp2@10.0.1.12',
      'cp1→cp3@10.0.1.13',
      'cp2→cp1@10.0.1.11',
      'cp2→cp3@10.0.1.13',
      'cp3→cp1@10.0.1.11',
      'cp3→cp2@10.0.1.12',
    ]);
    // Every certificate an edge names exists in the plan, and is signed by the CA the other side trusts for it.
    const byId = new Map(plan.certificates.map((c) => [c.id, c]));
    for (const e of graph.edges) {
      expect(byId.get(e.clientCertificate)?.issuer, summary(e)).toBe(e.serverTrusts);
      expect(byId.get(e.clientCertificate)?.extendedKeyUsages).toContain('clientAuth');
      if (e.serverCertificate) {
        expect(byId.get(e.serverCertificate)?.issuer, summary(e)).toBe(e.clientTrusts);
        expect(byId.get(e.serverCertificate)?.extendedKeyUsages).toContain('serverAuth');
      }
    }
    expect(graph.tokens).toHaveLength(3);
  });

  it('renders Mermaid (one arrow per edge), a Markdown matrix and Graphviz DOT', () => {
    const graph = trustGraph(planPki(stackSpec('lab', 'ECDSA-P256')));
    const mermaid = renderTrustGraphMermaid(graph);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.split('\n').filter((l) => l.includes(' -->|'))).toHaveLength(graph.edges.length);
    expect(mermaid).toContain(
      'kube_2dapiserver__cp1 -->|"cp1/apiserver-etcd-client ⇢ etcd-ca / cp1/etcd/server ⇢ etcd-ca"| etcd__cp1',
    );
    const md = renderTrustGraphMarkdown(graph);
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| client'))).toHaveLength(
      graph.edges.length,
    );
    const dot = renderTrustGraphDot(graph);
    expect(dot).toMatch(/^digraph "trust-lab" \{\n/);
    expect(dot.split('\n').filter((l) => l.includes(' -> ') && !l.includes('dashed'))).toHaveLength(graph.edges.length);
  });
});

describe('trust graph node ids', () => {
  it('are one per endpoint: users alice.smith and alice-smith get separate boxes in Mermaid and DOT', () => {
    const users = ['alice.smith', 'alice-smith', 'alice_smith'];
    const spec = stackSpec(
      'lab',
      'ECDSA-P256',
      (s) => void s.spec.users.push(...users.map((name) => ({ name, groups: ['dev'], namespaces: [] }) as never)),
    );
    const graph = trustGraph(planPki(spec));
    const labels = new Set(
      graph.edges.flatMap((e) => [e.client, e.server]).map((p) => `${p.component}@${p.node ?? ''}`),
    );
    // Mermaid: one `id["component"]` declaration per endpoint, every id distinct.
    const declared = renderTrustGraphMermaid(graph)
      .split('\n')
      .map((l) => /^\s+(\S+)\["/.exec(l)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(new Set(declared).size).toBe(declared.length);
    expect(declared).toHaveLength(labels.size);
    const userIds = users.map((u) =>
      declared.find((id) =>
        id.startsWith(`kubectl_20with_20users_2f${u.replace(/[^a-z]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`),
      ),
    );
    expect(new Set(userIds).size).toBe(3);
    // DOT: one node statement per endpoint, and each user's edge leaves its own node.
    const dot = renderTrustGraphDot(graph);
    expect(dot.split('\n').filter((l) => l.includes('[label=') && !l.includes(' -> '))).toHaveLength(labels.size);
    for (const id of userIds) expect(dot.split('\n').filter((l) => l.startsWith(`  "${id}" -> `))).toHaveLength(1);
  });
});

describe('every edge of the lab tree holds in a real TLS handshake', () => {
  let tree: FixtureTree;
  let edges: TrustEdge[];
  beforeAll(async () => {
    tree = await realizeStack('lab', 'ECDSA-P256');
    edges = trustGraph(tree.plan).edges;
  });
  afterAll(() => removeTree(tree?.dir));

  const read = (rel: string) => fs.readFileSync(path.join(tree.dir, rel), 'utf8');
  const caPem = (id: string) =>
    read(`cp1/pki/${id === 'ca' ? 'ca' : id === 'etcd-ca' ? 'etcd/ca' : 'front-proxy-ca'}.crt`);

  /** A certificate of the plan and its key, from its .crt/.key pair or from the kubeconfig that embeds it. */
  function identityOf(plan: PkiPlan, id: string): TlsIdentity {
    const files = plan.files.filter((f) => f.content.of === id);
    const kubeconfig = files.find((f) => f.content.kind === 'kubeconfig');
    if (kubeconfig) {
      const k = parseKubeconfig(read(kubeconfig.path));
      return { cert: k.clientCertificatePem!, key: k.clientKeyPem! };
    }
    return {
      cert: read(files.find((f) => f.content.kind === 'certificate')!.path),
      key: read(files.find((f) => f.content.kind === 'private-key')!.path),
    };
  }

  /** The server side: the edge's certificate, or (kubelet, aggregated API server) a serving identity of its own. */
  async function serverOf(e: TrustEdge): Promise<{ identity: TlsIdentity; ca: string; name: string }> {
    if (e.serverCertificate)
      return { identity: identityOf(tree.plan, e.serverCertificate), ca: caPem(e.clientTrusts!), name: e.serverName! };
    const own = await throwawayServingIdentity({
      commonName: e.server.component.replace(/ /g, '-'),
      dnsNames: ['localhost'],
      ...(e.serverName ? { ipAddresses: [e.serverName] } : {}),
    });
    return { identity: { cert: own.cert, key: own.key }, ca: own.ca, name: e.serverName ?? 'localhost' };
  }

  it('succeeds with the CAs the edge names, and the server sees the planned client identity', async () => {
    // The lab graph's edges, as listed in the test above: an empty graph must not pass for free.
    expect(edges).toHaveLength(LAB_EDGES);
    for (const e of edges) {
      const server = await serverOf(e);
      const result = await tlsHandshake(
        { identity: server.identity, clientCa: caPem(e.serverTrusts) },
        { ca: server.ca, identity: identityOf(tree.plan, e.clientCertificate), expectServerName: server.name },
      );
      const planned = tree.plan.certificates.find((c) => c.id === e.clientCertificate)!;
      expect(result, summary(e)).toMatchObject({
        ok: true,
        clientSubject: { CN: planned.subject.commonName, O: planned.subject.organizations },
      });
    }
  });

  it('fails when the server trusts another kubeadm CA for clients (CA separation)', async () => {
    expect(edges).toHaveLength(LAB_EDGES);
    for (const e of edges) {
      const server = await serverOf(e);
      const wrong = e.serverTrusts === 'ca' ? 'etcd-ca' : 'ca';
      const result = await tlsHandshake(
        { identity: server.identity, clientCa: caPem(wrong) },
        { ca: server.ca, identity: identityOf(tree.plan, e.clientCertificate), expectServerName: server.name },
      );
      expect(result.ok, summary(e)).toBe(false);
      expect(result.serverError, summary(e)).toMatch(/client/i);
    }
  });
});

describe('the apiserver → kubelet edge', () => {
  const kubeletEdges = (plan: PkiPlan) =>
    trustGraph(plan).edges.filter((e) => e.client.component === 'kube-apiserver' && e.server.component === 'kubelet');

  it('is verified both ways with kubelet serving certificates: the kubelet certificate chains to the CA --kubelet-certificate-authority names', () => {
    const plan = planPki(stackSpec('ha', 'ECDSA-P256', (s) => void (s.spec.pki.kubeletServingCertificates = true)));
    const edges = kubeletEdges(plan);
    expect(edges).toHaveLength(3 * 6);
    for (const e of edges) {
      expect(e).toMatchObject({
        serverCertificate: `${e.server.node}/kubelet-serving`,
        clientTrusts: 'ca',
        clientTrustsVia: 'kube-apiserver --kubelet-certificate-authority',
        serverTrusts: 'ca',
      });
      const serving = plan.certificates.find((c) => c.id === e.serverCertificate)!;
      expect(serving.issuer).toBe(e.clientTrusts);
      expect([...serving.sans.ipAddresses, ...serving.sans.dnsNames]).toContain(e.serverName);
    }
  });

  it("stays one-way under kubeadm's defaults: the kubelet's self-signed certificate is not verified", () => {
    for (const e of kubeletEdges(planPki(stackSpec('ha', 'ECDSA-P256')))) {
      expect(e.serverCertificate).toBeUndefined();
      expect(e.clientTrusts).toBeUndefined();
    }
  });
});
