import { kubernetesMinor, parseDurationHours } from '../spec';
import type { ClusterSpec, ControlPlaneNodeSpec } from '../spec';
import {
  certificateProfiles,
  commonNameOn,
  keyUsagesFor,
  kubeadmCertificateRows,
  nodesGroup,
  nodeUserPrefix,
  rowApplies,
  sinceMinor,
  type CertificateProfileName,
  type KeyHolder,
  type KubeadmCaId,
  type KubeadmCertificateRow,
  type SanRule,
} from '../vocabulary';
import type { CertificatePlan, KubeconfigPlan, PkiPlan, SubjectAltNamesPlan } from './pki-plan';
import { apiserverSans, buildSans, etcdSans } from './subject-alt-names';
import { clusterEndpoint, localEndpoint } from './kubeconfig-endpoints';
import { planFiles } from './plan-files';
import { planRbac } from './plan-rbac';
import { planIdentities } from './plan-identities';
import { generationName, planAuthorities, type AuthorityPlan } from './plan-authorities';
import { kubeletServingName, planKubeadmConfig } from './plan-kubeadm-config';

interface LeafInput {
  id: string;
  name: string;
  node?: string;
  issuer: string;
  profile: CertificateProfileName;
  commonName: string;
  organizations?: string[];
  sans?: SubjectAltNamesPlan;
  validityHours?: number;
  storage?: 'pki' | 'kubeconfig';
  csr?: string;
}

/** A leaf row's node, or none for user kubeconfigs. */
interface Placement {
  node: ControlPlaneNodeSpec | { name: string };
  /** Set on control-plane nodes only. */
  controlPlane?: ControlPlaneNodeSpec;
}

/** kubeadm's SAN rules (the reference's rules A and B), by the name a catalog row gives. */
function sansOf(rule: SanRule, spec: ClusterSpec, node: ControlPlaneNodeSpec | undefined): SubjectAltNamesPlan {
  const etcd = 'local' in spec.spec.etcd ? spec.spec.etcd.local : undefined;
  switch (rule) {
    case 'apiserver':
      return apiserverSans(spec, node!);
    case 'etcd-server':
      return etcdSans(node!, etcd!.serverCertSANs);
    case 'etcd-peer':
      return etcdSans(node!, etcd!.peerCertSANs);
    case 'ca-name':
    case 'none':
      return { dnsNames: [], ipAddresses: [] };
  }
}

/**
 * Plans the whole kubeadm PKI of a cluster: every CA, certificate, key pair, kubeconfig and file, as data — the
 * authorities in their rotation stage, then a loop over the kubeadm catalog's leaf and kubeconfig rows × the nodes
 * each row names, then the spec's users. Pure and deterministic — no keys, no clock, no randomness — and sorted by id.
 */
export function planPki(spec: ClusterSpec): PkiPlan {
  const s = spec.spec;
  const algorithm = s.pki.encryptionAlgorithm;
  const leafHours = parseDurationHours(s.pki.certificateValidityPeriod)!;
  const caHours = parseDurationHours(s.pki.caCertificateValidityPeriod)!;
  const minor = kubernetesMinor(s.kubernetesVersion);
  const localEtcd = 'local' in s.etcd;
  const endpoint = clusterEndpoint(spec);
  const authorities = planAuthorities(spec);
  const authority = (name: AuthorityPlan['authority']) => authorities.find((a) => a.authority === name);
  // Who signs each kind of leaf in this stage: the previous generation during trust, the new one from issue on.
  const signerOf: Record<KubeadmCaId, string> = {
    ca: authority('clusterCA')!.signer,
    'front-proxy-ca': authority('frontProxyCA')!.signer,
    'etcd-ca': authority('etcdCA')?.signer ?? 'etcd-ca',
  };

  const certificates: CertificatePlan[] = [];
  const kubeconfigs: KubeconfigPlan[] = [];

  const caKeys: Partial<Record<string, KeyHolder>> = s.pki.caKeys ?? {};
  const holderOf = (caId: string): KeyHolder => caKeys[caId] ?? 'kubepki';
  const caParents: Partial<Record<string, { certificate: string }>> = s.pki.caParents ?? {};
  const certificate = (input: LeafInput): CertificatePlan => {
    const profile = certificateProfiles[input.profile];
    const keyHolder: KeyHolder = profile.isCa ? holderOf(input.id) : input.csr !== undefined ? 'user' : 'kubepki';
    return {
      id: input.id,
      name: input.name,
      ...(input.node !== undefined ? { node: input.node } : {}),
      issuer: input.issuer,
      profile: input.profile,
      isCa: profile.isCa,
      subject: { commonName: input.commonName, organizations: input.organizations ?? [] },
      sans: input.sans ?? { dnsNames: [], ipAddresses: [] },
      keyUsages: keyUsagesFor(input.profile, algorithm),
      extendedKeyUsages: [...profile.extendedKeyUsages],
      validityHours: input.validityHours ?? leafHours,
      algorithm,
      storage: input.storage ?? 'pki',
      keyHolder,
      signedBy: holderOf(input.issuer),
      ...(input.csr !== undefined ? { csr: input.csr } : {}),
    };
  };
  const leaf = (input: LeafInput) => certificates.push(certificate(input));
  // Every generation a stage holds; the previous one is taken as it is on disk (it may be the old algorithm or
  // lifetime the rotation is there to change), so it is marked `retiring`. kubeadm's NewSelfSignedCACert writes the
  // CN as the only DNS SAN (the catalog's 'ca-name' rule).
  const ca = (a: AuthorityPlan) => {
    for (const id of [...a.trusted].sort()) {
      const generation = a.generation - (id === a.previous ? 1 : 0);
      const commonName = generationName(a.commonName!, generation);
      const plan = certificate({
        id,
        name: id,
        issuer: id,
        profile: 'ca',
        commonName,
        sans: buildSans([commonName], []),
        validityHours: caHours,
      });
      // An intermediate is signed by its offline root and may sign leaves only (pathLen 0). The front-proxy one signs
      // front-proxy-client alone, a client certificate without SANs: name constraints let it certify no host. The
      // cluster and etcd intermediates' leaves name the cluster's nodes, IPs and service address, which change with
      // the cluster: constraining them would send every such change back to the offline root.
      const parent = generation === 1 ? caParents[id]?.certificate : undefined;
      const constraints = id === 'front-proxy-ca' ? { nameConstraints: 'no-host-names' as const } : {};
      const intermediate =
        parent !== undefined ? { parent, pathLength: 0, signedBy: 'offline-root' as const, ...constraints } : {};
      certificates.push({
        ...plan,
        ...intermediate,
        ...(a.generation > 1 ? { generation } : {}),
        ...(id === a.previous ? { retiring: true as const } : {}),
      });
    }
  };
  const kubeconfig = (input: {
    id: string;
    node?: string;
    name: string;
    userName: string;
    organizations: string[];
    server: string;
    namespaces?: string[];
    validityHours?: number;
    /**
     * Names the cluster, user and contexts after this cluster (`alice@team`), so that kubeconfigs of several clusters
     * merge (`KUBECONFIG=a:b`) without one file's user or cluster entry shadowing another's. Node kubeconfigs keep
     * kubeadm's names.
     */
    scope?: string;
    csr?: string;
  }) => {
    leaf({
      id: input.id,
      name: input.name,
      ...(input.node !== undefined ? { node: input.node } : {}),
      issuer: signerOf.ca,
      profile: 'client',
      commonName: input.userName,
      organizations: input.organizations,
      ...(input.validityHours !== undefined ? { validityHours: input.validityHours } : {}),
      ...(input.csr !== undefined ? { csr: input.csr } : {}),
      storage: 'kubeconfig',
    });
    const entryUser = input.scope ? `${input.userName}@${input.scope}` : input.userName;
    const base = `${input.userName}@${input.scope ?? s.clusterName}`;
    const namespaces = input.namespaces ?? [];
    const contexts =
      namespaces.length === 0 ? [{ name: base }] : namespaces.map((ns) => ({ name: `${base}/${ns}`, namespace: ns }));
    kubeconfigs.push({
      id: input.id,
      ...(input.node !== undefined ? { node: input.node } : {}),
      name: input.name,
      certificate: input.id,
      clusterName: input.scope ?? s.clusterName,
      server: input.server,
      userName: entryUser,
      contexts,
      currentContext: contexts[0]!.name,
    });
  };

  for (const a of authorities) if (a.commonName) ca(a);

  const controlPlane: Placement[] = s.controlPlane.map((node) => ({ node, controlPlane: node }));
  const placements = (row: KubeadmCertificateRow): Placement[] => {
    if (row.nodes === 'first-control-plane') return controlPlane.slice(0, 1);
    if (row.nodes === 'control-plane') return controlPlane;
    return [...controlPlane, ...s.workers.map((node) => ({ node: { name: node.name } }))];
  };
  for (const row of kubeadmCertificateRows) {
    if (row.kind === 'ca' || !rowApplies(row, minor, localEtcd)) continue;
    for (const { node, controlPlane: controlPlaneNode } of placements(row)) {
      const n = node.name;
      const organizations = [...sinceMinor(row.organizations, minor)];
      if (row.kind === 'leaf') {
        leaf({
          id: `${n}/${row.id}`,
          name: row.id,
          node: n,
          issuer: signerOf[row.issuer],
          profile: row.profile,
          commonName: commonNameOn(row, n),
          organizations,
          sans: sansOf(row.sans, spec, controlPlaneNode),
        });
        continue;
      }
      const local = controlPlaneNode !== undefined && sinceMinor(row.server!, minor) === 'local';
      kubeconfig({
        id: `${n}/${row.id}`,
        node: n,
        name: row.id,
        userName: commonNameOn(row, n),
        organizations,
        server: local ? localEndpoint(spec, controlPlaneNode) : endpoint,
      });
    }
  }

  for (const user of s.users) {
    kubeconfig({
      id: `users/${user.name}.conf`,
      name: `${user.name}.conf`,
      userName: user.name,
      organizations: user.groups,
      server: endpoint,
      namespaces: user.namespaces,
      scope: spec.metadata.name,
      ...(user.validityPeriod ? { validityHours: parseDurationHours(user.validityPeriod)! } : {}),
      ...(user.csr !== undefined ? { csr: user.csr } : {}),
    });
  }

  const nodes = [
    ...s.controlPlane.map((n) => ({ name: n.name, role: 'control-plane' as const, address: n.advertiseAddress })),
    ...s.workers.map((n) => ({ name: n.name, role: 'worker' as const, ...(n.address ? { address: n.address } : {}) })),
  ];
  // kubeadm leaves kubelet serving certificates self-signed; kubepki issues them from the cluster CA, which
  // kube-apiserver then names in --kubelet-certificate-authority (see the README for why not a separate CA). Not a
  // catalog row because kubeadm does not write it.
  if (s.pki.kubeletServingCertificates) {
    for (const node of nodes) {
      leaf({
        id: `${node.name}/${kubeletServingName}`,
        name: kubeletServingName,
        node: node.name,
        issuer: signerOf.ca,
        profile: 'server',
        commonName: `${nodeUserPrefix}${node.name}`,
        organizations: [nodesGroup],
        sans: buildSans([node.name], node.address ? [node.address] : []),
      });
    }
  }
  const sa = authority('serviceAccountKey')!;
  const keyPairs = sa.trusted.map((id) => ({
    id,
    algorithm,
    ...(id === sa.previous ? { retiring: true as const } : {}),
  }));
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  certificates.sort(byId);
  kubeconfigs.sort(byId);
  const rbac = planRbac(spec);
  const kubeadm = planKubeadmConfig(spec, endpoint, certificates);
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'PkiPlan',
    metadata: { name: spec.metadata.name },
    cluster: {
      clusterName: s.clusterName,
      kubernetesVersion: s.kubernetesVersion,
      algorithm,
      dnsDomain: s.networking.dnsDomain,
      endpoint,
      serviceAccountIssuer: `https://kubernetes.default.svc.${s.networking.dnsDomain}`,
      etcd: localEtcd ? 'local' : 'external',
      ...(s.pki.renewBefore ? { renewBeforeHours: parseDurationHours(s.pki.renewBefore)! } : {}),
    },
    nodes,
    // Only once a rotation has begun: a never-rotated cluster's plan stays as it was (see authoritiesOf).
    ...(authorities.some((a) => a.generation > 1) ? { authorities } : {}),
    certificates,
    keyPairs,
    kubeconfigs,
    rbac,
    identities: planIdentities(spec, certificates),
    expectations: s.expect.map((e) => ({
      as: e.as,
      ...(e.namespace ? { namespace: e.namespace } : {}),
      can: e.can ?? [],
      cannot: e.cannot ?? [],
    })),
    ...(kubeadm ? { kubeadm } : {}),
    files: planFiles(nodes, certificates, kubeconfigs, rbac, authorities, kubeadm),
  };
}
