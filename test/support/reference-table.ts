/**
 * The kubeadm PKI reference (`docs/kubeadm-pki.md`) written down as data, independently of
 * `src/plan`: tests compare a realized tree with these tables, never with the plan alone (the plan could be wrong in
 * the same way as the output).
 *
 * Input is a small set of {@link ClusterFacts} (node names, addresses, endpoint, certSANs, users). The shipped stacks'
 * facts are typed out by hand in {@link shippedStackFacts}; {@link clusterFactsFromSpec} derives them from any parsed
 * spec, for conformance tests that build their own spec.
 */
import * as ipaddr from 'ipaddr.js';
import type { ClusterSpec } from '../../src/spec';
import type { KeyAlgorithm } from '../../src/vocabulary';

export type ReferenceCaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';
export type ReferenceKeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign';
export type ReferenceExtendedKeyUsage = 'serverAuth' | 'clientAuth';

/** What the reference needs to know about a cluster to predict its PKI tree. */
export interface ClusterFacts {
  /** The spec's metadata.name: per-user kubeconfigs name their cluster, user and contexts after it. */
  specName: string;
  /** kubeconfig cluster name. */
  clusterName: string;
  /** Minor version of `kubernetesVersion` (33 for v1.33.0): decides O of admin/etcd clients and kubelet.conf's server. */
  kubernetesMinor: number;
  dnsDomain: string;
  /** First address of the first service CIDR (10.96.0.0/12 → 10.96.0.1). */
  serviceIp: string;
  bindPort: number;
  /** `controlPlaneEndpoint` split into host (IP or DNS, no brackets) and optional port. */
  controlPlaneEndpoint?: { host: string; port?: number };
  /** `apiServer.certSANs`, as written. */
  certSANs: string[];
  /** In spec order; the first one is the node `kubeadm init` ran on. */
  controlPlane: { name: string; advertiseAddress: string }[];
  workers: { name: string }[];
  users: { name: string; groups: string[]; validityHours?: number }[];
  /** `local` etcd with its extra SANs; `external` means no etcd PKI at all. */
  etcd: { serverCertSANs: string[]; peerCertSANs: string[] } | 'external';
  certificateValidityHours: number;
  caValidityHours: number;
}

/** The facts of `stacks/lab.cluster.yaml` and `stacks/ha.cluster.yaml`, typed out from the YAML by hand. */
export const shippedStackFacts: Record<'lab' | 'ha', ClusterFacts> = {
  lab: {
    specName: 'lab',
    clusterName: 'kubernetes',
    kubernetesMinor: 33,
    dnsDomain: 'cluster.local',
    serviceIp: '10.96.0.1',
    bindPort: 6443,
    certSANs: [],
    controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
    workers: [{ name: 'w1' }],
    users: [{ name: 'alice', groups: ['dev-team', 'oncall'] }],
    etcd: { serverCertSANs: [], peerCertSANs: [] },
    certificateValidityHours: 8760,
    caValidityHours: 87600,
  },
  ha: {
    specName: 'ha',
    clusterName: 'ha',
    kubernetesMinor: 33,
    dnsDomain: 'cluster.local',
    serviceIp: '10.96.0.1',
    bindPort: 6443,
    controlPlaneEndpoint: { host: 'ha-api.example.internal', port: 6443 },
    certSANs: ['192.168.50.10', 'api.ha.example.com', '*.ha.example.com'],
    controlPlane: [
      { name: 'cp1', advertiseAddress: '10.0.1.11' },
      { name: 'cp2', advertiseAddress: '10.0.1.12' },
      { name: 'cp3', advertiseAddress: '10.0.1.13' },
    ],
    workers: [{ name: 'w1' }, { name: 'w2' }, { name: 'w3' }],
    users: [
      { name: 'alice', groups: ['dev-team', 'oncall'] },
      { name: 'bob', groups: ['dev-team'] },
      { name: 'carol', groups: ['sre', 'oncall', 'auditors'] },
    ],
    etcd: { serverCertSANs: [], peerCertSANs: [] },
    certificateValidityHours: 8760,
    caValidityHours: 87600,
  },
};

/** Where each CA lives under a control-plane node's directory, and its CN (also its only DNS SAN). */
export const referenceCas: Record<ReferenceCaName, { file: string; keyFile: string; commonName: string }> = {
  ca: { file: 'pki/ca.crt', keyFile: 'pki/ca.key', commonName: 'kubernetes' },
  'front-proxy-ca': { file: 'pki/front-proxy-ca.crt', keyFile: 'pki/front-proxy-ca.key', commonName: 'front-proxy-ca' },
  'etcd-ca': { file: 'pki/etcd/ca.crt', keyFile: 'pki/etcd/ca.key', commonName: 'etcd-ca' },
};

/** One certificate the tree must hold: a `.crt` file under `pki/`, or the client certificate inside a kubeconfig. */
export interface ExpectedCertificate {
  /** Unique: the `.crt` path (`cp1/pki/apiserver.crt`) or the kubeconfig path (`cp1/admin.conf`). */
  id: string;
  /** kubeadm's name: `ca`, `apiserver`, `etcd/server`, `admin.conf`, `alice.conf`. */
  name: string;
  /** Node directory holding it; absent for `users/*.conf`. */
  node?: string;
  storage: 'pki' | 'kubeconfig';
  /** The `.crt` path, or the kubeconfig path for `storage: 'kubeconfig'`. */
  certPath: string;
  /** The `.key` path (or the kubeconfig path); absent where the reference puts no key (a worker's ca.crt). */
  keyPath?: string;
  /** The CA that signs it; for a CA, the CA itself. */
  issuer: ReferenceCaName;
  /** Set when this file is (a copy of) a CA. */
  ca?: ReferenceCaName;
  commonName: string;
  /** Subject O entries, in order. */
  organizations: string[];
  /** Deduplicated, sorted (byte order, as Go's sort.Strings). */
  dnsNames: string[];
  /** Deduplicated, in kubeadm's order. */
  ipAddresses: string[];
  keyUsages: ReferenceKeyUsage[];
  extendedKeyUsages: ReferenceExtendedKeyUsage[];
  validityHours: number;
}

/** One kubeconfig the tree must hold. */
export interface ExpectedKubeconfig {
  path: string;
  node?: string;
  /** The `pki/ca.crt` whose bytes `certificate-authority-data` must hold (the node's own, cp1's for users). */
  caPath: string;
  clusterName: string;
  server: string;
  /** The kubeconfig's user entry: the CN for kubeadm's files, `<CN>@<spec name>` for a spec user's. */
  userName: string;
  /** The client certificate's CN. */
  commonName: string;
  organizations: string[];
  contextName: string;
}

export type ExpectedFileKind =
  'certificate' | 'private-key' | 'public-key' | 'kubeconfig' | 'kubeadm-config' | 'bootstrap-token';

/** One file of the tree with its mode. Directories: see {@link referenceDirectoryModes}. */
export interface ExpectedFile {
  path: string;
  kind: ExpectedFileKind;
  mode: number;
}

const fileModes: Record<ExpectedFileKind, number> = {
  certificate: 0o644,
  'public-key': 0o644,
  'private-key': 0o600,
  kubeconfig: 0o600,
  // Both carry the bootstrap token.
  'kubeadm-config': 0o600,
  'bootstrap-token': 0o600,
};

/** `https://<endpoint host>:<its port or bindPort>`, or the first control-plane node's advertise address. */
export function referenceEndpoint(facts: ClusterFacts): string {
  const endpoint = facts.controlPlaneEndpoint;
  if (endpoint) return `https://${urlHost(endpoint.host)}:${endpoint.port ?? facts.bindPort}`;
  return localEndpoint(facts, facts.controlPlane[0]!.advertiseAddress);
}

/** Key usages the reference asks for; keyEncipherment only on RSA keys (kubepki's fix of a kubeadm bug). */
export function referenceKeyUsages(isCa: boolean, algorithm: KeyAlgorithm): ReferenceKeyUsage[] {
  const usages: ReferenceKeyUsage[] = ['digitalSignature'];
  if (algorithm.startsWith('RSA')) usages.push('keyEncipherment');
  if (isCa) usages.push('keyCertSign');
  return usages;
}

/** Every certificate of the tree: CA copies per node, per-node leaves, kubeconfig client certificates, users. */
export function referenceCertificates(facts: ClusterFacts, algorithm: KeyAlgorithm): ExpectedCertificate[] {
  const out: ExpectedCertificate[] = [];
  const leafUsages = referenceKeyUsages(false, algorithm);
  const hours = facts.certificateValidityHours;
  const localEtcd = facts.etcd !== 'external';
  const cas: ReferenceCaName[] = localEtcd ? ['ca', 'front-proxy-ca', 'etcd-ca'] : ['ca', 'front-proxy-ca'];
  const modernSubjects = facts.kubernetesMinor >= 29;

  const pkiLeaf = (
    node: string,
    name: string,
    issuer: ReferenceCaName,
    commonName: string,
    organizations: string[],
    extendedKeyUsages: ReferenceExtendedKeyUsage[],
    sans: { dns: string[]; ip: string[] } = { dns: [], ip: [] },
  ): ExpectedCertificate => ({
    id: `${node}/pki/${name}.crt`,
    name,
    node,
    storage: 'pki',
    certPath: `${node}/pki/${name}.crt`,
    keyPath: `${node}/pki/${name}.key`,
    issuer,
    commonName,
    organizations,
    dnsNames: sortedUnique(sans.dns),
    ipAddresses: orderedUnique(sans.ip),
    keyUsages: leafUsages,
    extendedKeyUsages,
    validityHours: hours,
  });
  const caCopy = (node: string, ca: ReferenceCaName, withKey: boolean): ExpectedCertificate => ({
    id: `${node}/${referenceCas[ca].file}`,
    name: ca,
    node,
    storage: 'pki',
    certPath: `${node}/${referenceCas[ca].file}`,
    keyPath: withKey ? `${node}/${referenceCas[ca].keyFile}` : undefined,
    issuer: ca,
    ca,
    commonName: referenceCas[ca].commonName,
    organizations: [],
    dnsNames: [referenceCas[ca].commonName],
    ipAddresses: [],
    keyUsages: referenceKeyUsages(true, algorithm),
    extendedKeyUsages: [],
    validityHours: facts.caValidityHours,
  });
  const client = (
    path: string,
    node: string | undefined,
    name: string,
    commonName: string,
    organizations: string[],
    validityHours = hours,
  ): ExpectedCertificate => ({
    id: path,
    name,
    node,
    storage: 'kubeconfig',
    certPath: path,
    keyPath: path,
    issuer: 'ca',
    commonName,
    organizations,
    dnsNames: [],
    ipAddresses: [],
    keyUsages: leafUsages,
    extendedKeyUsages: ['clientAuth'],
    validityHours,
  });

  for (const [index, cp] of facts.controlPlane.entries()) {
    const node = cp.name;
    for (const ca of cas) out.push(caCopy(node, ca, true));
    out.push(pkiLeaf(node, 'apiserver', 'ca', 'kube-apiserver', [], ['serverAuth'], apiServerSans(facts, cp)));
    out.push(
      pkiLeaf(
        node,
        'apiserver-kubelet-client',
        'ca',
        'kube-apiserver-kubelet-client',
        [modernSubjects ? 'kubeadm:cluster-admins' : 'system:masters'],
        ['clientAuth'],
      ),
    );
    out.push(pkiLeaf(node, 'front-proxy-client', 'front-proxy-ca', 'front-proxy-client', [], ['clientAuth']));
    if (facts.etcd !== 'external') {
      const etcdSans = { dns: [cp.name, 'localhost'], ip: [cp.advertiseAddress, '127.0.0.1', '::1'] };
      out.push(
        pkiLeaf(
          node,
          'etcd/server',
          'etcd-ca',
          cp.name,
          [],
          ['serverAuth', 'clientAuth'],
          withExtraSans(etcdSans, facts.etcd.serverCertSANs),
        ),
      );
      out.push(
        pkiLeaf(
          node,
          'etcd/peer',
          'etcd-ca',
          cp.name,
          [],
          ['serverAuth', 'clientAuth'],
          withExtraSans(etcdSans, facts.etcd.peerCertSANs),
        ),
      );
      out.push(
        pkiLeaf(
          node,
          'etcd/healthcheck-client',
          'etcd-ca',
          'kube-etcd-healthcheck-client',
          modernSubjects ? [] : ['system:masters'],
          ['clientAuth'],
        ),
      );
      out.push(
        pkiLeaf(
          node,
          'apiserver-etcd-client',
          'etcd-ca',
          'kube-apiserver-etcd-client',
          modernSubjects ? [] : ['system:masters'],
          ['clientAuth'],
        ),
      );
    }
    out.push(
      client(`${node}/admin.conf`, node, 'admin.conf', 'kubernetes-admin', [
        modernSubjects ? 'kubeadm:cluster-admins' : 'system:masters',
      ]),
    );
    // Like `kubeadm init`: only the first control-plane node gets super-admin.conf (`kubeadm join` writes none).
    if (index === 0 && modernSubjects)
      out.push(
        client(`${node}/super-admin.conf`, node, 'super-admin.conf', 'kubernetes-super-admin', ['system:masters']),
      );
    out.push(
      client(`${node}/controller-manager.conf`, node, 'controller-manager.conf', 'system:kube-controller-manager', []),
    );
    out.push(client(`${node}/scheduler.conf`, node, 'scheduler.conf', 'system:kube-scheduler', []));
    out.push(client(`${node}/kubelet.conf`, node, 'kubelet.conf', `system:node:${node}`, ['system:nodes']));
  }
  for (const worker of facts.workers) {
    out.push(caCopy(worker.name, 'ca', false));
    out.push(
      client(`${worker.name}/kubelet.conf`, worker.name, 'kubelet.conf', `system:node:${worker.name}`, [
        'system:nodes',
      ]),
    );
  }
  for (const user of facts.users) {
    out.push(
      client(
        `users/${user.name}.conf`,
        undefined,
        `${user.name}.conf`,
        user.name,
        [...user.groups],
        user.validityHours ?? hours,
      ),
    );
  }
  return out;
}

/** Every kubeconfig of the tree, with the server the reference asks for. */
export function referenceKubeconfigs(facts: ClusterFacts): ExpectedKubeconfig[] {
  const endpoint = referenceEndpoint(facts);
  // A spec user's kubeconfig is named after the spec, so files of several clusters merge without shadowing.
  const kubeconfig = (
    path: string,
    node: string | undefined,
    caNode: string,
    server: string,
    commonName: string,
    organizations: string[],
  ): ExpectedKubeconfig => {
    const scope = path.startsWith('users/') ? facts.specName : undefined;
    return {
      path,
      node,
      caPath: `${caNode}/pki/ca.crt`,
      clusterName: scope ?? facts.clusterName,
      server,
      userName: scope ? `${commonName}@${scope}` : commonName,
      commonName,
      organizations,
      contextName: `${commonName}@${scope ?? facts.clusterName}`,
    };
  };
  const out: ExpectedKubeconfig[] = [];
  const adminGroup = facts.kubernetesMinor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters';
  for (const [index, cp] of facts.controlPlane.entries()) {
    const local = localEndpoint(facts, cp.advertiseAddress);
    out.push(kubeconfig(`${cp.name}/admin.conf`, cp.name, cp.name, endpoint, 'kubernetes-admin', [adminGroup]));
    if (index === 0 && facts.kubernetesMinor >= 29) {
      out.push(
        kubeconfig(`${cp.name}/super-admin.conf`, cp.name, cp.name, endpoint, 'kubernetes-super-admin', [
          'system:masters',
        ]),
      );
    }
    out.push(
      kubeconfig(`${cp.name}/controller-manager.conf`, cp.name, cp.name, local, 'system:kube-controller-manager', []),
    );
    out.push(kubeconfig(`${cp.name}/scheduler.conf`, cp.name, cp.name, local, 'system:kube-scheduler', []));
    // Since 1.33 a control-plane kubelet talks to its own apiserver.
    const kubeletServer = facts.kubernetesMinor >= 33 ? local : endpoint;
    out.push(
      kubeconfig(`${cp.name}/kubelet.conf`, cp.name, cp.name, kubeletServer, `system:node:${cp.name}`, [
        'system:nodes',
      ]),
    );
  }
  for (const worker of facts.workers) {
    out.push(
      kubeconfig(`${worker.name}/kubelet.conf`, worker.name, worker.name, endpoint, `system:node:${worker.name}`, [
        'system:nodes',
      ]),
    );
  }
  const firstCp = facts.controlPlane[0]!.name;
  for (const user of facts.users) {
    out.push(kubeconfig(`users/${user.name}.conf`, undefined, firstCp, endpoint, user.name, [...user.groups]));
  }
  return out;
}

/** Every file of the tree, and nothing else, with its mode. */
export function referenceFiles(facts: ClusterFacts): ExpectedFile[] {
  const files: ExpectedFile[] = [];
  const add = (path: string, kind: ExpectedFileKind) => files.push({ path, kind, mode: fileModes[kind] });
  // Client certificates live inside kubeconfigs; every other certificate is a .crt/.key pair (or a lone ca.crt).
  for (const cert of referenceCertificates(facts, 'RSA-2048')) {
    if (cert.storage !== 'pki') continue;
    add(cert.certPath, 'certificate');
    if (cert.keyPath) add(cert.keyPath, 'private-key');
  }
  for (const cp of facts.controlPlane) {
    add(`${cp.name}/pki/sa.key`, 'private-key');
    add(`${cp.name}/pki/sa.pub`, 'public-key');
  }
  for (const kubeconfig of referenceKubeconfigs(facts)) add(kubeconfig.path, 'kubeconfig');
  // kubeadm reads the v1beta4 configuration API from 1.31 on: one kubeadm.yaml per node, one shared token.
  if (facts.kubernetesMinor >= 31) {
    for (const node of [...facts.controlPlane, ...facts.workers]) add(`${node.name}/kubeadm.yaml`, 'kubeadm-config');
    add('bootstrap-token', 'bootstrap-token');
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Directories whose mode the reference fixes (0700: they hold private keys). */
export function referenceDirectoryModes(facts: ClusterFacts): { path: string; mode: number }[] {
  const dirs = facts.controlPlane.flatMap((cp) => [
    `${cp.name}/pki`,
    ...(facts.etcd === 'external' ? [] : [`${cp.name}/pki/etcd`]),
  ]);
  return [...dirs, ...facts.workers.map((w) => `${w.name}/pki`)].map((path) => ({ path, mode: 0o700 }));
}

/** Derives {@link ClusterFacts} from a parsed spec (defaults applied), for tests that build their own spec. */
export function clusterFactsFromSpec(spec: ClusterSpec): ClusterFacts {
  const s = spec.spec;
  const minor = Number(/^v?1\.(\d+)/.exec(s.kubernetesVersion)?.[1]);
  const serviceSubnet = String(s.networking.serviceSubnet).split(',')[0]!.trim();
  return {
    specName: spec.metadata.name,
    clusterName: s.clusterName,
    kubernetesMinor: minor,
    dnsDomain: s.networking.dnsDomain,
    serviceIp: firstHostAddress(serviceSubnet),
    bindPort: s.apiServer.bindPort,
    controlPlaneEndpoint: s.controlPlaneEndpoint ? splitHostPort(s.controlPlaneEndpoint) : undefined,
    certSANs: [...s.apiServer.certSANs],
    controlPlane: s.controlPlane.map((cp) => ({ name: cp.name, advertiseAddress: cp.advertiseAddress })),
    workers: s.workers.map((w) => ({ name: w.name })),
    users: s.users.map((u) => ({
      name: u.name,
      groups: [...u.groups],
      ...(u.validityPeriod ? { validityHours: hoursOf(u.validityPeriod) } : {}),
    })),
    etcd:
      'external' in s.etcd
        ? 'external'
        : { serverCertSANs: [...s.etcd.local.serverCertSANs], peerCertSANs: [...s.etcd.local.peerCertSANs] },
    certificateValidityHours: hoursOf(s.pki.certificateValidityPeriod),
    caValidityHours: hoursOf(s.pki.caCertificateValidityPeriod),
  };
}

/** Rule A: the apiserver serving certificate's SANs for one control-plane node. */
export function apiServerSans(
  facts: ClusterFacts,
  cp: { name: string; advertiseAddress: string },
): { dns: string[]; ip: string[] } {
  const dns = [
    cp.name,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${facts.dnsDomain}`,
  ];
  const ip = [facts.serviceIp, cp.advertiseAddress];
  const extra = [...(facts.controlPlaneEndpoint ? [facts.controlPlaneEndpoint.host] : []), ...facts.certSANs];
  const sans = withExtraSans({ dns, ip }, extra);
  return { dns: sortedUnique(sans.dns), ip: orderedUnique(sans.ip) };
}

function withExtraSans(base: { dns: string[]; ip: string[] }, extra: string[]): { dns: string[]; ip: string[] } {
  const dns = [...base.dns];
  const ip = [...base.ip];
  for (const san of extra) (isIpLiteral(san) ? ip : dns).push(san);
  return { dns, ip };
}

/** An IP as Go's net.ParseIP reads one: dotted-quad IPv4 or IPv6 (ipaddr.isValid would also take `10` or `0x0a`). */
function isIpLiteral(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value);
}

function localEndpoint(facts: ClusterFacts, address: string): string {
  return `https://${urlHost(address)}:${facts.bindPort}`;
}

function urlHost(host: string): string {
  return ipaddr.IPv6.isValid(host) ? `[${host}]` : host;
}

function splitHostPort(endpoint: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  if (ipaddr.IPv6.isValid(endpoint)) return { host: endpoint };
  const [host, port] = endpoint.split(':');
  return { host: host!, ...(port ? { port: Number(port) } : {}) };
}

function firstHostAddress(cidr: string): string {
  const network = ipaddr.IPv4.isValidCIDR(cidr)
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  const bytes = network.toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

function hoursOf(duration: string): number {
  const match = /^(\d+)h$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]);
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function orderedUnique(values: string[]): string[] {
  return [...new Set(values)];
}
