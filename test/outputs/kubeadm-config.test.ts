/**
 * The generated kubeadm configuration files: valid against the schema derived from kubeadm's Go types, consistent with
 * the certificates next to them (every SAN kubeadm would require is present, every path they name exists in the node
 * directory), the CA pin equal to openssl's SPKI → SHA-256, and the token secret (0600, absent from the plan).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { buildInventory, renderInventoryYaml } from '../../src/review';
import type { ClusterSpec } from '../../src/spec';
import { inspectCertificate, isSignedBy } from '../support/certificate-inspection';
import { removeTree, stackSpec, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { kubeadmConfigProblems } from '../support/kubeadm-api-schema';
import { requireBinary, runBinary } from '../support/peer-binaries';

type Doc = Record<string, any>;

const withServing = (change?: (spec: ClusterSpec) => void) => (spec: ClusterSpec) => {
  spec.spec.pki.kubeletServingCertificates = true;
  change?.(spec);
};

async function realize(stack: 'lab' | 'ha', change: (spec: ClusterSpec) => void): Promise<FixtureTree> {
  const spec = stackSpec(stack, 'ECDSA-P256', change);
  const plan = planPki(spec);
  const dir = temporaryDirectory(`kubepki-kubeadm-${stack}-`);
  await realizeLocal(plan, dir);
  return { dir, spec, plan };
}

const documentsOf = (tree: FixtureTree, node: string): Doc[] =>
  yaml.loadAll(fs.readFileSync(path.join(tree.dir, node, 'kubeadm.yaml'), 'utf8')) as Doc[];
const nodesOf = (tree: FixtureTree) => tree.plan.nodes.map((n) => n.name);
const certificate = (tree: FixtureTree, node: string, rel: string) =>
  inspectCertificate(fs.readFileSync(path.join(tree.dir, node, 'pki', rel)));
/** A path kubeadm reads on the node, as a path in the node directory (the node directory is /etc/kubernetes). */
const inNodeDir = (tree: FixtureTree, node: string, onNode: string) => {
  expect(onNode.startsWith('/etc/kubernetes/'), onNode).toBe(true);
  return path.join(tree.dir, node, onNode.slice('/etc/kubernetes/'.length));
};
const covers = (cert: ReturnType<typeof inspectCertificate>, host: string) =>
  cert.ipAddresses.includes(host) ||
  cert.dnsNames.includes(host) ||
  cert.dnsNames.some(
    (d) => d.startsWith('*.') && host.endsWith(d.slice(1)) && !host.slice(0, -d.length + 1).includes('.'),
  );

describe.each([
  ['lab', withServing()],
  ['ha', withServing()],
  [
    'ha with external etcd and a pod subnet',
    withServing((s) => {
      s.spec.etcd = {
        external: { endpoints: ['https://10.0.9.1:2379', 'https://10.0.9.2:2379'] },
      } as ClusterSpec['spec']['etcd'];
      s.spec.networking.podSubnet = '10.244.0.0/16';
    }),
  ],
] as const)('kubeadm.yaml of every node, %s stack', (name, change) => {
  let tree: FixtureTree;
  beforeAll(async () => {
    tree = await realize(name.startsWith('lab') ? 'lab' : 'ha', change);
  }, 120_000);
  afterAll(() => removeTree(tree?.dir));

  it("validates against the schema derived from kubeadm's v1beta4 and kubelet v1beta1 types", () => {
    for (const node of nodesOf(tree)) expect(kubeadmConfigProblems(documentsOf(tree, node)), node).toEqual([]);
  });

  it('gives the first control-plane node init + cluster + kubelet configuration and every other node a JoinConfiguration', () => {
    const [first, ...others] = nodesOf(tree);
    expect(documentsOf(tree, first!).map((d) => d.kind)).toEqual([
      'InitConfiguration',
      'ClusterConfiguration',
      'KubeletConfiguration',
    ]);
    for (const node of others) {
      const [join, ...rest] = documentsOf(tree, node);
      expect(rest, node).toEqual([]);
      expect(join!.kind).toBe('JoinConfiguration');
      const isControlPlane = tree.plan.nodes.find((n) => n.name === node)!.role === 'control-plane';
      expect(join!.controlPlane !== undefined, node).toBe(isControlPlane);
      // kubepki distributes the certificates: nothing to download, so no certificate key anywhere.
      expect(join!.controlPlane?.certificateKey).toBeUndefined();
      expect(join!.nodeRegistration.name).toBe(node);
    }
  });

  it('takes every value the certificates depend on from the spec', () => {
    const s = tree.spec.spec;
    const cluster = documentsOf(tree, nodesOf(tree)[0]!).find((d) => d.kind === 'ClusterConfiguration')!;
    expect(cluster.kubernetesVersion).toBe(s.kubernetesVersion);
    expect(cluster.clusterName).toBe(s.clusterName);
    expect(cluster.controlPlaneEndpoint).toBe(s.controlPlaneEndpoint);
    expect(cluster.certificatesDir).toBe('/etc/kubernetes/pki');
    expect(cluster.networking).toEqual({
      serviceSubnet: s.networking.serviceSubnet,
      dnsDomain: s.networking.dnsDomain,
      ...(s.networking.podSubnet ? { podSubnet: s.networking.podSubnet } : {}),
    });
    expect(cluster.apiServer.certSANs).toEqual(s.apiServer.certSANs);
    expect(cluster.encryptionAlgorithm).toBe('ECDSA-P256');
    expect(cluster.certificateValidityPeriod).toBe(s.pki.certificateValidityPeriod);
    if ('local' in s.etcd)
      expect(cluster.etcd).toEqual({
        local: { serverCertSANs: s.etcd.local.serverCertSANs, peerCertSANs: s.etcd.local.peerCertSANs },
      });
    else expect(cluster.etcd.external.endpoints).toEqual(s.etcd.external.endpoints);
    const init = documentsOf(tree, nodesOf(tree)[0]!)[0]!;
    expect(init.localAPIEndpoint).toEqual({
      advertiseAddress: s.controlPlane[0]!.advertiseAddress,
      bindPort: s.apiServer.bindPort,
    });
  });

  it('every SAN kubeadm would require of the apiserver and etcd certificates is in the certificates next to the file', () => {
    const cluster = documentsOf(tree, nodesOf(tree)[0]!).find((d) => d.kind === 'ClusterConfiguration')!;
    const endpointHost = cluster.controlPlaneEndpoint
      ? String(cluster.controlPlaneEndpoint).replace(/:\d+$/, '')
      : undefined;
    for (const cp of tree.spec.spec.controlPlane) {
      const [doc] = documentsOf(tree, cp.name);
      const advertise =
        doc!.kind === 'InitConfiguration'
          ? doc!.localAPIEndpoint.advertiseAddress
          : doc!.controlPlane.localAPIEndpoint.advertiseAddress;
      expect(advertise).toBe(cp.advertiseAddress);
      // kubeadm's rule A from the configuration's own values: node name, the kubernetes Service names, the first
      // service IP, the advertise address, the endpoint host, every certSAN.
      const serviceIp = String(cluster.networking.serviceSubnet)
        .split(',')[0]!
        .replace(/0\/\d+$/, '1');
      const required = [
        cp.name,
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        `kubernetes.default.svc.${cluster.networking.dnsDomain}`,
        serviceIp,
        advertise,
        ...(endpointHost ? [endpointHost] : []),
        ...cluster.apiServer.certSANs,
      ];
      const apiserver = certificate(tree, cp.name, 'apiserver.crt');
      for (const name of required)
        expect(covers(apiserver, name), `${cp.name}/pki/apiserver.crt covers ${name}`).toBe(true);
      if (cluster.etcd.local) {
        for (const [file, extra] of [
          ['etcd/server.crt', cluster.etcd.local.serverCertSANs],
          ['etcd/peer.crt', cluster.etcd.local.peerCertSANs],
        ] as const) {
          const etcd = certificate(tree, cp.name, file);
          for (const name of [cp.name, 'localhost', '127.0.0.1', advertise, ...extra])
            expect(covers(etcd, name), `${cp.name}/pki/${file} covers ${name}`).toBe(true);
        }
      }
    }
  });

  it("every file the configuration names exists in the node directory (external etcd files are the user's and listed as such)", () => {
    for (const node of nodesOf(tree)) {
      const docs = documentsOf(tree, node);
      const named: string[] = [];
      for (const d of docs) {
        if (d.caCertPath) named.push(d.caCertPath);
        if (d.kind === 'KubeletConfiguration')
          named.push(d.tlsCertFile, d.tlsPrivateKeyFile, d.authentication.x509.clientCAFile);
        if (d.kind === 'ClusterConfiguration') {
          named.push(...d.apiServer.extraArgs.map((a: Doc) => a.value));
          for (const f of [
            'ca.crt',
            'ca.key',
            'apiserver.crt',
            'apiserver.key',
            'apiserver-kubelet-client.crt',
            'front-proxy-ca.crt',
            'front-proxy-client.crt',
            'sa.key',
            'sa.pub',
          ])
            named.push(`${d.certificatesDir}/${f}`);
          if (d.etcd.local)
            named.push(
              `${d.certificatesDir}/etcd/ca.crt`,
              `${d.certificatesDir}/etcd/server.crt`,
              `${d.certificatesDir}/apiserver-etcd-client.crt`,
            );
          else
            expect([d.etcd.external.caFile, d.etcd.external.certFile, d.etcd.external.keyFile]).toEqual([
              '/etc/kubernetes/pki/etcd/ca.crt',
              '/etc/kubernetes/pki/apiserver-etcd-client.crt',
              '/etc/kubernetes/pki/apiserver-etcd-client.key',
            ]);
        }
      }
      // The kubelet configuration lives in the init node's file and reaches every node through the kubelet-config
      // ConfigMap: its paths must exist on every node.
      const kubelet = documentsOf(tree, nodesOf(tree)[0]!).find((d) => d.kind === 'KubeletConfiguration')!;
      named.push(kubelet.tlsCertFile, kubelet.tlsPrivateKeyFile, kubelet.authentication.x509.clientCAFile);
      expect(named.length).toBeGreaterThan(2);
      for (const onNode of named) expect(fs.existsSync(inNodeDir(tree, node, onNode)), `${node}: ${onNode}`).toBe(true);
    }
  });

  it("points the kubelet at its serving certificate and the apiserver's --kubelet-certificate-authority at the CA that signed it", () => {
    const docs = documentsOf(tree, nodesOf(tree)[0]!);
    const cluster = docs.find((d) => d.kind === 'ClusterConfiguration')!;
    const kubelet = docs.find((d) => d.kind === 'KubeletConfiguration')!;
    const authority = cluster.apiServer.extraArgs.find((a: Doc) => a.name === 'kubelet-certificate-authority').value;
    expect(kubelet.serverTLSBootstrap).toBe(false);
    for (const node of tree.plan.nodes) {
      const serving = inspectCertificate(fs.readFileSync(inNodeDir(tree, node.name, kubelet.tlsCertFile)));
      const ca = inspectCertificate(fs.readFileSync(inNodeDir(tree, nodesOf(tree)[0]!, authority)));
      expect(isSignedBy(serving, ca), node.name).toBe(true);
      expect(serving.commonNames).toEqual([`system:node:${node.name}`]);
      expect(serving.organizations).toEqual(['system:nodes']);
      expect(serving.extendedKeyUsages).toEqual(['serverAuth']);
      expect(serving.dnsNames).toEqual([node.name]);
      expect(serving.ipAddresses).toEqual([node.address]);
      const [doc] = documentsOf(tree, node.name);
      // The kubelet registers (and kube-apiserver dials) exactly the address the certificate names.
      expect(doc!.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: node.address }]);
    }
  });

  it('keeps the bootstrap token secret: 0600 files, one token everywhere, nowhere in the plan or the inventory', () => {
    const token = fs.readFileSync(path.join(tree.dir, 'bootstrap-token'), 'utf8').trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(fs.statSync(path.join(tree.dir, 'bootstrap-token')).mode & 0o777).toBe(0o600);
    for (const node of nodesOf(tree)) {
      expect(fs.statSync(path.join(tree.dir, node, 'kubeadm.yaml')).mode & 0o777).toBe(0o600);
      const [doc] = documentsOf(tree, node);
      expect(doc!.bootstrapTokens?.[0]?.token ?? doc!.discovery.bootstrapToken.token).toBe(token);
    }
    const secret = token.split('.')[1]!;
    expect(JSON.stringify(tree.plan)).not.toContain(secret);
    expect(renderInventoryYaml(buildInventory(tree.plan))).not.toContain(secret);
  });
});

describe.runIf(requireBinary('openssl', 'kubeadm CA pin against openssl'))(
  'the CA pin of the join configurations',
  () => {
    let tree: FixtureTree;
    beforeAll(async () => {
      tree = await realize('ha', withServing());
    }, 120_000);
    afterAll(() => removeTree(tree?.dir));

    it("equals sha256 of ca.crt's DER SubjectPublicKeyInfo as openssl computes it (x509 -pubkey | pkey -pubin -outform DER | dgst -sha256)", async () => {
      const ca = path.join(tree.dir, 'cp1', 'pki', 'ca.crt');
      const pubkey = await runBinary('openssl', ['x509', '-in', ca, '-pubkey', '-noout']);
      const der = path.join(tree.dir, 'ca-spki.der');
      const convert = await runBinary('openssl', ['pkey', '-pubin', '-outform', 'DER', '-out', der], {
        input: pubkey.stdout,
      });
      expect(convert.code, convert.stderr).toBe(0);
      const digest = await runBinary('openssl', ['dgst', '-sha256', '-r', der]);
      const expected = `sha256:${digest.stdout.split(' ')[0]}`;
      expect(expected).toMatch(/^sha256:[0-9a-f]{64}$/);
      for (const node of nodesOf(tree).slice(1))
        expect(documentsOf(tree, node)[0]!.discovery.bootstrapToken.caCertHashes, node).toEqual([expected]);
      fs.rmSync(der);
    });
  },
);

describe('the derived schema', () => {
  it('refuses what kubeadm refuses, so a pass means something', () => {
    const join = {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: {
          token: 'abcdef.0123456789abcdef',
          apiServerEndpoint: '10.0.0.1:6443',
          caCertHashes: [`sha256:${'a'.repeat(64)}`],
        },
      },
    };
    expect(kubeadmConfigProblems([join])).toEqual([]);
    expect(
      kubeadmConfigProblems([
        {
          ...join,
          discovery: { bootstrapToken: { ...join.discovery.bootstrapToken, token: 'ABCDEF.0123456789abcdef' } },
        },
      ]),
    ).not.toEqual([]);
    expect(
      kubeadmConfigProblems([
        { ...join, discovery: { bootstrapToken: { ...join.discovery.bootstrapToken, caCertHashes: ['sha1:abc'] } } },
      ]),
    ).not.toEqual([]);
    expect(
      kubeadmConfigProblems([
        { ...join, discovery: { bootstrapToken: { ...join.discovery.bootstrapToken, caCertHashes: [] } } },
      ]),
    ).not.toEqual([]);
    expect(kubeadmConfigProblems([{ ...join, certificatesDir: '/etc/kubernetes/pki' }])).not.toEqual([]);
    expect(kubeadmConfigProblems([{ apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration' }])).not.toEqual(
      [],
    );
    expect(
      kubeadmConfigProblems([
        {
          apiVersion: 'kubeadm.k8s.io/v1beta4',
          kind: 'ClusterConfiguration',
          apiServer: { extraArgs: { 'kubelet-certificate-authority': '/x' } },
        },
      ]),
    ).not.toEqual([]);
    expect(
      kubeadmConfigProblems([
        {
          apiVersion: 'kubeadm.k8s.io/v1beta4',
          kind: 'ClusterConfiguration',
          etcd: { local: {}, external: { endpoints: ['https://e:2379'], caFile: '/a', certFile: '/b', keyFile: '/c' } },
        },
      ]),
    ).not.toEqual([]);
    expect(
      kubeadmConfigProblems([
        { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', tlsCertFile: '/a' },
      ]),
    ).not.toEqual([]);
  });
});

describe('Kubernetes before 1.31', () => {
  it('gets no kubeadm configuration (its kubeadm has no v1beta4) and no bootstrap token', () => {
    const plan = planPki(stackSpec('lab', 'RSA-2048', (s) => void (s.spec.kubernetesVersion = 'v1.30.4')));
    expect(plan.kubeadm).toBeUndefined();
    expect(
      plan.files.filter((f) => f.content.kind === 'kubeadm-config' || f.content.kind === 'bootstrap-token'),
    ).toEqual([]);
  });
});
